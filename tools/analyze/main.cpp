// emotion-analyze: decodes a recording, finds the speech segments (lldextract with voice
// activity detection), classifies each with stlclassify (the shipped, recommended model), or with the
// elements of each --model's recorded architecture, and prints per segment its timing, voicing,
// median F0, level, emotion and confidence. A model of mu-law segments (apcnn) gets mulawspec and
// no voice activity detection: one line per 2 s segment with its timing and emotion. Several
// --model are fused by emotionfuse (in the segments of the first). --json prints emotionsink's
// JSON Lines instead (emotionsink writes them, so the schema is the same).
// --plot draws the timeline picture (tools/common/timeline-plot.h).
#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../common/model-architecture.h"
#include "../common/options.h"
#include "gst/emotion/emotion.h"
#include "models/architecture.h"
#include "timeline-recorder.h"

namespace {

const char* kUsage =
    "usage: emotion-analyze [--model MODEL.safetensors]... [--balance none|speaker] [--json]\n"
    "                       [--plot TIMELINE.png] AUDIO-FILE\n"
    "  --model FILE  a model of any architecture (the file says which: the features element and\n"
    "                classifier follow); given several times, their results are fused\n"
    "                (emotionfuse, equal weights). Default: the shipped stl model (the recommended one)\n"
    "  --balance B   speaker: the classifiers' label-shift correction for the recording's voice\n"
    "                (their property balance, README \"Balance per voice\"), for speech of other\n"
    "                corpora when the recording holds more than one emotion; default none\n"
    "  --json        print one JSON object per result (emotionsink's JSON Lines) instead of the table\n"
    "  --plot FILE   also draw the timeline picture (level, segments by emotion, mm:ss) as PNG\n"
    "  -h, --help    this text\n";
constexpr int kFeatures = 36;
constexpr int kEnergy = 1, kHarmonicRatio = 34, kF0 = 35;

struct Segment {
    std::string id;
    GstClockTime start = GST_CLOCK_TIME_NONE, end = GST_CLOCK_TIME_NONE;
    std::vector<float> f0; // voiced frames only
    double energy_sum = 0.0;
    int frames = 0;
};

struct Analysis {
    std::vector<Segment> segments;
    bool in_segment = false;
    int total_frames = 0;
};

double median(std::vector<float> values) {
    if (values.empty()) return 0.0;
    std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
    return values[values.size() / 2];
}

GstPadProbeReturn on_data(GstPad*, GstPadProbeInfo* info, gpointer user_data) {
    auto* analysis = static_cast<Analysis*>(user_data);
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
        if (gst_emotion_event_is_segment_start(event)) {
            Segment s;
            s.id = gst_emotion_event_get_segment_id(event);
            analysis->segments.push_back(s);
            analysis->in_segment = true;
        } else if (gst_emotion_event_is_segment_end(event)) {
            analysis->in_segment = false;
        }
        return GST_PAD_PROBE_OK;
    }
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    ++analysis->total_frames;
    if (!analysis->in_segment || analysis->segments.empty()) return GST_PAD_PROBE_OK;
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return GST_PAD_PROBE_OK;
    if (map.size >= kFeatures * sizeof(float)) {
        const float* f = reinterpret_cast<const float*>(map.data);
        Segment& s = analysis->segments.back();
        if (s.start == GST_CLOCK_TIME_NONE) s.start = GST_BUFFER_PTS(buffer);
        s.end = GST_BUFFER_PTS(buffer) + GST_BUFFER_DURATION(buffer);
        s.energy_sum += f[kEnergy];
        if (f[kF0] > 0.0f && f[kHarmonicRatio] > 0.0f) s.f0.push_back(f[kF0]);
        ++s.frames;
    }
    gst_buffer_unmap(buffer, &map);
    return GST_PAD_PROBE_OK;
}

// Emotion per segment id, from the classifier's bus messages (main thread only).
struct Emotion {
    std::string label;
    double confidence = 0.0;
    guint64 start = 0, duration = 0;
    bool has_affect = false;
    double arousal = 0.0, valence = 0.0;
};

// " (81%, arousal +0.52, valence -0.31)"
std::string describe(const Emotion& e) {
    char text[96];
    if (e.has_affect)
        std::snprintf(text, sizeof text, " (%.0f%%, arousal %+.2f, valence %+.2f)", 100.0 * e.confidence,
                      e.arousal, e.valence);
    else
        std::snprintf(text, sizeof text, " (%.0f%%)", 100.0 * e.confidence);
    return text;
}
struct Emotions {
    std::map<std::string, Emotion> by_id;
    std::vector<std::string> order; // ids as the results came
};

