// emotion-analyze --plot on an EmoDB utterance of shared/reference/lld with the shipped model:
// the picture, read back with cairo, shows the segment the tool printed where it printed it, in
// its emotion's colour at its confidence's opacity, white around it, and the speech's envelope.
#include <glib.h>
#include <sys/wait.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "../../tools/common/timeline-plot.h"
#include "png_pixels.h"
#include "test_main.h"

using namespace emotion::tools;
using emotion::test::close_to;
using emotion::test::PngPixels;

namespace {

struct Run {
    int status = -1;
    std::string out, err;
};

Run run(std::vector<std::string> argv) {
    std::vector<gchar*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    gchar *out = nullptr, *err = nullptr;
    gint wait_status = -1;
    GError* error = nullptr;
    Run r;
    if (!g_spawn_sync(nullptr, args.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err,
                      &wait_status, &error)) {
        r.err = error ? error->message : "cannot spawn";
        g_clear_error(&error);
        return r;
    }
    r.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    r.out = out ? out : "";
    r.err = err ? err : "";
    g_free(out);
    g_free(err);
    std::printf("$");
    for (const auto& a : argv) std::printf(" %s", a.c_str());
    std::printf("\n-> exit %d\n%s%s", r.status, r.out.c_str(), r.err.c_str());
    return r;
}

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
    const TimelineLayout l = timeline_layout(Timeline{}); // panels and margins do not depend on the data
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
    EXPECT(!l.curves); // the shipped model's results carry no arousal or valence
}

TEST(analyze_plot_errors_n) {
    Run r = run({analyze_tool(), wav(), "--plot"});
    EXPECT_MSG(r.status == 2 && contains(r.err, "--plot TIMELINE.png"), r.err);
    r = run({analyze_tool(), "--plot", "/nonexistent-dir/timeline.png", wav()});
    // refused before the analysis runs
    EXPECT_MSG(r.status == 2 && contains(r.err, "cannot write /nonexistent-dir/timeline.png"), r.err);
    EXPECT_MSG(!contains(r.out, "vad0"), r.out);
}

TEST_MAIN()
