// Inverted dropout (PyTorch nn.Dropout): in Train mode each element is kept with probability
// 1 - p and scaled by 1 / (1 - p); in Infer mode (or p = 0) the layer is the identity.
#pragma once

#include "nn/parameter.h"
#include "nn/rng.h"
#include "nn/tensor.h"

namespace emotion::nn {

class Dropout {
public:
    // p in [0, 1]. The generator must outlive the layer (the model's training Rng).
    Dropout(float p, Rng& rng);

    float p() const { return p_; }
    const Tensor& forward(const Tensor& x, Mode mode = Mode::Infer);
    // dx = dy * mask of the last forward (identity after an Infer-mode or p = 0 forward).
    const Tensor& backward(const Tensor& dy);
    // The scale per element of the last Train-mode forward: 0 or 1/(1-p) (empty when the last
    // forward was the identity).
    const Tensor& mask() const { return mask_; }

private:
    float p_;
    Rng* rng_;
    bool identity_ = true;
    Tensor mask_, output_, grad_input_;
};

} // namespace emotion::nn