void record_emotion(Emotions& emotions, const GstStructure* s) {
    const gchar* id = gst_structure_get_string(s, "segment-id");
    const gchar* label = gst_structure_get_string(s, "label");
    if (!id || !label) return;
    if (!emotions.by_id.count(id)) emotions.order.push_back(id);
    Emotion& e = emotions.by_id[id];
    e.label = label;
    gst_structure_get_double(s, "confidence", &e.confidence);
    gst_structure_get_uint64(s, "timestamp", &e.start);
    gst_structure_get_uint64(s, "duration", &e.duration);
    e.has_affect = gst_structure_get_double(s, "arousal", &e.arousal) &&
                   gst_structure_get_double(s, "valence", &e.valence);
}

void print_summary(const Analysis& analysis, const Emotions& emotions) {
    std::printf("%d feature frames (%.2f s), %zu speech segments\n", analysis.total_frames,
                analysis.total_frames / 100.0, analysis.segments.size());
    std::printf("%-8s %8s %8s %7s %7s %9s  %s\n", "segment", "start s", "end s", "voiced", "F0 Hz",
                "level dB", "emotion");
    for (const Segment& s : analysis.segments) {
        if (s.frames == 0) continue;
        double level = 10.0 * std::log10(s.energy_sum / s.frames + 1e-12) + 3.0103; // dBFS, sine = 0
        auto e = emotions.by_id.find(s.id);
        std::printf("%-8s %8.2f %8.2f %6.0f%% %7.1f %9.1f  %s", s.id.c_str(), s.start / 1e9, s.end / 1e9,
                    100.0 * s.f0.size() / s.frames, median(s.f0), level,
                    e == emotions.by_id.end() ? "-" : e->second.label.c_str());
        if (e != emotions.by_id.end()) std::printf("%s", describe(e->second).c_str());
        std::printf("\n");
    }
}

// Models that take no LLD frames: the classifier's results alone.
void print_results(const Emotions& emotions) {
    std::printf("%zu segments\n%-8s %8s %8s  %s\n", emotions.order.size(), "segment", "start s", "end s",
                "emotion");
    for (const std::string& id : emotions.order) {
        const Emotion& e = emotions.by_id.at(id);
        std::printf("%-8s %8.2f %8.2f  %s%s\n", id.c_str(), e.start / 1e9, (e.start + e.duration) / 1e9,
                    e.label.c_str(), describe(e).c_str());
    }
}

// The command line, all of it here.
struct AnalyzeOptions {
    std::vector<std::string> models; // empty: the shipped model of emotion::models::kRecommendedArchitecture
    std::string audio;
    bool balance = false; // --balance speaker
    bool json = false;
    bool help = false;
};

AnalyzeOptions parse_options(int argc, char** argv) {
    emotion::tools::Options o(argc, argv, {{"model", ""}, {"balance", "none"}},
                              {{"help", false}, {"json", false}}, {}, 1);
    AnalyzeOptions a;
    a.help = o.flag("help");
    if (a.help) return a;
    if (o.positional().empty()) throw std::invalid_argument("no AUDIO-FILE given");
    a.audio = o.positional()[0];
    a.models = o.all("model");
    for (const std::string& m : a.models)
        if (m.empty()) throw std::invalid_argument("--model needs a file name");
    a.json = o.flag("json");
    if (o.str("balance") != "none" && o.str("balance") != "speaker")
        throw std::invalid_argument("--balance: none or speaker, not '" + o.str("balance") + "'");
    a.balance = o.str("balance") == "speaker";
    return a;
}

// One classifier of the analysis: a model file (empty: the shipped one) and its architecture.
struct Branch {
    std::string model;
    const emotion::models::Architecture* architecture = nullptr;
    bool balance = false;
    bool lld() const { return architecture->features.kind == emotion::models::FeatureKind::Lld; }
};

std::string quoted(const std::string& value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// features ! classifier, named classifierN (LLD features find the speech segments themselves).
std::string branch_description(const Branch& b, size_t index) {
    std::string d = b.architecture->features_element + (b.lld() ? " segmentation=vad" : "") + " ! " +
                    b.architecture->element + " name=classifier" + std::to_string(index);
    if (!b.model.empty()) d += " model=" + quoted(b.model);
    if (b.balance) d += " balance=speaker";
    return d;
}

// decoder ! branch ! sink, or with several branches decoder ! tee ! branches ! emotionfuse ! sink;
// the results are those of the element named `results`.
std::string pipeline_description(const std::string& uri, const std::vector<Branch>& branches, bool json,
                                 std::string* results) {
    std::string d = "uridecodebin uri=" + quoted(uri) +
                    " ! audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=16000,channels=1 ! ";
    const std::string sink = json ? "emotionsink location=/dev/stdout format=jsonl" : "fakesink sync=false";
    if (branches.size() == 1) {
        *results = "classifier0";
        return d + branch_description(branches[0], 0) + " ! " + sink;
    }
    d += "tee name=split";
    for (size_t i = 0; i < branches.size(); ++i)
        d += "  split. ! queue ! " + branch_description(branches[i], i) + " ! fuse.sink_" + std::to_string(i);
    *results = "fuse";
    return d + "  emotionfuse name=fuse ! " + sink;
}

int write_timeline(emotion::tools::TimelineRecorder& timeline, const std::string& path) {
    try {
        timeline.write(path);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-analyze: %s\n", e.what());
        return 1;
    }
}

// Without the plugin gst_parse_launch builds half a pipeline: CRITICALs and "not linked".
bool elements_available(const std::vector<std::string>& elements) {
    for (const std::string& element : elements) {
        GstElementFactory* factory = gst_element_factory_find(element.c_str());
        if (!factory) {
            std::fprintf(stderr,
                         "emotion-analyze: GStreamer has no element '%s': install the plugin (meson install "
                         "-C build) or set GST_PLUGIN_PATH to the build's gst folder\n",
                         element.c_str());
            return false;
        }
        gst_object_unref(factory);
    }
    return true;
}

} // namespace

