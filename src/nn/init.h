// Parameter initialisation helpers (PyTorch torch.nn.init semantics).
#pragma once

#include "nn/rng.h"
#include "nn/tensor.h"

namespace emotion::nn {

// PyTorch fans of a weight: dim 1 x receptive field / dim 0 x receptive field (receptive field =
// product of dims 2..); a 1-D tensor has fan_in = fan_out = its size.
void compute_fans(const Shape& shape, int64_t& fan_in, int64_t& fan_out);

// Xavier (Glorot) uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
void xavier_uniform(Tensor& weight, int64_t fan_in, int64_t fan_out, Rng& rng, float gain = 1.0f);
// Same with the fans taken from the weight's shape (compute_fans).
void xavier_uniform(Tensor& weight, Rng& rng, float gain = 1.0f);
// U(low, high) for every element (PyTorch's default Linear/Conv bias init uses
// bound = 1/sqrt(fan_in)).
void uniform(Tensor& tensor, float low, float high, Rng& rng);

} // namespace emotion::nn
