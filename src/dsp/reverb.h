// Synthetic room reverberation: an exponentially decaying noise impulse response convolved with
// the utterance (FFTW).
#pragma once

#include <cstddef>
#include <vector>

#include "dsp/augment_rng.h"

namespace emotion::dsp {

// A room response whose energy falls 60 dB in `rt60` seconds: the direct sound (1 at t = 0)
// followed by Gaussian noise under the decay, 1.5 rt60 long.
std::vector<float> synthetic_rir(double rt60, int rate, AugmentRng& rng);

// The first `count` samples of the linear convolution x * h (the tail past the input is cut).
std::vector<float> convolve(const float* x, size_t count, const float* h, size_t taps);

// x in a room of the given RT60, brought back to its mean square (in place).
void reverberate(float* x, size_t count, double rt60, int rate, AugmentRng& rng);

} // namespace emotion::dsp
