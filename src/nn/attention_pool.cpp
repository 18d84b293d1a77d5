#include "nn/attention_pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "nn/loss.h"
#include "nn/padded_sequences.h"
#include "nn/rnn_kernels.h"

namespace emotion::nn {

using detail::axpy;
using detail::dot;

AttentionPool1d::AttentionPool1d(int dim) : u(Shape{dim}), dim_(dim) {
    if (dim <= 0) throw std::invalid_argument("AttentionPool1d: dim must be positive");
}

void AttentionPool1d::init_pytorch(Rng& rng) {
    const float std = 1.0f / std::sqrt(static_cast<float>(dim_));
    for (int64_t i = 0; i < u.value.size(); ++i) u.value[i] = rng.normal(0.0f, std);
}

const Tensor& AttentionPool1d::forward(const Tensor& y, const std::vector<int>& lengths, Mode mode) {
    check_padded_batch("AttentionPool1d", y, dim_, lengths);
    const int64_t B = y.dim(0), T = y.dim(1), D = dim_;
    lengths_ = lengths;
    trained_ = mode == Mode::Train;
    if (trained_) input_.copy_from(y);
    weights_.resize({B, T}, true);
    output_.resize({B, D}, true);
    for (int64_t b = 0; b < B; ++b) {
        const int64_t L = lengths[b];
        const float* yb = y.data() + b * T * D;
        float* a = weights_.data() + b * T;
        for (int64_t t = 0; t < L; ++t) a[t] = dot(u.value.data(), yb + t * D, D);
        softmax_in_place(a, L);
        float* z = output_.data() + b * D;
        for (int64_t t = 0; t < L; ++t) axpy(z, a[t], yb + t * D, D);
        std::fill(a + L, a + T, 0.0f);
    }
    return output_;
}

// da_t = dz . y_t; de_t = a_t (da_t - sum_s a_s da_s); dy_t = a_t dz + de_t u; du += de_t y_t.
const Tensor& AttentionPool1d::backward(const Tensor& dz) {
    if (!trained_) throw std::logic_error("AttentionPool1d::backward without a Train-mode forward");
    const int64_t B = input_.dim(0), T = input_.dim(1), D = dim_;
    if (dz.rank() != 2 || dz.dim(0) != B || dz.dim(1) != D)
        throw std::invalid_argument("AttentionPool1d::backward: gradient " + shape_to_string(dz.shape()) +
                                    ", expected " + shape_to_string({B, D}));
    grad_input_.resize({B, T, D}, true);
    std::vector<float> da(T);
    for (int64_t b = 0; b < B; ++b) {
        const int64_t L = lengths_[b];
        const float* yb = input_.data() + b * T * D;
        const float* a = weights_.data() + b * T;
        const float* g = dz.data() + b * D;
        float* dy = grad_input_.data() + b * T * D;
        double mean = 0.0;
        for (int64_t t = 0; t < L; ++t) {
            da[t] = dot(g, yb + t * D, D);
            mean += static_cast<double>(a[t]) * da[t];
        }
        for (int64_t t = 0; t < L; ++t) {
            const float de = a[t] * (da[t] - static_cast<float>(mean));
            float* row = dy + t * D;
            for (int64_t k = 0; k < D; ++k) row[k] = a[t] * g[k] + de * u.value[k];
            if (u.trainable) axpy(u.grad.data(), de, yb + t * D, D);
        }
        // Padded frames: gradient 0 (grad_input_ was zero-filled).
        if (L < T) std::memset(dy + L * D, 0, sizeof(float) * (T - L) * D);
    }
    return grad_input_;
}

} // namespace emotion::nn
