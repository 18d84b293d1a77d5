// The augmentation transforms measured against what they claim: SNR, speed factor, pitch shift,
// RT60, telephone band, gain, and bit-exact determinism in (run seed, epoch, utterance).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "dsp/augment.h"
#include "dsp/augment_rng.h"
#include "dsp/biquad.h"
#include "dsp/feature_mask.h"
#include "dsp/g711.h"
#include "dsp/noise.h"
#include "dsp/resample.h"
#include "dsp/reverb.h"
#include "dsp/time_stretch.h"
#include "dsp/utterance_augmenter.h"
#include "test_main.h"

using namespace emotion::dsp;

namespace {

constexpr int kRate = 16000;
constexpr double kPi = 3.141592653589793;

std::vector<float> sine(double hz, double seconds, double amplitude = 0.5, int rate = kRate) {
    std::vector<float> x(static_cast<size_t>(seconds * rate));
    for (size_t i = 0; i < x.size(); ++i)
        x[i] = static_cast<float>(amplitude * std::sin(2 * kPi * hz * i / rate));
    return x;
}

// A speech-like test signal: a few harmonics under a slow envelope.
std::vector<float> voiced(double seconds, double f0 = 140.0) {
    std::vector<float> x(static_cast<size_t>(seconds * kRate));
    for (size_t i = 0; i < x.size(); ++i) {
        const double t = static_cast<double>(i) / kRate;
        double v = 0.0;
        for (int h = 1; h <= 6; ++h) v += std::sin(2 * kPi * f0 * h * t) / h;
        x[i] = static_cast<float>(0.2 * v * (0.6 + 0.4 * std::sin(2 * kPi * 3 * t)));
    }
    return x;
}

double db(double ratio) { return 10.0 * std::log10(ratio); }

// Frequency of a sine from its rising zero crossings (linearly interpolated), over the middle
// 80 % of x so edge effects do not count.
double measured_frequency(const std::vector<float>& x, int rate = kRate) {
    const size_t begin = x.size() / 10, end = x.size() - x.size() / 10;
    double first = -1.0, last = -1.0;
    int crossings = 0;
    for (size_t i = begin; i + 1 < end; ++i) {
        if (x[i] < 0.0f && x[i + 1] >= 0.0f) {
            const double t = i + x[i] / (x[i] - x[i + 1]);
            if (first < 0) first = t;
            last = t;
            ++crossings;
        }
    }
    return crossings > 1 ? (crossings - 1) * rate / (last - first) : 0.0;
}

// Amplitude of the `hz` component of x over its middle half.
double amplitude_at(const std::vector<float>& x, double hz, int rate = kRate) {
    const size_t begin = x.size() / 4, end = 3 * x.size() / 4;
    double re = 0.0, im = 0.0;
    for (size_t i = begin; i < end; ++i) {
        re += x[i] * std::cos(2 * kPi * hz * i / rate);
        im += x[i] * std::sin(2 * kPi * hz * i / rate);
    }
    return 2.0 * std::sqrt(re * re + im * im) / static_cast<double>(end - begin);
}

double measured_snr(const std::vector<float>& clean, const std::vector<float>& noisy) {
    std::vector<float> noise(clean.size());
    for (size_t i = 0; i < clean.size(); ++i) noise[i] = noisy[i] - clean[i];
    return db(mean_square(clean.data(), clean.size()) / mean_square(noise.data(), noise.size()));
}

// T60 from Schroeder's backward-integrated energy decay, fitted between -5 and -25 dB.
double measured_rt60(const std::vector<float>& h, int rate = kRate) {
    std::vector<double> edc(h.size());
    double acc = 0.0;
    for (size_t i = h.size(); i-- > 0;) edc[i] = (acc += static_cast<double>(h[i]) * h[i]);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int points = 0;
    for (size_t i = 0; i < h.size(); ++i) {
        const double level = db(edc[i] / edc[0]);
        if (level > -5.0 || level < -25.0) continue;
        const double t = static_cast<double>(i) / rate;
        sx += t, sy += level, sxx += t * t, sxy += t * level, ++points;
    }
    const double slope = (points * sxy - sx * sy) / (points * sxx - sx * sx); // dB per second
    return -60.0 / slope;
}

bool identical(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) return false;
    return true;
}

} // namespace

