#include "nn/activations.h"

#include <cmath>
#include <stdexcept>

#include "nn/parallel.h"

namespace emotion::nn {

namespace {
void check_same(const Tensor& a, const Tensor& b, const char* what) {
    if (a.shape() != b.shape())
        throw std::invalid_argument(std::string(what) + ": gradient " + shape_to_string(b.shape()) +
                                    " does not match the forward shape " + shape_to_string(a.shape()));
}
} // namespace

void relu_forward(const float* x, float* y, int64_t n) {
    parallel_ranges(n, n, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
    });
}

void relu_backward(const float* y, const float* dy, float* dx, int64_t n) {
    parallel_ranges(n, n, [&](int64_t begin, int64_t end) {
        // Both loads unconditional, so the compiler selects instead of branching on the sign.
        for (int64_t i = begin; i < end; ++i) {
            const float g = dy[i];
            dx[i] = y[i] > 0.0f ? g : 0.0f;
        }
    });
}

void elu_forward(const float* x, float* y, int64_t n, float alpha) {
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : alpha * std::expm1(x[i]);
}

void elu_backward(const float* x, const float* dy, float* dx, int64_t n, float alpha) {
    for (int64_t i = 0; i < n; ++i) dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * alpha * std::exp(x[i]);
}

const Tensor& ReLU::forward(const Tensor& x, Mode) {
    output_.resize(x.shape());
    relu_forward(x.data(), output_.data(), x.size());
    return output_;
}

const Tensor& ReLU::backward(const Tensor& dy) {
    check_same(output_, dy, "ReLU::backward");
    grad_input_.resize(dy.shape());
    relu_backward(output_.data(), dy.data(), grad_input_.data(), dy.size());
    return grad_input_;
}

const Tensor& ELU::forward(const Tensor& x, Mode mode) {
    output_.resize(x.shape());
    elu_forward(x.data(), output_.data(), x.size(), alpha_);
    if (mode == Mode::Train) input_.copy_from(x);
    return output_;
}

const Tensor& ELU::backward(const Tensor& dy) {
    check_same(input_, dy, "ELU::backward (after a Train-mode forward)");
    grad_input_.resize(dy.shape());
    elu_backward(input_.data(), dy.data(), grad_input_.data(), dy.size(), alpha_);
    return grad_input_;
}

} // namespace emotion::nn
