// Vad on a constructed speech - noise - speech signal and on silence / stationary noise.
//
// Test signal: 0.5 s of silence, EmoDB 03a01Fa, 1.0 s of silence, EmoDB 08a02Wc, 0.5 s of silence,
// then Gaussian noise added over the whole signal at -50 and at -55 dBFS (40-45 dB below the
// speech peaks, and above the recordings' own room noise, so the noise floor is the same
// throughout). True boundaries of a piece: the centres of its first and last 10 ms frames
// (400-sample frames, 160 hop, computed on the clean piece alone) whose energy is within 30 dB of
// the piece's loudest frame; this trims the recordings' own leading/trailing quiet parts.
// Detected boundaries: centres of the first and last speech frames of each detected segment.
// Both must agree within 100 ms, and exactly two segments must be found.
#include "dsp/lld.h"
#include "dsp/vad.h"
#include "io/wav.h"
#include "test_main.h"

#include <random>

using namespace emotion;

namespace {

constexpr double kFrameCentre = 200.0; // samples from a frame's start to its centre

std::vector<double> frame_energies(const std::vector<float>& x) {
    dsp::LldStream stream;
    std::vector<float> lld;
    stream.push(x.data(), x.size(), lld);
    std::vector<double> energies;
    for (size_t t = 0; t * dsp::kLldFeatures < lld.size(); ++t)
        energies.push_back(lld[t * dsp::kLldFeatures + 1]);
    return energies;
}

// Decisions for every frame, checking that each arrives within lookahead_frames() of its push.
std::vector<bool> run_vad(const std::vector<double>& energies) {
    dsp::Vad vad;
    std::vector<bool> decided;
    for (size_t t = 0; t < energies.size(); ++t) {
        vad.push(energies[t], decided);
        EXPECT(decided.size() + static_cast<size_t>(vad.lookahead_frames()) >= t + 1);
    }
    vad.flush(decided);
    EXPECT(decided.size() == energies.size());
    return decided;
}

struct Span {
    double start_s, end_s;
};

std::vector<Span> speech_segments(const std::vector<bool>& decided) {
    std::vector<Span> spans;
    for (size_t t = 0; t < decided.size(); ++t) {
        if (!decided[t]) continue;
        size_t end = t;
        while (end + 1 < decided.size() && decided[end + 1]) ++end;
        spans.push_back({(t * dsp::kLldHop + kFrameCentre) / dsp::kSampleRate,
                         (end * dsp::kLldHop + kFrameCentre) / dsp::kSampleRate});
        t = end;
    }
    return spans;
}

// True boundaries of a piece placed at `offset` samples (see the comment at the top).
Span true_span(const std::vector<float>& piece, size_t offset) {
    const std::vector<double> energies = frame_energies(piece);
    const double loudest = *std::max_element(energies.begin(), energies.end());
    size_t first = 0, last = energies.size() - 1;
    while (energies[first] < loudest * 1e-3) ++first;
    while (energies[last] < loudest * 1e-3) --last;
    return {(offset + first * dsp::kLldHop + kFrameCentre) / dsp::kSampleRate,
            (offset + last * dsp::kLldHop + kFrameCentre) / dsp::kSampleRate};
}

void append_noise(std::vector<float>& x, double seconds, double rms, std::mt19937& rng) {
    std::normal_distribution<float> noise(0.0f, static_cast<float>(rms));
    for (int i = 0; i < static_cast<int>(seconds * dsp::kSampleRate); ++i) x.push_back(noise(rng));
}

} // namespace

