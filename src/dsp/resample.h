// Band-limited resampling by any ratio (windowed sinc), for speed perturbation, pitch shift and
// the 8 kHz telephone channel.
#pragma once

#include <cstddef>
#include <vector>

namespace emotion::dsp {

// out[j] = x(j * step) for j < round(count / step): `step` input samples per output sample
// (step 1.1 plays 10 % faster, shorter and higher). Low-passed below the output's Nyquist
// frequency when step > 1.
std::vector<float> resample(const float* x, size_t count, double step);

// x at `from_rate` as the same sound at `to_rate`.
std::vector<float> resample_rate(const std::vector<float>& x, int from_rate, int to_rate);

} // namespace emotion::dsp
