// ITU-T G.711 companding of 16-bit PCM to 8-bit codes and back, mu-law and A-law: the
// quantisation a telephone channel adds. (mulaw_math.h is the continuous mu-law of the
// spectrogram segments, not this segmented 8-bit code.)
#pragma once

#include <cstddef>
#include <cstdint>

namespace emotion::dsp {

enum class Companding { mu_law, a_law };

uint8_t linear_to_ulaw(int16_t pcm);
int16_t ulaw_to_linear(uint8_t code);
uint8_t linear_to_alaw(int16_t pcm);
int16_t alaw_to_linear(uint8_t code);

// Samples in [-1, 1] (clipped beyond) through 8-bit encoding and decoding, in place.
void g711_round_trip(float* x, size_t count, Companding law);

} // namespace emotion::dsp
