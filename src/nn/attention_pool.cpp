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
    backward_into(input_, dz, grad_input_);
    return grad_input_;
}

void AttentionPool1d::backward_into(const Tensor& y, const Tensor& dz, Tensor& dy) {
    const int64_t B = weights_.dim(0), T = weights_.dim(1), D = dim_;
    if (y.rank() != 3 || y.dim(0) != B || y.dim(1) != T || y.dim(2) != D)
        throw std::invalid_argument("AttentionPool1d::backward: input " + shape_to_string(y.shape()) +
                                    ", expected the forward's " + shape_to_string({B, T, D}));
    if (dz.rank() != 2 || dz.dim(0) != B || dz.dim(1) != D)
        throw std::invalid_argument("AttentionPool1d::backward: gradient " + shape_to_string(dz.shape()) +
                                    ", expected " + shape_to_string({B, D}));
    dy.resize({B, T, D});
    da_.resize({T});
    float* da = da_.data();
    const float* u_value = u.value.data();
    for (int64_t b = 0; b < B; ++b) {
        const int64_t L = lengths_[b];
        const float* yb = y.data() + b * T * D;
        const float* a = weights_.data() + b * T;
        const float* g = dz.data() + b * D;
        float* dyb = dy.data() + b * T * D;
        double mean = 0.0;
        for (int64_t t = 0; t < L; ++t) {
            da[t] = dot(g, yb + t * D, D);
            mean += static_cast<double>(a[t]) * da[t];
        }
        for (int64_t t = 0; t < L; ++t) {
            const float de = a[t] * (da[t] - static_cast<float>(mean));
            float* __restrict row = dyb + t * D;
            for (int64_t k = 0; k < D; ++k) row[k] = a[t] * g[k] + de * u_value[k];
            if (u.trainable) axpy(u.grad.data(), de, yb + t * D, D);
        }
        // Padded frames: gradient 0.
        if (L < T) std::memset(dyb + L * D, 0, sizeof(float) * (T - L) * D);
    }
}

} // namespace emotion::nn