TEST(noise_is_added_at_the_asked_snr) {
    const std::vector<float> clean = voiced(2.0);
    const std::vector<std::vector<float>> talkers = {voiced(1.3, 110.0), voiced(0.7, 210.0),
                                                     voiced(2.2, 170.0)};
    for (double snr : {-5.0, 0.0, 7.5, 20.0, 45.0}) {
        for (NoiseColour colour : {NoiseColour::white, NoiseColour::pink, NoiseColour::brown}) {
            AugmentRng rng(static_cast<uint64_t>(snr * 10) + 3);
            std::vector<float> noisy = clean;
            const std::vector<float> noise = coloured_noise(colour, clean.size(), rng);
            EXPECT(add_at_snr(noisy.data(), noise.data(), noisy.size(), snr));
            EXPECT_NEAR(measured_snr(clean, noisy), snr, 0.5);
        }
        AugmentRng rng(7);
        std::vector<float> noisy = clean;
        const std::vector<float> noise = babble(talkers, clean.size(), 4, rng);
        EXPECT(add_at_snr(noisy.data(), noise.data(), noisy.size(), snr));
        EXPECT_NEAR(measured_snr(clean, noisy), snr, 0.5);
    }
    // through a recipe, whatever noise kind the seed draws
    const Recipe recipe = Recipe::parse("noise=12");
    for (uint64_t seed = 0; seed < 8; ++seed) {
        const std::vector<float> noisy = apply(draw(recipe, seed), clean, kRate, talkers);
        EXPECT_NEAR(measured_snr(clean, noisy), 12.0, 0.5);
    }
    std::vector<float> silent(100, 0.0f);
    AugmentRng rng(1);
    EXPECT(!add_at_snr(silent.data(), coloured_noise(NoiseColour::white, 100, rng).data(), 100, 10.0));
}

TEST(noise_colours_tilt_as_named) {
    // share of power below 300 Hz: white 300/8000, pink ~ ln 300 / ln 8000, brown nearly all
    auto low_share = [](NoiseColour colour) {
        AugmentRng rng(11);
        std::vector<float> x = coloured_noise(colour, 4 * kRate, rng);
        EXPECT_NEAR(mean_square(x.data(), x.size()), 1.0, 1e-3);
        const double all = mean_square(x.data(), x.size());
        butterworth_lowpass(x.data(), x.size(), 300.0, kRate);
        return mean_square(x.data(), x.size()) / all;
    };
    const double white = low_share(NoiseColour::white), pink = low_share(NoiseColour::pink),
                 brown = low_share(NoiseColour::brown);
    EXPECT_NEAR(white, 300.0 / 8000.0, 0.01);
    EXPECT_MSG(pink > 3 * white && brown > pink + 0.2,
               std::to_string(white) + " " + std::to_string(pink) + " " + std::to_string(brown));
}

TEST(speed_changes_duration_and_frequency_by_the_factor) {
    const std::vector<float> x = sine(440.0, 2.0);
    for (double factor : {0.9, 0.95, 1.07, 1.1}) {
        const std::vector<float> y = resample(x.data(), x.size(), factor);
        EXPECT_NEAR(static_cast<double>(y.size()), x.size() / factor, 1.0);
        EXPECT_NEAR(measured_frequency(y) / 440.0, factor, 0.001);
        EXPECT_NEAR(amplitude_at(y, 440.0 * factor), 0.5, 0.01);
    }
    Augmentation a;
    a.speed = true;
    a.speed_factor = 1.1;
    EXPECT_NEAR(static_cast<double>(apply(a, x, kRate).size()), x.size() / 1.1, 1.0);
}

TEST(resampling_down_removes_what_the_lower_rate_cannot_hold) {
    // 6 kHz at 16 kHz down to 8 kHz would alias to 2 kHz
    const std::vector<float> y = resample_rate(sine(6000.0, 1.0), kRate, 8000);
    EXPECT_NEAR(static_cast<double>(y.size()), 8000.0, 1.0);
    EXPECT(amplitude_at(y, 2000.0, 8000) < 0.5 * 1e-3); // > 60 dB down
    const std::vector<float> kept = resample_rate(sine(1000.0, 1.0), kRate, 8000);
    EXPECT_NEAR(amplitude_at(kept, 1000.0, 8000), 0.5, 0.01);
}

TEST(pitch_shift_keeps_duration_and_moves_frequency_by_semitones) {
    const std::vector<float> x = sine(300.0, 2.0);
    for (double semitones : {-3.0, -1.0, 2.0, 4.0}) {
        const std::vector<float> y = pitch_shift(x.data(), x.size(), semitones, kRate);
        EXPECT(y.size() == x.size());
        const double measured = 12.0 * std::log2(measured_frequency(y) / 300.0);
        EXPECT_NEAR(measured, semitones, 0.05);
    }
    const std::vector<float> stretched = time_stretch(x.data(), x.size(), 1.25, kRate);
    EXPECT_NEAR(static_cast<double>(stretched.size()), x.size() * 1.25, 1.0);
    EXPECT_NEAR(measured_frequency(stretched), 300.0, 1.0);
}

