// Elementwise activations: ReLU and ELU (PyTorch semantics), forward/backward pairs.
//
// Plain loops rather than oneDNN eltwise primitives: the tensors here are small (at most a few
// hundred thousand elements), a loop needs no primitive per shape, and the compiler vectorises
// it (measured in tests/unit/test_nn_basic.cpp `bench_activations`: see the README there). The
// free functions are for layers that fuse an activation into their own buffers.
#pragma once

#include <cstdint>

#include "nn/parameter.h"
#include "nn/tensor.h"

namespace emotion::nn {

void relu_forward(const float* x, float* y, int64_t n);
// dx = dy where the forward output (or input) was > 0, else 0. `y` may be the forward input or
// output (same sign); dx may alias dy.
void relu_backward(const float* y, const float* dy, float* dx, int64_t n);

// y = x for x > 0, alpha (exp(x) - 1) otherwise.
void elu_forward(const float* x, float* y, int64_t n, float alpha);
// From the forward input x: dx = dy for x > 0, dy * alpha exp(x) otherwise (torch at x = 0:
// alpha). dx may alias dy.
void elu_backward(const float* x, const float* dy, float* dx, int64_t n, float alpha);

class ReLU {
public:
    const Tensor& forward(const Tensor& x, Mode mode = Mode::Infer);
    // Uses the output of the last forward (valid until the next forward).
    const Tensor& backward(const Tensor& dy);

private:
    Tensor output_, grad_input_;
};

class ELU {
public:
    explicit ELU(float alpha = 1.0f) : alpha_(alpha) {}
    float alpha() const { return alpha_; }
    // Train mode keeps the input for backward.
    const Tensor& forward(const Tensor& x, Mode mode = Mode::Infer);
    const Tensor& backward(const Tensor& dy);

private:
    float alpha_;
    Tensor input_, output_, grad_input_;
};

} // namespace emotion::nn
