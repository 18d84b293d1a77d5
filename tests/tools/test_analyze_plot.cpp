// emotion-analyze --plot on an EmoDB utterance of shared/reference/lld with the shipped model:
// the picture, read back with cairo, shows the segment the tool printed where it printed it, in
// its emotion's colour at its confidence's opacity, white around it, and the speech's envelope.
// And the recorder behind it on a small pipeline, with results that carry arousal and valence.
#include <gst/gst.h>
#include <glib.h>
#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "../../tools/analyze/timeline-recorder.h"
#include "../../tools/common/timeline-plot.h"
#include "png_pixels.h"
#include "tool_run.h"
#include "test_main.h"

using namespace emotion::tools;
using emotion::test::close_to;
using emotion::test::PngPixels;
using emotion::test::run;
using emotion::test::Run;

namespace {

std::string analyze_tool() {
    const char* tool = std::getenv("EMOTION_ANALYZE_TOOL");
    return tool ? tool : "emotion-analyze";
}

std::string wav() { return emotion::test::shared_dir() + "/reference/lld/emodb_08a02Wc.wav"; }

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

struct Printed {
    double start = 0, end = 0, confidence = 0;
    std::string label;
};

// "vad0  0.10  1.74  75%  319.5  -18.8  happy (57%)" -> times, label, confidence
bool parse_segment(const std::string& out, Printed& p) {
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("vad0 ", 0) != 0) continue;
        char label[64];
        double voiced, f0, level;
        int percent;
        if (std::sscanf(line.c_str(), "vad0 %lf %lf %lf%% %lf %lf %63s (%d%%)", &p.start, &p.end, &voiced,
                        &f0, &level, label, &percent) != 7)
            return false;
        p.label = label;
        p.confidence = percent / 100.0;
        return true;
    }
    return false;
}

} // namespace

TEST(analyze_plot_shows_the_printed_segment) {
    const std::string path = emotion::test::temp_path("timeline.png");
    Run r = run({analyze_tool(), "--plot", path, wav()});
    EXPECT_MSG(r.status == 0, r.err);
    Printed p;
    EXPECT_MSG(parse_segment(r.out, p), r.out);
    PngPixels png(path);
    // panels and margins depend only on whether results carry arousal/valence (the shipped models'
    // four labels do: README "Arousal, valence and confidence")
    Timeline with_affect;
    with_affect.segments.push_back({0.0, 1.0, p.label, p.confidence, 0.0, 0.0});
    const TimelineLayout l = timeline_layout(with_affect);
    EXPECT(png.width() == l.width && png.height() == l.height);

    // the coloured span of the emotion band, and its colour in the middle
    const double y = (l.band_top + l.band_bottom) / 2;
    const std::array<int, 3> white = {255, 255, 255};
    int first = -1, last = -1;
    for (int x = int(l.left) + 2; x <= int(l.right) - 2; ++x)
        if (!close_to(png.rgb(x, y), white, 0)) {
            if (first < 0) first = x;
            last = x;
        }
    EXPECT_MSG(first > int(l.left) + 2 && last < int(l.right) - 2,
               std::to_string(first) + ".." + std::to_string(last)); // white before and after
    // where it starts and ends, relative to each other (the axis length is the audio's)
    EXPECT_NEAR((first - l.left) / (last + 1 - l.left), p.start / p.end, 0.01);
    const auto colour = png.rgb((first + last) / 2.0, y);
    const auto expected =
        emotion::test::over_white(emotion_colour(p.label, 0), confidence_opacity(p.confidence));
    EXPECT_MSG(close_to(colour, expected, 5), p.label + " " + std::to_string(p.confidence) + ": " +
                                                  emotion::test::to_string(colour) + ", expected " +
                                                  emotion::test::to_string(expected));

    // the speech's envelope: dark columns (RMS) above the centre line inside the segment
    int dark_columns = 0;
    const double above_centre = (l.wave_top + l.wave_bottom) / 2 - 4;
    for (int x = first; x <= last; ++x) {
        const auto c = png.rgb(x, above_centre);
        dark_columns += c[0] < 120 && c[1] < 120 && c[2] < 120;
    }
    EXPECT_MSG(dark_columns > (last - first) / 10, std::to_string(dark_columns));
    EXPECT(l.curves); // the arousal/valence panel is there
}

// An `emotion` message as the classifiers post it, plus arousal/valence of the given GType.
GstStructure* result(double start, double end, const char* label, double confidence, GType type,
                     double arousal, double valence) {
    GstStructure* s =
        gst_structure_new("emotion", "timestamp", G_TYPE_UINT64, guint64(start * GST_SECOND), "duration",
                          G_TYPE_UINT64, guint64((end - start) * GST_SECOND), "label", G_TYPE_STRING, label,
                          "confidence", G_TYPE_DOUBLE, confidence, NULL);
    if (type == G_TYPE_FLOAT)
        gst_structure_set(s, "arousal", G_TYPE_FLOAT, float(arousal), "valence", G_TYPE_FLOAT, float(valence),
                          NULL);
    else if (type == G_TYPE_DOUBLE)
        gst_structure_set(s, "arousal", G_TYPE_DOUBLE, arousal, "valence", G_TYPE_DOUBLE, valence, NULL);
    return s;
}