TEST(reverb_decays_with_the_asked_rt60) {
    for (double rt60 : {0.2, 0.5, 0.9}) {
        std::vector<float> impulse(static_cast<size_t>(2 * rt60 * kRate), 0.0f);
        impulse[0] = 1.0f;
        AugmentRng rng(5);
        const std::vector<float> h = synthetic_rir(rt60, kRate, rng);
        const std::vector<float> response = convolve(impulse.data(), impulse.size(), h.data(), h.size());
        EXPECT_NEAR(measured_rt60(response), rt60, 0.1 * rt60);
    }
    // reverberate keeps the level
    std::vector<float> x = voiced(1.0);
    const double before = mean_square(x.data(), x.size());
    AugmentRng rng(9);
    reverberate(x.data(), x.size(), 0.5, kRate, rng);
    EXPECT_NEAR(db(mean_square(x.data(), x.size()) / before), 0.0, 0.01);
}

TEST(convolution_matches_direct_sum) {
    const std::vector<float> x = voiced(0.05);
    const std::vector<float> h = {0.5f, -0.25f, 0.125f, 0.0f, 0.3f};
    const std::vector<float> y = convolve(x.data(), x.size(), h.data(), h.size());
    double worst = 0.0;
    for (size_t i = 0; i < x.size(); ++i) {
        double direct = 0.0;
        for (size_t k = 0; k < h.size() && k <= i; ++k) direct += h[k] * x[i - k];
        worst = std::max(worst, std::fabs(direct - y[i]));
    }
    EXPECT_MSG(worst < 1e-5, std::to_string(worst));
}

TEST(telephone_channel_keeps_the_band_and_cuts_the_rest) {
    for (Companding law : {Companding::mu_law, Companding::a_law}) {
        auto through = [&](double hz) {
            std::vector<float> x = sine(hz, 1.0);
            telephone_channel(x, kRate, law);
            EXPECT(x.size() == static_cast<size_t>(kRate));
            return 20.0 * std::log10(amplitude_at(x, hz) / 0.5);
        };
        EXPECT_NEAR(through(1000.0), 0.0, 1.0);
        EXPECT_MSG(through(100.0) < -25.0, std::to_string(through(100.0)));
        EXPECT_MSG(through(5000.0) < -40.0, std::to_string(through(5000.0)));
    }
}

TEST(band_limit_is_a_fourth_order_butterworth) {
    auto gain_db = [](double hz) {
        std::vector<float> x = sine(hz, 1.0);
        butterworth_lowpass(x.data(), x.size(), 2000.0, kRate);
        return 20.0 * std::log10(amplitude_at(x, hz) / 0.5);
    };
    EXPECT_NEAR(gain_db(500.0), 0.0, 0.05);
    EXPECT_NEAR(gain_db(2000.0), -3.01, 0.1);
    // |H|^2 = 1 / (1 + (w / wc)^8) on the bilinear transform's warped frequencies w = tan(pi f / rate)
    const double ratio = std::tan(kPi * 4000.0 / kRate) / std::tan(kPi * 2000.0 / kRate);
    EXPECT_NEAR(gain_db(4000.0), -10.0 * std::log10(1.0 + std::pow(ratio, 8.0)), 0.2);
}

TEST(g711_codes_and_round_trip) {
    EXPECT(linear_to_ulaw(0) == 0xFF);
    EXPECT(linear_to_alaw(0) == 0xD5);
    EXPECT(ulaw_to_linear(0xFF) == 0);
    EXPECT(ulaw_to_linear(0x80) == 32124);
    EXPECT(alaw_to_linear(0xD5) == 8);
    for (int code = 0; code < 256; ++code) { // decoding then encoding gives the code back
        EXPECT(linear_to_alaw(alaw_to_linear(static_cast<uint8_t>(code))) == code);
        const uint8_t u = static_cast<uint8_t>(code);
        if (u != 0x7F) EXPECT(linear_to_ulaw(ulaw_to_linear(u)) == u); // 0x7F and 0xFF both decode to 0
    }
    for (Companding law : {Companding::mu_law, Companding::a_law}) {
        const std::vector<float> x = sine(440.0, 0.5);
        std::vector<float> y = x;
        g711_round_trip(y.data(), y.size(), law);
        const double snr = measured_snr(x, y);
        EXPECT_MSG(snr > 30.0 && snr < 45.0, std::to_string(snr)); // ~38 dB of 8-bit G.711
    }
}

