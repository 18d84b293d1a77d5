#include "nn/loss.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace emotion::nn {

void softmax_rows(const float* x, float* y, int64_t rows, int64_t k) {
    for (int64_t r = 0; r < rows; ++r, x += k, y += k) {
        const float m = *std::max_element(x, x + k);
        double sum = 0.0;
        for (int64_t i = 0; i < k; ++i) {
            y[i] = std::exp(x[i] - m);
            sum += y[i];
        }
        for (int64_t i = 0; i < k; ++i) y[i] = static_cast<float>(y[i] / sum);
    }
}

void softmax_in_place(float* a, int64_t n) {
    const float m = *std::max_element(a, a + n);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        a[i] = std::exp(a[i] - m);
        sum += a[i];
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) a[i] *= inv;
}

std::vector<float> softmax_rows(const float* x, int64_t rows, int64_t k) {
    std::vector<float> y(static_cast<size_t>(rows * k));
    softmax_rows(x, y.data(), rows, k);
    return y;
}

float SoftmaxCrossEntropy::forward(const Tensor& logits, const std::vector<int>& targets) {
    if (logits.rank() != 2)
        throw std::invalid_argument("cross-entropy: logits " + shape_to_string(logits.shape()) +
                                    ", expected [B, K]");
    const int64_t b = logits.dim(0), k = logits.dim(1);
    if (static_cast<int64_t>(targets.size()) != b)
        throw std::invalid_argument("cross-entropy: " + std::to_string(targets.size()) +
                                    " targets for a batch of " + std::to_string(b));
    if (k <= 0) throw std::invalid_argument("cross-entropy: no classes");
    probs_.resize(logits.shape());
    targets_ = targets;
    labelled_ = 0;
    double total = 0.0;
    for (int64_t r = 0; r < b; ++r) {
        const float* x = logits.data() + r * k;
        float m = x[0];
        for (int64_t i = 1; i < k; ++i) m = std::max(m, x[i]);
        double sum = 0.0;
        for (int64_t i = 0; i < k; ++i) sum += std::exp(static_cast<double>(x[i]) - m);
        const double log_sum = std::log(sum);
        for (int64_t i = 0; i < k; ++i)
            probs_[r * k + i] = static_cast<float>(std::exp(static_cast<double>(x[i]) - m - log_sum));
        const int t = targets[r];
        if (t == -1) continue;
        if (t < 0 || t >= k)
            throw std::invalid_argument("cross-entropy: target " + std::to_string(t) + " of row " +
                                        std::to_string(r) + " outside [0, " + std::to_string(k) + ")");
        total += -(static_cast<double>(x[t]) - m - log_sum);
        ++labelled_;
    }
    return labelled_ ? static_cast<float>(total / labelled_) : 0.0f;
}

const Tensor& SoftmaxCrossEntropy::backward(float scale) {
    grad_logits_.resize(probs_.shape(), true);
    if (labelled_ == 0) return grad_logits_;
    const int64_t b = probs_.dim(0), k = probs_.dim(1);
    const float s = scale / static_cast<float>(labelled_);
    for (int64_t r = 0; r < b; ++r) {
        const int t = targets_[r];
        float* g = grad_logits_.data() + r * k;
        if (t < 0) {
            for (int64_t i = 0; i < k; ++i) g[i] = 0.0f;
            continue;
        }
        const float* p = probs_.data() + r * k;
        for (int64_t i = 0; i < k; ++i) g[i] = s * (p[i] - (i == t ? 1.0f : 0.0f));
    }
    return grad_logits_;
}

} // namespace emotion::nn
