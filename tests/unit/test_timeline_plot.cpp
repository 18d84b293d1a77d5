// The timeline picture of emotion-analyze --plot (tools/common/timeline-plot.h), read back pixel
// by pixel: each segment in its label's colour at the opacity of its confidence, white where no
// segment is, the level envelope where the audio is loud, arousal/valence curves only when the
// results carry them; the envelope's memory bound and a 10-hour timeline's drawing time.
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../tools/common/timeline-plot.h"
#include "png_pixels.h"
#include "test_main.h"
#include "test_time_scale.h"

using namespace emotion::tools;
using emotion::test::close_to;
using emotion::test::over_white;
using emotion::test::PngPixels;

namespace {

const std::array<int, 3> kWhite = {255, 255, 255};

// 20 s at 8 kHz: silence, a 0.5-amplitude 440 Hz tone from 2 s to 18 s, silence.
LevelEnvelope tone_envelope() {
    const int rate = 8000;
    LevelEnvelope envelope(rate);
    std::vector<float> second(rate);
    for (int s = 0; s < 20; ++s) {
        for (int i = 0; i < rate; ++i)
            second[i] = (s >= 2 && s < 18) ? 0.5f * std::sin(2 * M_PI * 440.0 * i / rate) : 0.0f;
        envelope.add(second.data(), second.size());
    }
    return envelope;
}

Timeline known_timeline() {
    Timeline t;
    t.title = "known";
    t.envelope = tone_envelope();
    t.segments = {{2, 5, "angry", 0.95, {}, {}},        {6, 9, "angry", 0.35, {}, {}},
                  {10, 13, "sad", 0.9, {}, {}},         {14, 16, "happy", 0.9, {}, {}},
                  {16.5, 17.5, "neutral", 0.9, {}, {}}, {18, 19, "fear", 0.9, {}, {}}};
    return t;
}

double band_y(const TimelineLayout& l) { return (l.band_top + l.band_bottom) / 2; }

} // namespace

TEST(segments_in_their_colour_with_confidence_as_opacity) {
    const Timeline t = known_timeline();
    const std::string path = emotion::test::temp_path("known.png");
    plot_timeline(path, t);
    const TimelineLayout l = timeline_layout(t);
    PngPixels png(path);
    EXPECT(png.width() == l.width && png.height() == l.height);
    EXPECT(!l.curves); // no arousal/valence in these results: no curve panel
    EXPECT_NEAR(l.duration, 20.0, 1e-9);

    auto check = [&](double seconds, const std::array<int, 3>& expected, const char* what) {
        const auto got = png.rgb(l.x_of(seconds), band_y(l));
        EXPECT_MSG(close_to(got, expected, 3), std::string(what) + " at " + std::to_string(seconds) +
                                                   " s: " + emotion::test::to_string(got) + ", expected " +
                                                   emotion::test::to_string(expected));
        return got;
    };
    const auto sure_angry =
        check(3.5, over_white({0.84, 0.15, 0.16}, confidence_opacity(0.95)), "angry 0.95");
    const auto unsure_angry =
        check(7.5, over_white({0.84, 0.15, 0.16}, confidence_opacity(0.35)), "angry 0.35");
    check(11.5, over_white({0.12, 0.47, 0.71}, confidence_opacity(0.9)), "sad");
    check(15, over_white({1.0, 0.6, 0.0}, confidence_opacity(0.9)), "happy");
    check(17, over_white({0.5, 0.5, 0.5}, confidence_opacity(0.9)), "neutral");
    check(18.5, over_white(emotion_colour("fear", 0), confidence_opacity(0.9)),
          "fear (first palette colour)");
    check(1.0, kWhite, "no segment");
    check(5.5, kWhite, "gap");
    check(19.5, kWhite, "after the last segment");
    // red dominates, and more so for the surer result (less white mixed in)
    EXPECT(sure_angry[0] > sure_angry[1] + 150 && sure_angry[1] < unsure_angry[1]);
    EXPECT(unsure_angry[0] > unsure_angry[1] + 40);

    // the envelope: dark where the tone is (its RMS reaches 0.71 of the half height), white in the
    // silence before it and white above the tone's peak
    const double mid = (l.wave_top + l.wave_bottom) / 2, half = (l.wave_bottom - l.wave_top) / 2;
    const auto loud = png.rgb(l.x_of(5.5), mid - 0.5 * half);
    EXPECT_MSG(loud[0] < 120 && loud[1] < 120 && loud[2] < 120, emotion::test::to_string(loud));
    EXPECT(close_to(png.rgb(l.x_of(1.0), mid - 0.5 * half), kWhite, 0));
    EXPECT(close_to(png.rgb(l.x_of(5.5), l.wave_top + 2), kWhite, 0)); // gap: no tint either
    // inside a segment above the peak: the segment's light tint
    EXPECT(close_to(png.rgb(l.x_of(11.5), l.wave_top + 2),
                    over_white({0.12, 0.47, 0.71}, 0.25 * confidence_opacity(0.9)), 3));
}