TEST(recorder_draws_audio_and_arousal_valence_of_the_results) {
    // 0.64 s of a loud tone into the element before "classifier" (identities stand in)
    GstElement* pipeline = gst_parse_launch("audiotestsrc num-buffers=10 samplesperbuffer=1024 volume=0.8 ! "
                                            "audio/x-raw,format=F32LE,rate=16000,channels=1 ! identity "
                                            "name=features ! identity name=classifier ! "
                                            "fakesink",
                                            nullptr);
    EXPECT(pipeline != nullptr);
    if (!pipeline) return;
    GstElement* classifier = gst_bin_get_by_name(GST_BIN(pipeline), "classifier");
    TimelineRecorder recorder(classifier, "recorder");
    gst_object_unref(classifier);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(pipeline);
    GstMessage* end =
        gst_bus_timed_pop_filtered(bus, 10 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    EXPECT(end && GST_MESSAGE_TYPE(end) == GST_MESSAGE_EOS);
    if (end) gst_message_unref(end);
    gst_object_unref(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);

    GstStructure* results[] = {
        result(0.1, 0.6, "happy", 0.9, G_TYPE_FLOAT, 0.8, -0.4),    // float fields
        result(1.0, 1.6, "sad", 0.7, G_TYPE_DOUBLE, -0.6, 0.5),     // double fields
        result(1.7, 1.9, "neutral", 0.6, G_TYPE_INVALID, 0.0, 0.0), // none: no dot
        gst_structure_new("emotion", "timestamp", G_TYPE_UINT64, guint64(0.7 * GST_SECOND), "duration",
                          G_TYPE_UINT64, guint64(0.2 * GST_SECOND), "label", G_TYPE_STRING, "no-speech",
                          NULL),
    };
    for (GstStructure* s : results) {
        recorder.record(s);
        gst_structure_free(s);
    }
    const std::string path = emotion::test::temp_path("recorder.png");
    recorder.write(path);

    // the same layout: duration 1.9 s (the last result), a curve panel
    Timeline same;
    same.segments = {{0.1, 0.6, "happy", 0.9, 0.8, -0.4}, {1.0, 1.6, "sad", 0.7, -0.6, 0.5}};
    same.segments.push_back({1.7, 1.9, "neutral", 0.6, {}, {}});
    const TimelineLayout l = timeline_layout(same);
    PngPixels png(path);
    EXPECT(l.curves && png.height() == l.height && l.curve_min == -1.0);
    const std::array<int, 3> white = {255, 255, 255}, arousal = {26, 26, 26};
    const auto valence = emotion::test::over_white({0.58, 0.40, 0.74}, 1.0);
    EXPECT(close_to(png.rgb(l.x_of(0.35), l.curve_y(0.8)), arousal, 4));
    EXPECT(close_to(png.rgb(l.x_of(0.35), l.curve_y(-0.4)), valence, 4));
    EXPECT(close_to(png.rgb(l.x_of(1.3), l.curve_y(-0.6)), arousal, 4));
    EXPECT(close_to(png.rgb(l.x_of(1.3), l.curve_y(0.5)), valence, 4));
    EXPECT(close_to(png.rgb(l.x_of(1.8), l.curve_y(0.9)), white, 0)); // neutral: no value, no line after
    // no-speech (0.7-0.9 s) is not a segment; the tone's envelope fills its 0.64 s
    const double band = (l.band_top + l.band_bottom) / 2, mid = (l.wave_top + l.wave_bottom) / 2;
    EXPECT(close_to(png.rgb(l.x_of(0.8), band), white, 0));
    const auto loud = png.rgb(l.x_of(0.3), mid - 10), quiet = png.rgb(l.x_of(0.9), mid - 10);
    EXPECT_MSG(loud[0] < 120 && loud[1] < 120 && loud[2] < 120, emotion::test::to_string(loud));
    EXPECT(close_to(quiet, white, 0));
}

TEST(analyze_plot_errors_n) {
    Run r = run({analyze_tool(), wav(), "--plot"});
    EXPECT_MSG(r.status == 2 && contains(r.err, "--plot TIMELINE.png"), r.err);
    r = run({analyze_tool(), "--plot", "/nonexistent-dir/timeline.png", wav()});
    // refused before the analysis runs
    EXPECT_MSG(r.status == 2 && contains(r.err, "cannot write /nonexistent-dir/timeline.png"), r.err);
    EXPECT_MSG(!contains(r.out, "vad0"), r.out);
}

int main(int argc, char** argv) {
    gst_init(&argc, &argv);
    return emotion::test::run_all(argc, argv);
}
