// exp and expm1 in float that compilers vectorise (no calls, no branches): the Cephes polynomial
// after a range reduction by powers of two, within 2 ulp of std::exp / std::expm1 over the range
// activations reach. The scalar libm calls cost more than the convolutions in ELU's training path.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

// Hot loops get AVX2 / AVX-512 clones selected at load time (the project builds for baseline
// x86-64); other compilers and architectures use the plain version.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(EMOTION_NO_CLONES)
#define EMOTION_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define EMOTION_VECTOR_CLONES
#endif

namespace emotion::nn {

namespace detail {

// x = n ln 2 + r with |r| <= ln 2 / 2; returns 2^n and sets the polynomial part q = e^r - 1.
inline float exp_reduce(float x, float& q) {
    x = std::min(std::max(x, -87.0f), 88.0f);
    // n = round(x / ln 2) by the 1.5 * 2^23 trick (no rounding instruction needed).
    const float shifter = 12582912.0f;
    const float n = (x * 1.44269504088896341f + shifter) - shifter;
    const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    q = p * r * r + r;
    const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return scale;
}

} // namespace detail

inline float exp_approx(float x) {
    float q;
    const float scale = detail::exp_reduce(x, q);
    return (q + 1.0f) * scale;
}

// e^x - 1 without the cancellation of exp_approx(x) - 1 near 0 (where scale is exactly 1).
inline float expm1_approx(float x) {
    float q;
    const float scale = detail::exp_reduce(x, q);
    return scale * q + (scale - 1.0f);
}

} // namespace emotion::nn
