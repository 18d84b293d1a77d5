// Additive noise for augmentation: coloured noise, babble made of other utterances, and mixing
// at an exact signal-to-noise ratio.
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/augment_rng.h"

namespace emotion::dsp {

enum class NoiseColour { white, pink, brown };

// Mean of x[i]^2 (0 for no samples).
double mean_square(const float* x, size_t count);

// `count` samples of zero-mean noise with unit mean square: white, pink (-3 dB per octave,
// Paul Kellet's filter) or brown (-6 dB per octave, leaky integration).
std::vector<float> coloured_noise(NoiseColour colour, size_t count, AugmentRng& rng);

// `count` samples of `voices` talkers drawn from `talkers` (each looped from a random offset and
// brought to unit mean square), summed and brought to unit mean square. Empty when `talkers`
// holds no sound.
std::vector<float> babble(const std::vector<std::vector<float>>& talkers, size_t count, int voices,
                          AugmentRng& rng);

// x += g * noise with g making 10 log10(mean_square(x) / mean_square(g * noise)) = snr_db over
// the `count` samples. False (x unchanged) when x or noise is silent.
bool add_at_snr(float* x, const float* noise, size_t count, double snr_db);

} // namespace emotion::dsp