int main(int argc, char** argv) {
    gst_init(&argc, &argv);
    std::string plot_path;
    if (!emotion::tools::take_plot_option(argc, argv, plot_path))
        return emotion::tools::usage_error("emotion-analyze", "--plot needs a file name that can be written",
                                           kUsage);
    AnalyzeOptions options;
    try {
        options = parse_options(argc, argv);
    } catch (const std::exception& e) {
        return emotion::tools::usage_error("emotion-analyze", e.what(), kUsage);
    }
    if (options.help) {
        std::printf("%s", kUsage);
        return 0;
    }
    // A model file says what it is: its architecture chooses the features element and classifier.
    std::vector<Branch> branches;
    try {
        if (options.models.empty())
            branches.push_back(
                {"", &emotion::tools::run_architecture("", "", emotion::models::kRecommendedArchitecture)});
        for (const std::string& model : options.models)
            branches.push_back({model, &emotion::tools::run_architecture(
                                           model, "", emotion::models::kRecommendedArchitecture)});
        for (Branch& b : branches) b.balance = options.balance;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-analyze: %s\n", e.what());
        return 1;
    }
    std::vector<std::string> elements;
    for (const Branch& b : branches)
        elements.insert(elements.end(), {b.architecture->features_element, b.architecture->element});
    if (branches.size() > 1) elements.push_back("emotionfuse");
    if (options.json) elements.push_back("emotionsink");
    if (!elements_available(elements)) return 1;

    gchar* uri = gst_filename_to_uri(options.audio.c_str(), nullptr);
    std::string results;
    const std::string description =
        pipeline_description(uri ? uri : options.audio, branches, options.json, &results);
    g_free(uri);
    // LLD frames and segment events as the first classifier receives them: the table's columns
    const bool lld = branches[0].lld();
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    if (!pipeline || error) {
        std::fprintf(stderr, "emotion-analyze: cannot build the pipeline: %s\n",
                     error ? error->message : "unknown");
        g_clear_error(&error);
        if (pipeline) gst_object_unref(pipeline);
        return 1;
    }
    std::unique_ptr<emotion::tools::TimelineRecorder> timeline;
    if (!plot_path.empty()) {
        GstElement* classifier = gst_bin_get_by_name(GST_BIN(pipeline), "classifier0");
        gchar* name = g_path_get_basename(options.audio.c_str());
        timeline = std::make_unique<emotion::tools::TimelineRecorder>(classifier, name);
        g_free(name);
        gst_object_unref(classifier);
    }
    Analysis analysis;
    if (lld && !options.json) {
        GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "classifier0");
        GstPad* pad = gst_element_get_static_pad(sink, "sink");
        gst_pad_add_probe(pad,
                          GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                          on_data, &analysis, nullptr);
        gst_object_unref(pad);
        gst_object_unref(sink);
    }

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(pipeline);
    Emotions emotions;
    GstMessage* message;
    while (true) {
        message = gst_bus_timed_pop_filtered(
            bus, GST_CLOCK_TIME_NONE,
            GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT));
        if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT) break;
        const GstStructure* s = gst_message_get_structure(message);
        if (gst_structure_has_name(s, "emotion") &&
            results == GST_OBJECT_NAME(GST_MESSAGE_SRC(message))) { // not the fused inputs'
            record_emotion(emotions, s);
            if (timeline) timeline->record(s);
        }
        gst_message_unref(message);
    }
    int status = 0;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        GError* err = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(message, &err, &debug);
        std::fprintf(stderr, "error: %s\n%s\n", err->message, debug ? debug : "");
        g_clear_error(&err);
        g_free(debug);
        status = 1;
    }
    gst_message_unref(message);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    if (status == 0 && !options.json) {
        if (lld)
            print_summary(analysis, emotions); // streaming threads have stopped
        else
            print_results(emotions);
    }
    if (status == 0 && timeline) status = write_timeline(*timeline, plot_path);
    return status;
}
