// The segment search and bit layout of the reference G.711 implementation (Sun Microsystems'
// g711.c): mu-law on 14-bit magnitudes with bias 33, A-law on 13-bit ones.
#include "dsp/g711.h"

#include <cmath>
#include <cstddef>

namespace emotion::dsp {

namespace {

// Index of the first segment end >= value, 8 when none.
int segment(int value, const int (&ends)[8]) {
    for (int i = 0; i < 8; ++i)
        if (value <= ends[i]) return i;
    return 8;
}

constexpr int kUlawEnds[8] = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
constexpr int kAlawEnds[8] = {0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF};

} // namespace

uint8_t linear_to_ulaw(int16_t pcm) {
    int value = pcm >> 2;
    int mask = 0xFF;
    if (value < 0) value = -value, mask = 0x7F;
    if (value > 8159) value = 8159;
    value += 0x21;
    const int seg = segment(value, kUlawEnds);
    if (seg >= 8) return static_cast<uint8_t>(0x7F ^ mask);
    return static_cast<uint8_t>(((seg << 4) | ((value >> (seg + 1)) & 0xF)) ^ mask);
}

int16_t ulaw_to_linear(uint8_t code) {
    const int u = ~code & 0xFF;
    int t = ((u & 0x0F) << 3) + 0x84;
    t <<= (u & 0x70) >> 4;
    return static_cast<int16_t>((u & 0x80) ? 0x84 - t : t - 0x84);
}

uint8_t linear_to_alaw(int16_t pcm) {
    int value = pcm >> 3;
    int mask = 0xD5;
    if (value < 0) value = -value - 1, mask = 0x55;
    const int seg = segment(value, kAlawEnds);
    if (seg >= 8) return static_cast<uint8_t>(0x7F ^ mask);
    const int mantissa = seg < 2 ? (value >> 1) & 0xF : (value >> seg) & 0xF;
    return static_cast<uint8_t>(((seg << 4) | mantissa) ^ mask);
}

int16_t alaw_to_linear(uint8_t code) {
    const int a = code ^ 0x55;
    int t = (a & 0x0F) << 4;
    const int seg = (a & 0x70) >> 4;
    if (seg == 0)
        t += 8;
    else
        t = (t + 0x108) << (seg - 1);
    return static_cast<int16_t>((a & 0x80) ? t : -t);
}

void g711_round_trip(float* x, size_t count, Companding law) {
    for (size_t i = 0; i < count; ++i) {
        const float clipped = x[i] > 1.0f ? 1.0f : (x[i] < -1.0f ? -1.0f : x[i]);
        const int16_t pcm = static_cast<int16_t>(std::lrint(clipped * 32767.0f));
        const int16_t back = law == Companding::mu_law ? ulaw_to_linear(linear_to_ulaw(pcm))
                                                       : alaw_to_linear(linear_to_alaw(pcm));
        x[i] = static_cast<float>(back) / 32768.0f;
    }
}

} // namespace emotion::dsp
