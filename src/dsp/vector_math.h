// Small array kernels for the per-frame hot loops. Without -ffast-math GCC keeps std::sqrt
// scalar (errno) and sums sequential (no reassociation), so these spell out the SIMD or the
// independent partial sums. Results do not depend on how a stream is split into buffers.
#pragma once

#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace emotion::dsp {

// out[k] = |in[k]|, for k < count.
inline void complex_magnitudes(const std::complex<float>* in, size_t count, float* out) {
    const float* re_im = reinterpret_cast<const float*>(in);
    for (size_t k = 0; k < count; ++k) {
        const float re = re_im[2 * k], im = re_im[2 * k + 1];
        out[k] = re * re + im * im;
    }
    size_t k = 0;
#if defined(__SSE2__)
    for (const size_t whole = count - count % 4; k < whole; k += 4)
        _mm_storeu_ps(out + k, _mm_sqrt_ps(_mm_loadu_ps(out + k)));
#endif
    for (; k < count; ++k) out[k] = std::sqrt(out[k]);
}

// Smallest and largest of non-negative floats (0 and 0 when count = 0). Their order equals the
// order of their bit patterns, and integer min/max vectorise where float ones (NaN rules) do not.
inline void range_nonnegative(const float* a, size_t count, float& lowest, float& highest) {
    int32_t lo = INT32_MAX, hi = 0;
    for (size_t i = 0; i < count; ++i) {
        int32_t bits;
        std::memcpy(&bits, a + i, sizeof bits);
        lo = bits < lo ? bits : lo;
        hi = bits > hi ? bits : hi;
    }
    if (count == 0) lo = 0;
    std::memcpy(&lowest, &lo, sizeof lowest);
    std::memcpy(&highest, &hi, sizeof highest);
}

// Sum of a[i] * b[i] in double with four independent partial sums.
inline double dot(const double* a, const double* b, size_t count) {
    double partial[4] = {0.0, 0.0, 0.0, 0.0};
    const size_t whole = count - count % 4;
    size_t i = 0;
    for (; i < whole; i += 4)
        for (int lane = 0; lane < 4; ++lane) partial[lane] += a[i + lane] * b[i + lane];
    for (; i < count; ++i) partial[0] += a[i] * b[i];
    return (partial[0] + partial[1]) + (partial[2] + partial[3]);
}

// Sum of a[i] * b[i] in float with eight independent partial sums (vectorised), for filters and
// correlations whose terms are of similar size.
inline float dot(const float* a, const float* b, size_t count) {
    float partial[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    const size_t whole = count - count % 8;
    size_t i = 0;
    for (; i < whole; i += 8)
        for (int lane = 0; lane < 8; ++lane) partial[lane] += a[i + lane] * b[i + lane];
    for (; i < count; ++i) partial[0] += a[i] * b[i];
    return ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
           ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

// Sum of a[i] in double with four independent partial sums.
inline double sum(const double* a, size_t count) {
    double partial[4] = {0.0, 0.0, 0.0, 0.0};
    const size_t whole = count - count % 4;
    size_t i = 0;
    for (; i < whole; i += 4)
        for (int lane = 0; lane < 4; ++lane) partial[lane] += a[i + lane];
    for (; i < count; ++i) partial[0] += a[i];
    return (partial[0] + partial[1]) + (partial[2] + partial[3]);
}

} // namespace emotion::dsp