TEST(arousal_and_valence_curves_only_when_present) {
    Timeline t = known_timeline();
    const int plain_height = timeline_layout(t).height;
    t.segments[2].arousal = 0.8; // sad, 10-13 s
    t.segments[2].valence = -0.5;
    t.segments[3].arousal = -0.2; // happy, 14-16 s
    t.segments[3].valence = 0.6;
    const std::string path = emotion::test::temp_path("curves.png");
    plot_timeline(path, t);
    const TimelineLayout l = timeline_layout(t);
    EXPECT(l.curves && l.height > plain_height);
    EXPECT(l.curve_min == -1.0 && l.curve_max == 1.0);
    PngPixels png(path);
    // the dots at the segments' middles, in the curves' colours
    const std::array<int, 3> arousal = {26, 26, 26}, valence = over_white({0.58, 0.40, 0.74}, 1.0);
    EXPECT(close_to(png.rgb(l.x_of(11.5), l.curve_y(0.8)), arousal, 4));
    EXPECT(close_to(png.rgb(l.x_of(11.5), l.curve_y(-0.5)), valence, 4));
    EXPECT(close_to(png.rgb(l.x_of(15), l.curve_y(-0.2)), arousal, 4));
    EXPECT(close_to(png.rgb(l.x_of(15), l.curve_y(0.6)), valence, 4));
    // nothing drawn in the panel before the first value
    EXPECT(close_to(png.rgb(l.x_of(5), l.curve_y(0.4)), kWhite, 0));
    // segments keep their colours
    EXPECT(close_to(png.rgb(l.x_of(11.5), band_y(l)), over_white({0.12, 0.47, 0.71}, confidence_opacity(0.9)),
                    3));
}

TEST(envelope_keeps_level_in_bounded_buckets) {
    LevelEnvelope e(1000, 8, 10); // 10-sample spans, 8 buckets at most
    std::vector<float> square(1000);
    for (size_t i = 0; i < square.size(); ++i) square[i] = (i % 2 ? 0.5f : -0.5f);
    square[500] = -0.9f;
    e.add(square.data(), 333);
    e.add(square.data() + 333, 667);
    const auto buckets = e.buckets();
    EXPECT(buckets.size() <= 8);
    EXPECT_NEAR(e.seconds(), 1.0, 1e-12);
    EXPECT_NEAR(e.bucket_seconds(), 0.16, 1e-12); // 10 samples doubled four times
    uint64_t samples = 0;
    float peak = 0.0f;
    for (const auto& b : buckets) {
        samples += b.samples;
        peak = std::max(peak, b.peak);
        if (b.samples && b.peak < 0.6f) EXPECT_NEAR(std::sqrt(b.sum_squares / b.samples), 0.5, 1e-6);
    }
    EXPECT(samples == 1000);
    EXPECT_NEAR(peak, 0.9, 1e-6);
}

TEST(ten_hours_draw_quickly_in_bounded_memory) {
    const int rate = 1000; // 36 M samples; the bound does not depend on the rate
    LevelEnvelope envelope(rate);
    std::vector<float> second(rate);
    for (int i = 0; i < rate; ++i) second[i] = 0.3f * std::sin(2 * M_PI * 50.0 * i / rate);
    for (int s = 0; s < 36000; ++s) envelope.add(second.data(), second.size());
    EXPECT(envelope.buckets().size() <= envelope.max_buckets());
    EXPECT_NEAR(envelope.seconds(), 36000.0, 1e-6);

    Timeline t;
    t.title = "ten hours";
    t.envelope = envelope;
    for (int k = 0; k < 5000; ++k) // a 3 s segment every 7.2 s, valence on each
        t.segments.push_back(
            {k * 7.2, k * 7.2 + 3, k % 3 ? "neutral" : "sad", 0.5 + 0.1 * (k % 5), {}, 0.1 * (k % 7) - 0.3});
    const auto begin = std::chrono::steady_clock::now();
    const std::string path = emotion::test::temp_path("ten-hours.png");
    plot_timeline(path, t);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    std::printf("10-hour timeline, %zu envelope buckets, 5000 segments: drawn in %.3f s\n",
                envelope.buckets().size(), seconds);
    EXPECT_MSG(seconds < 2.0 * emotion::test::time_scale(), std::to_string(seconds) + " s");
    PngPixels png(path);
    const TimelineLayout l = timeline_layout(t);
    EXPECT(png.height() == l.height && l.duration == 36000.0);
    // a 3 s segment is 0.09 px wide here: still drawn (1 px), not lost between pixels
    EXPECT(!close_to(png.rgb(l.x_of(100 * 7.2 + 1.5), band_y(l)), kWhite, 10));
}

TEST(time_axis_has_round_ticks_in_clock_format) {
    EXPECT(time_tick_step(1.85) == 0.2);
    EXPECT(time_tick_step(20) == 2);
    EXPECT(time_tick_step(95) == 10);
    EXPECT(time_tick_step(600) == 60);
    EXPECT(time_tick_step(36000) == 3600);
    EXPECT(time_tick_step(1e6) == 108000);
    EXPECT(clock_label(0.4, 0.2, 1.85) == "00:00.4");
    EXPECT(clock_label(75, 15, 600) == "01:15");
    EXPECT(clock_label(3599, 300, 3599) == "59:59");
    EXPECT(clock_label(7261, 3600, 36000) == "2:01:01");
}

TEST(unwritable_path_and_bad_rate_are_errors_n) {
    bool threw = false;
    try {
        plot_timeline("/nonexistent-dir/timeline.png", known_timeline());
    } catch (const std::runtime_error& e) {
        threw = std::string(e.what()).find("cannot write /nonexistent-dir/timeline.png") != std::string::npos;
    }
    EXPECT(threw);
    threw = false;
    try {
        LevelEnvelope bad(0);
    } catch (const std::invalid_argument&) { threw = true; }
    EXPECT(threw);
}

TEST_MAIN()
