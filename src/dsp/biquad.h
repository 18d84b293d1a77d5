// Fourth-order Butterworth low- and high-pass filters (two biquad sections each), for band
// limiting and the telephone band.
#pragma once

#include <cstddef>

namespace emotion::dsp {

// In place; cutoff in Hz (-3 dB), below rate / 2.
void butterworth_lowpass(float* x, size_t count, double cutoff, int rate);
void butterworth_highpass(float* x, size_t count, double cutoff, int rate);

} // namespace emotion::dsp
