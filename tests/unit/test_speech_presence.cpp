// SpeechPresence: the speech fraction of a part's LLD frames, on known-answer energies (silence,
// stationary noise at several levels, noise with speech-like bursts), held pitch (known-answer F0
// runs, plucked synthetic chords) and on EmoDB speech.
#include "dsp/lld.h"
#include "io/wav.h"
#include "stream/speech_presence.h"
#include "test_main.h"

#include <random>

using namespace emotion;

namespace {

// LLD-shaped frames whose energy (feature 1) is `energies`; the other features are noise the
// gate must ignore.
std::vector<float> frames_with(const std::vector<double>& energies) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> other(-5.0f, 5.0f);
    std::vector<float> frames(energies.size() * dsp::kLldFeatures);
    for (float& v : frames) v = other(rng);
    for (size_t t = 0; t < energies.size(); ++t)
        frames[t * dsp::kLldFeatures + stream::kEnergyFeature] = static_cast<float>(energies[t]);
    return frames;
}

double fraction_of(const std::vector<float>& frames) {
    stream::SpeechPresence presence;
    return presence.fraction(frames.data(), static_cast<int64_t>(frames.size() / dsp::kLldFeatures),
                             dsp::kLldFeatures);
}

std::vector<float> lld_of(const std::vector<float>& samples) {
    dsp::LldStream stream;
    std::vector<float> lld;
    stream.push(samples.data(), samples.size(), lld);
    return lld;
}

std::vector<float> gaussian_noise(double seconds, double level_db, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, static_cast<float>(std::pow(10.0, level_db / 20.0)));
    std::vector<float> x(static_cast<size_t>(seconds * dsp::kSampleRate));
    for (float& v : x) v = noise(rng);
    return x;
}

// LLD-shaped frames, all speech, whose F0 (feature 35) is `f0` (0: unvoiced).
std::vector<float> frames_with_f0(const std::vector<double>& f0) {
    std::vector<float> frames = frames_with(std::vector<double>(f0.size(), 1e-2));
    for (size_t t = 0; t < f0.size(); ++t)
        frames[t * dsp::kLldFeatures + stream::kF0Feature] = static_cast<float>(f0[t]);
    return frames;
}

double held_share_of(const std::vector<double>& f0) {
    const std::vector<float> frames = frames_with_f0(f0);
    return stream::held_pitch_share(frames.data(), std::vector<bool>(f0.size(), true), dsp::kLldFeatures);
}

// Plucked three-tone chords of a pentatonic scale (two overtones each), a new chord every
// 0.2-0.6 s, each decaying 26 dB: to an energy VAD every note is a syllable.
std::vector<float> plucked_chords(double seconds, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> degree(0, 14);
    std::uniform_real_distribution<double> length(0.2, 0.6);
    const double scale[] = {0, 2, 4, 7, 9};
    std::vector<float> x;
    while (x.size() < seconds * dsp::kSampleRate) {
        double freq[3];
        for (double& f : freq) {
            const int d = degree(rng);
            f = 220.0 * std::pow(2.0, (12.0 * (d / 5) + scale[d % 5]) / 12.0);
        }
        const int n = static_cast<int>(length(rng) * dsp::kSampleRate);
        for (int i = 0; i < n; ++i) {
            const double t = static_cast<double>(i) / dsp::kSampleRate,
                         envelope = std::pow(0.05, double(i) / n);
            double v = 0;
            for (double f : freq)
                for (int h = 1; h <= 3; ++h) v += std::sin(2 * M_PI * f * h * t) / h;
            x.push_back(static_cast<float>(0.05 * envelope * v));
        }
    }
    return x;
}

} // namespace

TEST(no_frames_is_no_speech) {
    stream::SpeechPresence presence;
    EXPECT(presence.fraction(nullptr, 0, dsp::kLldFeatures) == 0.0);
}

TEST(digital_silence_is_no_speech) {
    EXPECT(fraction_of(frames_with(std::vector<double>(300, 0.0))) == 0.0);
    EXPECT(fraction_of(lld_of(std::vector<float>(3 * dsp::kSampleRate, 0.0f))) == 0.0);
}

TEST(stationary_noise_is_no_speech_at_any_level) {
    for (double level_db : {-65.0, -50.0, -30.0, -10.0}) {
        const double f = fraction_of(lld_of(gaussian_noise(3.0, level_db, 7)));
        std::printf("white noise at %.0f dBFS: speech fraction %.3f\n", level_db, f);
        EXPECT(f == 0.0);
        EXPECT(fraction_of(frames_with(std::vector<double>(300, std::pow(10.0, level_db / 10.0)))) == 0.0);
    }
}

TEST(bursts_over_noise_count_exactly) {
    // 3 s at -60 dBFS with two bursts 40 dB louder: 500 ms and 300 ms, 1 s apart.
    std::vector<double> energies(300, 1e-6);
    for (int t = 50; t < 100; ++t) energies[t] = 1e-2;
    for (int t = 200; t < 230; ++t) energies[t] = 1e-2;
    EXPECT_NEAR(fraction_of(frames_with(energies)), 80.0 / 300.0, 1e-12);
}