TEST(gain_is_exact) {
    const std::vector<float> x = voiced(0.5);
    const Augmentation a = draw(Recipe::parse("gain=-6.5"), 1);
    EXPECT(a.gain && !a.noise && !a.speed);
    const std::vector<float> y = apply(a, x, kRate);
    const float g = static_cast<float>(std::pow(10.0, -6.5 / 20.0));
    for (size_t i = 0; i < x.size(); ++i) EXPECT(y[i] == x[i] * g);
}

TEST(same_seed_same_output_other_epoch_other_output) {
    const Recipe recipe = Recipe::parse("speed=0.9:1.1,pitch=-2:2,noise=5:20,reverb=0.2:0.8,gain=-6:6");
    const std::vector<std::vector<float>> talkers = {voiced(1.0, 120.0)};
    const std::vector<float> x = voiced(1.0);
    auto run = [&](uint64_t run_seed, uint64_t epoch, const std::string& id) {
        return apply(draw(recipe, augment_seed(run_seed, epoch, id)), x, kRate, talkers);
    };
    EXPECT(identical(run(42, 3, "03a01Fa"), run(42, 3, "03a01Fa")));
    EXPECT(!identical(run(42, 3, "03a01Fa"), run(42, 4, "03a01Fa")));
    EXPECT(!identical(run(42, 3, "03a01Fa"), run(43, 3, "03a01Fa")));
    EXPECT(!identical(run(42, 3, "03a01Fa"), run(42, 3, "03a01Fb")));
    // seeds of nearby epochs and utterances are unrelated
    EXPECT(augment_seed(1, 0, "a") != augment_seed(1, 1, "a"));
    EXPECT(augment_seed(1, 0, "a") != augment_seed(0, 1, "a"));
    EXPECT(augment_seed(1, 0, "ab") != augment_seed(1, 0, "ba"));
}

TEST(an_epoch_replays_alike_whatever_came_before_it) {
    // babble comes from the epoch's own earlier utterances, so a resumed run (starting at epoch 1)
    // augments epoch 1 exactly as the run that went through epoch 0 first
    const Recipe recipe = Recipe::parse("noise=5:10,speed=0.95:1.05");
    std::vector<std::vector<float>> utterances;
    for (int i = 0; i < 12; ++i) utterances.push_back(voiced(0.5 + 0.1 * i, 100.0 + 15 * i));
    auto epoch = [&](UtteranceAugmenter& a, uint64_t number) {
        a.start_epoch(42, number);
        std::vector<std::vector<float>> out;
        int babble = 0;
        for (size_t i = 0; i < utterances.size(); ++i) {
            out.push_back(a.augment("u" + std::to_string(i), "train", utterances[i]));
            babble += a.last().noise_kind == NoiseKind::babble;
        }
        EXPECT(babble > 0); // the case this is about happens
        return out;
    };
    UtteranceAugmenter whole(recipe, kRate), resumed(recipe, kRate);
    const auto first = epoch(whole, 0), second = epoch(whole, 1), replayed = epoch(resumed, 1);
    for (size_t i = 0; i < utterances.size(); ++i) {
        EXPECT(identical(second[i], replayed[i]));
        EXPECT(!identical(first[i], second[i]));
    }
}

TEST(draws_follow_the_recipe_probabilities_and_ranges) {
    const Recipe recipe = Recipe::parse("speed=0.9:1.1@0.3,noise=5:20@0.8,telephone=0.1");
    int speed = 0, noise = 0, telephone = 0, pitch = 0, kinds[4] = {0, 0, 0, 0};
    const int draws = 4000;
    for (int i = 0; i < draws; ++i) {
        const Augmentation a = draw(recipe, augment_seed(7, 0, std::to_string(i)));
        speed += a.speed, noise += a.noise, telephone += a.telephone, pitch += a.pitch;
        ++kinds[static_cast<int>(a.noise_kind)];
        if (a.speed) EXPECT(a.speed_factor >= 0.9 && a.speed_factor <= 1.1);
        if (a.noise) EXPECT(a.snr_db >= 5.0 && a.snr_db <= 20.0);
    }
    EXPECT_NEAR(speed / double(draws), 0.3, 0.03);
    EXPECT_NEAR(noise / double(draws), 0.8, 0.03);
    EXPECT_NEAR(telephone / double(draws), 0.1, 0.02);
    EXPECT(pitch == 0);
    for (int k : kinds) EXPECT_NEAR(k / double(draws), 0.25, 0.03);
}

