#include "nn/dropout.h"

#include <stdexcept>

namespace emotion::nn {

Dropout::Dropout(float p, Rng& rng) : p_(p), rng_(&rng) {
    if (!(p >= 0.0f && p <= 1.0f))
        throw std::invalid_argument("Dropout: p must be in [0, 1], got " + std::to_string(p));
}

const Tensor& Dropout::forward(const Tensor& x, Mode mode) {
    output_.resize(x.shape());
    identity_ = mode != Mode::Train || p_ == 0.0f;
    if (identity_) {
        mask_.resize({0});
        output_.copy_from(x);
        return output_;
    }
    mask_.resize(x.shape());
    // p = 1 drops everything (PyTorch returns zeros).
    const float scale = p_ < 1.0f ? 1.0f / (1.0f - p_) : 0.0f;
    std::bernoulli_distribution keep(1.0 - static_cast<double>(p_));
    auto& engine = rng_->engine();
    for (int64_t i = 0; i < x.size(); ++i) {
        mask_[i] = keep(engine) ? scale : 0.0f;
        output_[i] = x[i] * mask_[i];
    }
    return output_;
}

const Tensor& Dropout::backward(const Tensor& dy) {
    if (dy.shape() != output_.shape())
        throw std::invalid_argument("Dropout::backward: gradient " + shape_to_string(dy.shape()) +
                                    ", expected " + shape_to_string(output_.shape()));
    grad_input_.resize(dy.shape());
    if (identity_) {
        grad_input_.copy_from(dy);
        return grad_input_;
    }
    for (int64_t i = 0; i < dy.size(); ++i) grad_input_[i] = dy[i] * mask_[i];
    return grad_input_;
}

} // namespace emotion::nn