TEST(a_burst_shorter_than_min_speech_is_no_speech) {
    std::vector<double> energies(300, 1e-6);
    for (int t = 100; t < 105; ++t) energies[t] = 1e-2; // 50 ms < min_speech_s (100 ms)
    EXPECT(fraction_of(frames_with(energies)) == 0.0);
}

TEST(each_part_starts_afresh) {
    // A loud part, then a part of the same level: the second is stationary, so no speech.
    stream::SpeechPresence presence;
    std::vector<double> bursts(300, 1e-6);
    for (int t = 100; t < 200; ++t) bursts[t] = 1e-2;
    const std::vector<float> first = frames_with(bursts),
                             second = frames_with(std::vector<double>(300, 1e-2));
    EXPECT_NEAR(presence.fraction(first.data(), 300, dsp::kLldFeatures), 100.0 / 300.0, 1e-12);
    EXPECT(presence.fraction(second.data(), 300, dsp::kLldFeatures) == 0.0);
}

TEST(emodb_speech_is_mostly_speech) {
    const std::string dir = test::shared_dir() + "/data/emodb/wav/";
    for (const char* name : {"03a01Fa.wav", "08a02Wc.wav"}) {
        const double f = fraction_of(lld_of(io::read_wav(dir + name).samples));
        std::printf("%s: speech fraction %.3f\n", name, f);
        EXPECT(f > 0.5);
    }
}

TEST(held_pitch_share_counts_runs_of_steady_f0) {
    // 100 voiced frames: 30 at 200 Hz, then a glide of 0.1 semitone per frame.
    std::vector<double> f0(100);
    for (int t = 0; t < 100; ++t) f0[t] = t < 30 ? 200.0 : 200.0 * std::pow(2.0, (t - 29) * 0.1 / 12.0);
    EXPECT_NEAR(held_share_of(f0), 0.30, 1e-12);
    EXPECT(held_share_of(std::vector<double>(100, 150.0)) == 1.0);
    // within the tolerance (0.02 semitone per frame) still holds; runs shorter than 8 frames do not
    std::vector<double> drift(100), short_runs(100);
    for (int t = 0; t < 100; ++t) {
        drift[t] = 150.0 * std::pow(2.0, t * 0.02 / 12.0);
        short_runs[t] = 150.0 * std::pow(2.0, (t / 7) * 0.5 / 12.0); // 7 frames per step
    }
    EXPECT(held_share_of(drift) == 1.0);
    EXPECT(held_share_of(short_runs) == 0.0);
    // unvoiced frames break runs and do not count: 7 + 7 held frames around one unvoiced frame
    std::vector<double> broken(15, 150.0);
    broken[7] = 0.0;
    EXPECT(held_share_of(broken) == 0.0);
    // fewer than 8 voiced frames: no evidence
    EXPECT(held_share_of(std::vector<double>(7, 150.0)) == 0.0);
}

TEST(plucked_chords_are_no_speech_emodb_speech_holds_no_pitch) {
    const std::vector<float> music = lld_of(plucked_chords(30.0, 11));
    const int64_t frames = static_cast<int64_t>(music.size() / dsp::kLldFeatures);
    // every 3 s window: the energy VAD alone finds speech, the held pitch gives it away
    for (int64_t start = 0; start + 300 <= frames; start += 300) {
        stream::SpeechPresence energy_only(dsp::VadSettings{}, stream::HeldPitchSettings{0.03, 8, 1.0}),
            presence;
        const float* window = music.data() + start * dsp::kLldFeatures;
        const double energy = energy_only.fraction(window, 300, dsp::kLldFeatures),
                     gated = presence.fraction(window, 300, dsp::kLldFeatures);
        std::printf("chords %4.1f s: energy VAD %.2f, with held pitch %.2f\n", start / 100.0, energy, gated);
        EXPECT(energy > 0.5);
        EXPECT(gated == 0.0);
    }
    const std::string dir = test::shared_dir() + "/data/emodb/wav/";
    for (const char* name : {"03a01Fa.wav", "08a02Wc.wav", "11b03Td.wav", "16a01Wb.wav"}) {
        const std::vector<float> lld = lld_of(io::read_wav(dir + name).samples);
        const std::vector<bool> all(lld.size() / dsp::kLldFeatures, true);
        const double share = stream::held_pitch_share(lld.data(), all, dsp::kLldFeatures);
        std::printf("%s: held-pitch share %.3f\n", name, share);
        EXPECT(share < 0.1);
    }
}

TEST(enough_speech_gate) {
    EXPECT(stream::enough_speech(0.0, 0.0));
    EXPECT(!stream::enough_speech(0.0, 0.15));
    EXPECT(!stream::enough_speech(0.1, 0.15));
    EXPECT(stream::enough_speech(0.15, 0.15));
}

TEST_MAIN()
