// Attention pooling of M2 (`att`, Li et al. 2018): over a feature map x [B, C, H, W],
// T = top(x) [B, K, H, W] and S = bottom(x) [B, 1, H, W] are 1x1 convolutions without bias,
// a = softmax of S over all H*W positions, logit_k = mean_{h,w}(T_k * a) (the 1/(H*W) factor is
// kept, as MODELS.md says). Parameters `top.weight [K, C, 1, 1]`, `bottom.weight [1, C, 1, 1]`.
// The maps are small (80 x 25 x 12 in M2), so plain loops beat primitive launches here.
#pragma once

#include "nn/parameter.h"
#include "nn/rng.h"

namespace emotion::nn {

class AttentionPool2d {
public:
    AttentionPool2d(int channels, int classes);

    int channels() const { return channels_; }
    int classes() const { return classes_; }

    Parameter top_weight;    // [K, C, 1, 1]
    Parameter bottom_weight; // [1, C, 1, 1]

    ParameterTable parameters(); // top.weight, bottom.weight
    void init_default(Rng& rng); // PyTorch Conv2d default: U(-1/sqrt(C), 1/sqrt(C))

    // x [B, C, H, W] -> logits [B, K]. Keeps the maps for backward in every mode.
    const Tensor& forward(const Tensor& x, Mode mode = Mode::Infer);
    // Softmax attention map of the last forward, [B, H, W].
    const Tensor& attention_map() const { return attention_; }
    // dlogits [B, K] -> dx [B, C, H, W]; accumulates the weight grads.
    const Tensor& backward(const Tensor& dlogits);

private:
    int channels_, classes_;
    Tensor input_, top_, attention_, logits_, grad_input_;
};

} // namespace emotion::nn
