// emotion-analyze: decodes a recording, runs lldextract with voice activity detection, and prints
// a readable summary per speech segment (timing, voicing, pitch, loudness). The emotion
// classifiers extend this summary once a model is given.
#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "gst/emotion/emotion.h"

namespace {

constexpr int kFeatures = 36;
constexpr int kEnergy = 1, kHarmonicRatio = 34, kF0 = 35;

struct Segment {
    std::string id;
    GstClockTime start = GST_CLOCK_TIME_NONE, end = GST_CLOCK_TIME_NONE;
    std::vector<float> f0;       // voiced frames only
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

void print_summary(const Analysis& analysis) {
    std::printf("%d feature frames (%.2f s), %zu speech segments\n", analysis.total_frames,
                analysis.total_frames / 100.0, analysis.segments.size());
    std::printf("%-8s %9s %9s %8s %8s %10s\n", "segment", "start s", "end s", "voiced", "F0 Hz",
                "level dB");
    for (const Segment& s : analysis.segments) {
        if (s.frames == 0) continue;
        double level = 10.0 * std::log10(s.energy_sum / s.frames + 1e-12) + 3.0103; // dBFS, sine = 0
        std::printf("%-8s %9.2f %9.2f %7.0f%% %8.1f %10.1f\n", s.id.c_str(), s.start / 1e9,
                    s.end / 1e9, 100.0 * s.f0.size() / s.frames, median(s.f0), level);
    }
}

} // namespace

int main(int argc, char** argv) {
    gst_init(&argc, &argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s AUDIO-FILE\n", argv[0]);
        return 2;
    }
    gchar* uri = gst_filename_to_uri(argv[1], nullptr);
    std::string description = std::string("uridecodebin uri=\"") + uri +
        "\" ! audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=16000,channels=1 "
        "! lldextract segmentation=vad ! fakesink name=sink sync=false";
    g_free(uri);

    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    if (!pipeline) {
        std::fprintf(stderr, "cannot build pipeline: %s\n", error ? error->message : "unknown");
        return 1;
    }
    Analysis analysis;
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstPad* pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                      on_data, &analysis, nullptr);
    gst_object_unref(pad);
    gst_object_unref(sink);

    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(pipeline);
    GstMessage* message = gst_bus_timed_pop_filtered(
        bus, GST_CLOCK_TIME_NONE, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
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
    if (status == 0) print_summary(analysis);
    return status;
}
