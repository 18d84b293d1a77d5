// LayerNorm over the last dimension (PyTorch nn.LayerNorm(d, eps), elementwise affine):
// y = (x - mean) / sqrt(var + eps) * weight + bias, biased variance. Own loops (d is 16..256
// here; statistics accumulated in double).
#pragma once

#include "nn/context.h"
#include "nn/parameter.h"
#include "nn/tensor.h"

namespace emotion::nn {

class LayerNorm {
public:
    explicit LayerNorm(int d, float eps = 1e-5f);
    // Same (the layer runs its own loops; the context is accepted for symmetry with the others).
    LayerNorm(Context& context, int d, float eps = 1e-5f) : LayerNorm(d, eps) { (void)context; }

    int dim() const { return d_; }
    Parameter weight; // [d], initialised to 1
    Parameter bias;   // [d], initialised to 0

    ParameterTable parameters();
    void reset(); // weight 1, bias 0 (PyTorch default)

    // x [..., d] -> y [..., d]; Train mode keeps x-hat and 1/std for backward.
    const Tensor& forward(const Tensor& x, Mode mode = Mode::Infer);
    // dy [..., d] -> dx; accumulates weight/bias grads.
    const Tensor& backward(const Tensor& dy);
    // Same, dx into a tensor the caller owns (resized; it may be dy itself).
    void backward_into(const Tensor& dy, Tensor& dx);

private:
    int d_;
    float eps_;
    Tensor output_, normalized_, rstd_, grad_input_;
};

} // namespace emotion::nn
