#include "dsp/augment.h"

#include <cmath>
#include <cstdio>

#include "dsp/augment_rng.h"
#include "dsp/biquad.h"
#include "dsp/noise.h"
#include "dsp/resample.h"
#include "dsp/reverb.h"
#include "dsp/time_stretch.h"

namespace emotion::dsp {

namespace {

constexpr int kTelephoneRate = 8000;
constexpr int kBabbleVoices = 4;

// Draws whether `step` runs and its value; both numbers are always consumed.
bool draw_step(const RecipeStep& step, AugmentRng& rng, double& value) {
    const bool on = rng.chance(step.probability);
    value = rng.uniform(step.low, step.high);
    return on;
}

std::vector<float> noise_for(const Augmentation& a, size_t count,
                             const std::vector<std::vector<float>>& babble_talkers) {
    AugmentRng rng(a.noise_seed);
    if (a.noise_kind == NoiseKind::babble) {
        std::vector<float> b = babble(babble_talkers, count, kBabbleVoices, rng);
        if (!b.empty()) return b;
    }
    const NoiseColour colour = a.noise_kind == NoiseKind::white   ? NoiseColour::white
                               : a.noise_kind == NoiseKind::brown ? NoiseColour::brown
                                                                  : NoiseColour::pink;
    return coloured_noise(colour, count, rng);
}

} // namespace

Augmentation draw(const Recipe& recipe, uint64_t seed) {
    AugmentRng rng(seed);
    Augmentation a;
    a.speed = draw_step(recipe.speed, rng, a.speed_factor);
    a.pitch = draw_step(recipe.pitch, rng, a.semitones);
    a.reverb = draw_step(recipe.reverb, rng, a.rt60);
    a.noise = draw_step(recipe.noise, rng, a.snr_db);
    a.bandlimit = draw_step(recipe.bandlimit, rng, a.cutoff_hz);
    double unused = 0.0;
    a.telephone = draw_step(recipe.telephone, rng, unused);
    a.gain = draw_step(recipe.gain, rng, a.gain_db);
    a.noise_kind = static_cast<NoiseKind>(rng.below(4));
    a.law = rng.chance(0.5) ? Companding::mu_law : Companding::a_law;
    a.noise_seed = rng.next();
    a.room_seed = rng.next();
    if (!a.speed) a.speed_factor = 1.0;
    return a;
}

std::string Augmentation::to_string() const {
    static const char* kinds[] = {"white", "pink", "brown", "babble"};
    std::string out;
    auto add = [&](bool on, const std::string& name, double value, const char* unit) {
        if (!on) return;
        char number[32];
        std::snprintf(number, sizeof number, "%.3g", value);
        out += (out.empty() ? "" : " ") + name + "=" + number + unit;
    };
    add(speed, "speed", speed_factor, "");
    add(pitch, "pitch", semitones, "st");
    add(reverb, "reverb", rt60, "s");
    add(noise, std::string("noise-") + kinds[static_cast<int>(noise_kind)], snr_db, "dB");
    add(bandlimit, "bandlimit", cutoff_hz, "Hz");
    if (telephone)
        out += std::string(out.empty() ? "" : " ") + (law == Companding::mu_law ? "mu-law" : "a-law");
    add(gain, "gain", gain_db, "dB");
    return out.empty() ? "none" : out;
}

void telephone_channel(std::vector<float>& x, int rate, Companding law) {
    const size_t count = x.size();
    butterworth_highpass(x.data(), count, 300.0, rate);
    butterworth_lowpass(x.data(), count, 3400.0, rate);
    std::vector<float> narrow = resample_rate(x, rate, kTelephoneRate);
    g711_round_trip(narrow.data(), narrow.size(), law);
    x = resample_rate(narrow, kTelephoneRate, rate);
    x.resize(count, 0.0f);
}

std::vector<float> apply(const Augmentation& a, std::vector<float> x, int rate,
                         const std::vector<std::vector<float>>& babble_talkers) {
    if (a.speed) x = resample(x.data(), x.size(), a.speed_factor);
    if (a.pitch) x = pitch_shift(x.data(), x.size(), a.semitones, rate);
    if (a.reverb) {
        AugmentRng room(a.room_seed);
        reverberate(x.data(), x.size(), a.rt60, rate, room);
    }
    if (a.noise) {
        const std::vector<float> noise = noise_for(a, x.size(), babble_talkers);
        add_at_snr(x.data(), noise.data(), x.size(), a.snr_db);
    }
    if (a.bandlimit && a.cutoff_hz < 0.5 * rate) butterworth_lowpass(x.data(), x.size(), a.cutoff_hz, rate);
    if (a.telephone) telephone_channel(x, rate, a.law);
    if (a.gain) {
        const float g = static_cast<float>(std::pow(10.0, a.gain_db / 20.0));
        for (float& v : x) v *= g;
    }
    return x;
}

} // namespace emotion::dsp
