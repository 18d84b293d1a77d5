// ln(z) for z = 1 + 255|y| in [1, 256]: z = 2^e * m with m in [sqrt(1/2), sqrt(2)), then
// ln(m) = 2 atanh(t), t = (m - 1) / (m + 1), |t| < 0.172, by its odd series up to t^9
// (truncation < 3e-9). Written with integer bit operations and no branches so the compiler
// vectorises the loop.
#include "dsp/mulaw_math.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace emotion::dsp {

namespace {

inline float bits_to_float(int32_t bits) {
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

inline int32_t float_to_bits(float f) {
    int32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return bits;
}

} // namespace

void mulaw_compand(const float* in, float* out, size_t count, float scale, float offset) {
    constexpr float kLn2 = 0.693147180559945309f;
    constexpr float kInvLn256 = 0.180336880111120426f; // 1 / ln(256)
    constexpr int32_t kSqrtHalfBits = 0x3f3504f3;      // bits of sqrt(1/2)
    constexpr int32_t kOneBits = 0x3f800000;           // bits of 1.0f
    for (size_t i = 0; i < count; ++i) {
        const float y = scale * in[i] + offset;
        // min(|y|, 1) by integer arithmetic on the bit patterns (both non-negative): GCC does
        // not vectorise this loop with a select in it.
        const int32_t over = (float_to_bits(y) & INT32_MAX) - kOneBits;
        const float magnitude = bits_to_float(kOneBits + (over & (over >> 31)));
        const float z = 1.0f + 255.0f * magnitude;
        // Split z = 2^e * m with m in [sqrt(1/2), sqrt(2)).
        const int32_t bits = float_to_bits(z) - kSqrtHalfBits;
        const int32_t exponent = bits >> 23;
        const float m = bits_to_float((bits & 0x007fffff) + kSqrtHalfBits);
        const float t = (m - 1.0f) / (m + 1.0f);
        const float t2 = t * t;
        const float series = 1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9))));
        const float ln_z = static_cast<float>(exponent) * kLn2 + 2.0f * t * series;
        const float companded = ln_z * kInvLn256;
        const int32_t sign = float_to_bits(y) & INT32_MIN;
        out[i] = bits_to_float(float_to_bits(companded) | sign);
    }
}

} // namespace emotion::dsp
