// Vectorisable mu-law companding for the spectrogram segments (mu = 255), accurate to ~1e-7,
// because std::log per value would dominate the segmenter's run time.
#pragma once

#include <cstddef>

namespace emotion::dsp {

// out[i] = sign(y) ln(1 + 255 |y|) / ln(256) with y = scale * in[i] + offset, for y in [-1, 1].
void mulaw_compand(const float* in, float* out, size_t count, float scale, float offset);

} // namespace emotion::dsp
