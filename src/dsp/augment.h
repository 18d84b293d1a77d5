// Training-data augmentation of whole utterances: a Recipe says which transforms may run, how
// often and over which ranges; a seed draws one concrete Augmentation from it; apply() runs it.
// Everything is deterministic in the seed (see augment_seed in augment_rng.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dsp/g711.h"

namespace emotion::dsp {

// The recipe used when none is given (README, "Augmentation").
constexpr const char* kDefaultRecipe = "speed=0.9:1.1@0.5,pitch=-2:2@0.3,gain=-6:6@0.5,noise=5:25@0.5,"
                                       "reverb=0.2:0.8@0.3,bandlimit=3000:7000@0.1,telephone=0.1";

// One transform of a recipe: applied with `probability`, its value drawn uniformly in
// [low, high]. Absent transforms have probability 0.
struct RecipeStep {
    double probability = 0.0;
    double low = 0.0, high = 0.0;
};

// Parsed from comma-separated entries NAME=LOW:HIGH[@P] (or NAME=VALUE[@P]; P defaults to 1),
// telephone=P; "none" or "" is the empty recipe, "default" kDefaultRecipe:
//   speed      factor, 0.5..2 (1.1: 10 % faster, shorter and higher)
//   pitch      semitones, -12..12, duration kept
//   gain       dB, -40..40
//   noise      SNR in dB, -10..60; white, pink, brown or babble noise, one drawn per utterance
//   reverb     RT60 in seconds, 0.05..3
//   bandlimit  low-pass cutoff in Hz, 500..20000
//   telephone  probability of the 300-3400 Hz, 8 kHz, mu-law or A-law channel
struct Recipe {
    RecipeStep speed, pitch, gain, noise, reverb, bandlimit, telephone;

    // Throws std::invalid_argument naming the bad entry and what was expected.
    static Recipe parse(const std::string& text);
    // Canonical text that parse() reads back to the same recipe.
    std::string to_string() const;
    bool empty() const;
};

enum class NoiseKind { white, pink, brown, babble };

// One draw of a recipe: the transforms to run, in the order apply() runs them.
struct Augmentation {
    bool speed = false, pitch = false, reverb = false, noise = false, bandlimit = false, telephone = false,
         gain = false;
    double speed_factor = 1.0, semitones = 0.0, rt60 = 0.0, snr_db = 0.0, cutoff_hz = 0.0, gain_db = 0.0;
    NoiseKind noise_kind = NoiseKind::white;
    Companding law = Companding::mu_law;
    uint64_t noise_seed = 0, room_seed = 0;

    bool any() const { return speed || pitch || reverb || noise || bandlimit || telephone || gain; }
    std::string to_string() const; // for logs: "speed=1.043 noise=pink:12.1dB ..."
};

// The same (recipe, seed) always draws the same augmentation. Every step consumes the same
// random numbers whether it runs or not, so changing one step's probability leaves the others'
// values alone.
Augmentation draw(const Recipe& recipe, uint64_t seed);

// x (mono, `rate` Hz) augmented: speed, pitch, reverb, noise, band limit, telephone, gain.
// Speed changes the length; the rest keep it. Babble takes its talkers from `babble_talkers`
// (other utterances at the same rate) and falls back to pink noise when there are none.
std::vector<float> apply(const Augmentation& a, std::vector<float> x, int rate,
                         const std::vector<std::vector<float>>& babble_talkers = {});

// The telephone channel on its own: 300-3400 Hz, resampled to 8 kHz, G.711 round trip and
// back to `rate` (same length).
void telephone_channel(std::vector<float>& x, int rate, Companding law);

} // namespace emotion::dsp
