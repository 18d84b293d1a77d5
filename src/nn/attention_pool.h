// Attention weighted pooling over time (Mirsamadi et al. 2017; spec/MODELS.md M1 `pool`):
//   e_t = u . y_t (no bias), a = softmax over the real frames t < L of e, z = sum_t a_t y_t.
// y [B, T, D] zero-padded + lengths -> z [B, D]; weights() [B, T] (0 at padded frames).
// Parameter: `u` [D].
#pragma once

#include <vector>

#include "nn/parameter.h"
#include "nn/rng.h"
#include "nn/tensor.h"

namespace emotion::nn {

class AttentionPool1d {
public:
    explicit AttentionPool1d(int dim);

    int dim() const { return dim_; }
    Parameter u; // [D]

    ParameterTable parameters() { return {{"u", &u}}; }
    // The reference's init: u ~ N(0, 1/D).
    void init_pytorch(Rng& rng);

    const Tensor& forward(const Tensor& y, const std::vector<int>& lengths, Mode mode = Mode::Infer);
    const Tensor& weights() const { return weights_; }
    // dz [B, D] -> dy [B, T, D]; accumulates u.grad. Uses the y of the last Train forward.
    const Tensor& backward(const Tensor& dz);
    // The same with y (the last forward's input) given again, into the caller's dy: a caller
    // that keeps y runs the forward in Infer mode (no copy of y) and gets a gradient it may
    // change in place.
    void backward_into(const Tensor& y, const Tensor& dz, Tensor& dy);

private:
    int dim_;
    std::vector<int> lengths_;
    Tensor input_, weights_, output_, grad_input_, da_;
    bool trained_ = false;
};

} // namespace emotion::nn
