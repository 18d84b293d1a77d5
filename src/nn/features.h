// Fixed (parameter-free) transforms of model inputs: M1's per-segment z-normalisation and M4's
// sinusoidal position table.
#pragma once

#include <vector>

#include "nn/tensor.h"

namespace emotion::nn {

// M1 input normalisation: for each sequence b and feature f, over the real frames t < lengths[b]
// of raw [B, T, F]: out = (x - mean) / max(std, floor), std the population (biased) std.
// Padded frames are 0 in the output. Forward only: it is applied to input features, which need
// no gradient (statistics computed in double).
void znormalize(const Tensor& raw, const std::vector<int>& lengths, Tensor& out, float floor = 1e-5f);

// pe [T, d]: pe[pos, j] = sin(pos / 10000^(2*(j/2)/d)) for even j, cos(...) for odd j
// (computed in double, rounded to float).
Tensor sinusoidal_positions(int T, int d);

} // namespace emotion::nn
