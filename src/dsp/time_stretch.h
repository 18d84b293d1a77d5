// Changing duration without changing pitch (WSOLA), and pitch without changing duration.
#pragma once

#include <cstddef>
#include <vector>

namespace emotion::dsp {

// round(count * stretch) samples of x played `stretch` times slower at the same pitch:
// waveform-similarity overlap-add of 32 ms Hann frames, each frame placed within 8 ms of its
// nominal input position where it best continues the previous one.
std::vector<float> time_stretch(const float* x, size_t count, double stretch, int rate);

// x raised by `semitones` (negative: lowered), `count` samples long as before: stretched by
// 2^(semitones/12), then resampled back to the original duration.
std::vector<float> pitch_shift(const float* x, size_t count, double semitones, int rate);

} // namespace emotion::dsp
