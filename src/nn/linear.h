// Linear layer y = x W^T + b over the last dimension (PyTorch nn.Linear, weight [out, in]).
// Any leading dimensions are flattened into rows. oneDNN matmul with a runtime row count, so one
// primitive serves every batch size and sequence length.
#pragma once

#include "nn/context.h"
#include "nn/parameter.h"
#include "nn/rng.h"

namespace emotion::nn {

class Linear {
public:
    Linear(Context& context, int in_features, int out_features, bool bias = true);

    int in_features() const { return in_; }
    int out_features() const { return out_; }
    Parameter weight; // [out, in]
    Parameter bias;   // [out] (empty when constructed without bias)

    ParameterTable parameters();
    void init_xavier(Rng& rng); // Xavier-uniform weight, zero bias

    // x [..., in] -> y [..., out]
    const Tensor& forward(const Tensor& x, Mode mode = Mode::Infer);
    // Writes the output into `y` instead of the layer's own tensor (for callers that own the
    // destination).
    void forward_into(const Tensor& x, Tensor& y);
    // dy [..., out] -> dx [..., in]; accumulates weight/bias grads. Uses the x of the last
    // forward in Train mode.
    const Tensor& backward(const Tensor& dy);
    // Same, with the input given explicitly (when the layer was not run in Train mode).
    const Tensor& backward(const Tensor& x, const Tensor& dy);
    // Same, dx into a tensor the caller owns (resized).
    void backward_into(const Tensor& x, const Tensor& dy, Tensor& dx);

private:
    Context& context_;
    int in_, out_;
    bool has_bias_;
    Tensor input_; // saved in Train mode
    Tensor output_, grad_input_;
    struct Primitives;
    std::shared_ptr<Primitives> primitives_;
};

} // namespace emotion::nn
