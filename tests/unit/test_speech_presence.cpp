// SpeechPresence: the speech fraction of a part's LLD frames, on known-answer energies (silence,
// stationary noise at several levels, noise with speech-like bursts) and on EmoDB speech.
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

TEST(enough_speech_gate) {
    EXPECT(stream::enough_speech(0.0, 0.0));
    EXPECT(!stream::enough_speech(0.0, 0.15));
    EXPECT(!stream::enough_speech(0.1, 0.15));
    EXPECT(stream::enough_speech(0.15, 0.15));
}

TEST_MAIN()
