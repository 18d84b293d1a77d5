// B float lanes as one value (GCC / Clang vector extensions): arithmetic, comparisons and selects
// (`a > b ? x : y`) act on every lane, and each instruction-set clone (EMOTION_VECTOR_CLONES)
// maps a value onto its own registers (B = 8: one AVX2 register, half an AVX-512 one). For lane
// loops the auto-vectoriser leaves scalar: short loops over small arrays, exp polynomials, selects.
#pragma once

#include <cstdint>
#include <cstring>

namespace emotion::nn {

template <int B> struct LaneVector {
    typedef float type __attribute__((vector_size(B * sizeof(float))));
    typedef int32_t ints __attribute__((vector_size(B * sizeof(int32_t))));
};
template <int B> using Lanes = typename LaneVector<B>::type;
// Integers per lane; also what comparisons of Lanes give (-1 true, 0 false).
template <int B> using LaneInts = typename LaneVector<B>::ints;

// Unaligned loads and stores of B consecutive floats.
template <int B> [[gnu::always_inline]] inline Lanes<B> load_lanes(const float* p) {
    Lanes<B> v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <int B> [[gnu::always_inline]] inline void store_lanes(float* p, Lanes<B> v) {
    std::memcpy(p, &v, sizeof v);
}

} // namespace emotion::nn
