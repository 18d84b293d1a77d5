#include "nn/layernorm.h"

#include <cmath>
#include <stdexcept>

namespace emotion::nn {

LayerNorm::LayerNorm(int d, float eps) : weight(Shape{d}), bias(Shape{d}), d_(d), eps_(eps) {
    if (d <= 0) throw std::invalid_argument("LayerNorm: d must be positive, got " + std::to_string(d));
    reset();
}

ParameterTable LayerNorm::parameters() { return {{"weight", &weight}, {"bias", &bias}}; }

void LayerNorm::reset() {
    weight.value.fill(1.0f);
    bias.value.zero();
}

const Tensor& LayerNorm::forward(const Tensor& x, Mode mode) {
    if (x.rank() < 1 || x.dim(-1) != d_)
        throw std::invalid_argument("LayerNorm: input " + shape_to_string(x.shape()) +
                                    ", expected last dim " + std::to_string(d_));
    const int64_t rows = x.size() / d_;
    const bool train = mode == Mode::Train;
    output_.resize(x.shape());
    if (train) {
        normalized_.resize(x.shape());
        rstd_.resize({rows});
    }
    const float* w = weight.value.data();
    const float* b = bias.value.data();
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x.data() + r * d_;
        float* yr = output_.data() + r * d_;
        double mean = 0.0;
        for (int i = 0; i < d_; ++i) mean += xr[i];
        mean /= d_;
        double var = 0.0;
        for (int i = 0; i < d_; ++i) {
            double c = xr[i] - mean;
            var += c * c;
        }
        var /= d_;
        const double rstd = 1.0 / std::sqrt(var + eps_);
        for (int i = 0; i < d_; ++i) {
            const float n = static_cast<float>((xr[i] - mean) * rstd);
            yr[i] = n * w[i] + b[i];
            if (train) normalized_[r * d_ + i] = n;
        }
        if (train) rstd_[r] = static_cast<float>(rstd);
    }
    return output_;
}

const Tensor& LayerNorm::backward(const Tensor& dy) {
    if (dy.shape() != normalized_.shape())
        throw std::invalid_argument("LayerNorm::backward: gradient " + shape_to_string(dy.shape()) +
                                    ", expected " + shape_to_string(normalized_.shape()) +
                                    " (after a Train-mode forward)");
    const int64_t rows = dy.size() / d_;
    grad_input_.resize(dy.shape());
    const float* w = weight.value.data();
    float* dw = weight.grad.data();
    float* db = bias.grad.data();
    for (int64_t r = 0; r < rows; ++r) {
        const float* g = dy.data() + r * d_;
        const float* n = normalized_.data() + r * d_;
        float* dx = grad_input_.data() + r * d_;
        // dx = rstd (dn - mean(dn) - n mean(dn n)), dn = dy * weight.
        double mean_dn = 0.0, mean_dn_n = 0.0;
        for (int i = 0; i < d_; ++i) {
            const double dn = static_cast<double>(g[i]) * w[i];
            mean_dn += dn;
            mean_dn_n += dn * n[i];
            dw[i] += g[i] * n[i];
            db[i] += g[i];
        }
        mean_dn /= d_;
        mean_dn_n /= d_;
        const double rstd = rstd_[r];
        for (int i = 0; i < d_; ++i)
            dx[i] = static_cast<float>(rstd * (static_cast<double>(g[i]) * w[i] - mean_dn - n[i] * mean_dn_n));
    }
    return grad_input_;
}

} // namespace emotion::nn
