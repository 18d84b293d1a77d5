// exp and expm1 in float that compilers vectorise (no calls, no branches): the Cephes polynomial
// after a range reduction by powers of two, within 2 ulp of std::exp / std::expm1 over the range
// activations reach. The scalar libm calls cost more than the convolutions in ELU's training path.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

// Hot loops get AVX2 / AVX-512 clones selected at load time (the project builds for baseline
// x86-64); other compilers and architectures use the plain version.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(EMOTION_NO_CLONES)
#define EMOTION_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define EMOTION_VECTOR_CLONES
#endif

namespace emotion::nn {

namespace detail {

// 2^n for an integral-valued n (a float or a float vector of lanes).
template <class T> [[gnu::always_inline]] inline T power_of_two(T n) {
    T scale;
    if constexpr (std::is_same_v<T, float>) {
        const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
        std::memcpy(&scale, &bits, sizeof scale);
    } else {
        typedef int32_t Bits __attribute__((vector_size(sizeof(T))));
        const Bits bits = (__builtin_convertvector(n, Bits) + 127) << 23;
        std::memcpy(&scale, &bits, sizeof scale);
    }
    return scale;
}

// x = n ln 2 + r with |r| <= ln 2 / 2; returns 2^n and sets the polynomial part q = e^r - 1.
// T is float or a float vector (nn/lanes.h): the same operations on every lane.
template <class T> [[gnu::always_inline]] inline T exp_reduce(T x, T& q) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    // n = round(x / ln 2) by the 1.5 * 2^23 trick (no rounding instruction needed).
    const float shifter = 12582912.0f;
    const T n = (x * 1.44269504088896341f + shifter) - shifter;
    const T r = x - n * 0.693359375f + n * 2.12194440e-4f;
    T p = r * 1.9875691500e-4f + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    q = p * r * r + r;
    return power_of_two(n);
}

} // namespace detail

template <class T> [[gnu::always_inline]] inline T exp_approx(T x) {
    T q;
    const T scale = detail::exp_reduce(x, q);
    return (q + 1.0f) * scale;
}

// e^x - 1 without the cancellation of exp_approx(x) - 1 near 0 (where scale is exactly 1).
template <class T> [[gnu::always_inline]] inline T expm1_approx(T x) {
    T q;
    const T scale = detail::exp_reduce(x, q);
    return scale * q + (scale - 1.0f);
}

} // namespace emotion::nn
