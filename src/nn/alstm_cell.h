// The A-LSTM cell of one sequence at one step (nn/alstm.h has the equations), as row kernels
// that nn::Alstm runs over the rows of a step: the combination of earlier states into c', h'
// and its backward, and the gates and cell state with their backward. H units per row; the
// loops are written for the compiler to vectorise (no aliasing, no libm calls).
#pragma once

#include <cstdint>

namespace emotion::nn::detail {

// c' = sum_s alpha_s c_prev[s], h' = sum_s beta_s h_prev[s] over the n >= 1 earlier states.
// With w (cell alstm) the weights are softmax_s(w . c_prev[s]) and softmax_s(w . h_prev[s]);
// without (mean, lstm) they are 1/n. alpha and beta receive the n weights.
void combine_forward(const float* const* c_prev, const float* const* h_prev, int n, const float* w, int H,
                     float* cp, float* hp, float* alpha, float* beta);

// Backward of combine_forward: dcp = d c', dhp = d h' -> dc_prev[s] += ..., dh_prev[s] += ...
// and, with w, dw += ... (dw may be null: w not trainable).
void combine_backward(const float* const* c_prev, const float* const* h_prev, int n, const float* alpha,
                      const float* beta, const float* dcp, const float* dhp, const float* w, float* dw,
                      float* const* dc_prev, float* const* dh_prev, int H);

// gates = activated i, f, g, o of the pre-activations gx + rec; c = f c' + i g; h = o tanh(c).
void cell_forward(const float* gx, const float* rec, const float* cp, float* gates, float* c, float* h,
                  int H);

// dh (total gradient into h), dc_in (gradient into c from later steps) -> pre-activation gate
// gradients dgates [4H] and dcp = d c'.
void cell_backward(const float* gates, const float* c, const float* cp, const float* dh, const float* dc_in,
                   float* dgates, float* dcp, int H);

} // namespace emotion::nn::detail