TEST(recipe_text_round_trips_and_rejects_mistakes) {
    const Recipe d = Recipe::parse("default");
    EXPECT(!d.empty());
    EXPECT(Recipe::parse(d.to_string()).to_string() == d.to_string());
    EXPECT(d.speed.low == 0.9 && d.speed.high == 1.1 && d.speed.probability == 0.5);
    EXPECT(d.telephone.probability == 0.1);
    EXPECT(Recipe::parse("none").empty() && Recipe::parse("").empty());
    const Recipe r = Recipe::parse(" speed = 0.95:1.05 , telephone=0.2");
    EXPECT(r.speed.probability == 1.0 && r.speed.low == 0.95 && r.telephone.probability == 0.2);
    for (const char* bad : {"sped=0.9:1.1", "speed=3", "speed=1.1:0.9", "speed=0.9:1.1@1.5", "noise=x:3",
                            "telephone=2", "speed=1,speed=1", "speed", "noise=5:20@"}) {
        bool threw = false;
        try {
            Recipe::parse(bad);
        } catch (const std::invalid_argument& e) {
            threw = std::string(e.what()).find("recipe") != std::string::npos;
        }
        EXPECT_MSG(threw, bad);
    }
}

TEST(feature_masks_cover_what_they_say) {
    const int frames = 200, features = 36;
    std::vector<float> x(frames * features);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(std::sin(0.37 * i) + 0.01 * (i % 7));
    // time masks only: masked frames are whole rows equal to the column means, at most 2 runs of 20
    const FeatureMaskSettings time = FeatureMaskSettings::parse("time=2:0.1");
    EXPECT(time.time_masks == 2 && time.feature_masks == 0);
    int most = 0;
    for (uint64_t seed = 0; seed < 50; ++seed) {
        std::vector<float> y = x;
        AugmentRng rng(seed);
        mask_features(y.data(), frames, features, FeatureLayout::frames_by_features, time, rng);
        int changed_rows = 0;
        for (int t = 0; t < frames; ++t) {
            bool row_changed = false;
            for (int f = 0; f < features; ++f) row_changed |= y[t * features + f] != x[t * features + f];
            changed_rows += row_changed;
        }
        EXPECT_MSG(changed_rows <= 2 * 20, std::to_string(changed_rows));
        most = std::max(most, changed_rows);
    }
    EXPECT(most > 10); // the masks do cover frames
    // feature masks on a [features, frames] segment: at most 2 runs of 8 rows, each constant
    const FeatureMaskSettings band = FeatureMaskSettings::parse("feature=2:8");
    std::vector<float> y = x; // read as 36 rows of 200 frames
    AugmentRng rng(4);
    mask_features(y.data(), frames, features, FeatureLayout::features_by_frames, band, rng);
    int constant_rows = 0;
    for (int f = 0; f < features; ++f) {
        bool changed = false, constant = true;
        for (int t = 0; t < frames; ++t) {
            changed |= y[f * frames + t] != x[f * frames + t];
            constant &= y[f * frames + t] == y[f * frames];
        }
        if (changed) EXPECT(constant);
        constant_rows += changed;
    }
    EXPECT(constant_rows <= 16);
    // deterministic in the generator
    std::vector<float> a = x, b = x;
    AugmentRng ra(9), rb(9);
    const FeatureMaskSettings both = FeatureMaskSettings::parse("time=2:0.2,feature=2:4");
    mask_features(a.data(), frames, features, FeatureLayout::frames_by_features, both, ra);
    mask_features(b.data(), frames, features, FeatureLayout::frames_by_features, both, rb);
    EXPECT(identical(a, b) && !identical(a, x));
    EXPECT(FeatureMaskSettings::parse(both.to_string()).to_string() == both.to_string());
    EXPECT(FeatureMaskSettings::parse("").empty() && FeatureMaskSettings::parse("none").empty());
    for (const char* bad :
         {"time=2", "time=2:1.5", "feature=1:2.5", "freq=1:2", "time=-1:0.1", "time=x:0.1"}) {
        bool threw = false;
        try {
            FeatureMaskSettings::parse(bad);
        } catch (const std::invalid_argument&) { threw = true; }
        EXPECT_MSG(threw, bad);
    }
}

TEST_MAIN()