TEST(speech_silence_speech_boundaries_within_100ms) {
    const std::string dir = test::shared_dir() + "/data/emodb/wav/";
    const std::vector<float> first = io::read_wav(dir + "03a01Fa.wav").samples;
    const std::vector<float> second = io::read_wav(dir + "08a02Wc.wav").samples;
    std::vector<float> clean(dsp::kSampleRate / 2, 0.0f);
    const Span truth_a = true_span(first, clean.size());
    clean.insert(clean.end(), first.begin(), first.end());
    clean.insert(clean.end(), dsp::kSampleRate, 0.0f);
    const Span truth_b = true_span(second, clean.size());
    clean.insert(clean.end(), second.begin(), second.end());
    clean.insert(clean.end(), dsp::kSampleRate / 2, 0.0f);
    const Span truth[] = {truth_a, truth_b};

    for (double noise_db : {-50.0, -55.0}) {
        std::mt19937 rng(5);
        std::normal_distribution<float> noise(0.0f, static_cast<float>(std::pow(10.0, noise_db / 20)));
        std::vector<float> x = clean;
        for (float& v : x) v += noise(rng);
        const std::vector<Span> found = speech_segments(run_vad(frame_energies(x)));
        std::printf("noise %.0f dBFS: %zu segments\n", noise_db, found.size());
        EXPECT(found.size() == 2u);
        for (size_t i = 0; i < found.size() && i < 2; ++i) {
            std::printf("  part %zu: true %.3f-%.3f s, detected %.3f-%.3f s (errors %+.0f / %+.0f ms)\n", i,
                        truth[i].start_s, truth[i].end_s, found[i].start_s, found[i].end_s,
                        1000 * (found[i].start_s - truth[i].start_s),
                        1000 * (found[i].end_s - truth[i].end_s));
            EXPECT_NEAR(found[i].start_s, truth[i].start_s, 0.100);
            EXPECT_NEAR(found[i].end_s, truth[i].end_s, 0.100);
        }
    }
}

TEST(silence_is_not_speech) {
    const std::vector<bool> decided = run_vad(std::vector<double>(500, 0.0));
    EXPECT(std::count(decided.begin(), decided.end(), true) == 0);
}

TEST(stationary_noise_is_not_speech) {
    for (double level_db : {-60.0, -40.0, -20.0}) {
        std::mt19937 rng(9);
        std::vector<float> x;
        append_noise(x, 5.0, std::pow(10.0, level_db / 20.0), rng);
        const std::vector<bool> decided = run_vad(frame_energies(x));
        const auto speech = std::count(decided.begin(), decided.end(), true);
        std::printf("noise at %.0f dBFS: %zu frames, %ld speech\n", level_db, decided.size(),
                    static_cast<long>(speech));
        EXPECT(speech == 0);
    }
}

// Digital zeros (as at the start of many recordings) must not lower the noise floor.
TEST(noise_after_digital_silence_is_not_speech) {
    std::mt19937 rng(4);
    std::vector<float> x(dsp::kSampleRate / 2, 0.0f);
    append_noise(x, 3.0, std::pow(10.0, -45.0 / 20.0), rng);
    x.insert(x.end(), dsp::kSampleRate / 2, 0.0f);
    append_noise(x, 1.0, std::pow(10.0, -45.0 / 20.0), rng);
    const std::vector<bool> decided = run_vad(frame_energies(x));
    EXPECT(std::count(decided.begin(), decided.end(), true) == 0);
}

TEST(short_burst_is_not_speech_long_one_is) {
    // 50 ms and 300 ms bursts, 40 dB over a -60 dBFS floor.
    std::vector<double> energies(300, 1e-6);
    for (int t = 50; t < 55; ++t) energies[t] = 1e-2;   // 5 frames < min_speech (10)
    for (int t = 150; t < 180; ++t) energies[t] = 1e-2; // 30 frames
    const std::vector<bool> decided = run_vad(energies);
    EXPECT(std::count(decided.begin(), decided.begin() + 100, true) == 0);
    EXPECT(std::count(decided.begin() + 100, decided.end(), true) == 30);
    EXPECT(decided[150] && decided[179] && !decided[149] && !decided[180]);
}

TEST(pause_shorter_than_hangover_is_bridged) {
    std::vector<double> energies(300, 1e-6);
    for (int t = 50; t < 100; ++t) energies[t] = 1e-2;
    for (int t = 120; t < 170; ++t) energies[t] = 1e-2; // 200 ms pause < 300 ms hang-over
    for (int t = 210; t < 260; ++t) energies[t] = 1e-2; // 400 ms pause ends the segment
    const std::vector<Span> spans = speech_segments(run_vad(energies));
    EXPECT(spans.size() == 2u);
}

TEST_MAIN()
