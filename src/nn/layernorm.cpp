#include "nn/layernorm.h"

#include <cmath>
#include <stdexcept>

#include "nn/parallel.h"
#include "nn/vector_math.h" // EMOTION_VECTOR_CLONES

namespace emotion::nn {

namespace {

// Sums in double over 8 independent lanes: one running sum is a chain of dependent additions
// that does not vectorise (LayerNorm was a tenth of M4's inference time). The AVX-512 / AVX2
// clones hold the lanes in one or two registers (still a twentieth of M4's inference without).
constexpr int kLanes = 8;

EMOTION_VECTOR_CLONES
double sum_of(const float* x, int n) {
    double lane[kLanes] = {};
    int i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int k = 0; k < kLanes; ++k) lane[k] += x[i + k];
    double sum = 0.0;
    for (; i < n; ++i) sum += x[i];
    for (double v : lane) sum += v;
    return sum;
}

EMOTION_VECTOR_CLONES
double squared_deviations(const float* x, int n, double mean) {
    double lane[kLanes] = {};
    int i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int k = 0; k < kLanes; ++k) {
            const double c = x[i + k] - mean;
            lane[k] += c * c;
        }
    double sum = 0.0;
    for (; i < n; ++i) sum += (x[i] - mean) * (x[i] - mean);
    for (double v : lane) sum += v;
    return sum;
}

// y = (x - mean) * rstd * w + b over one row (Infer mode).
EMOTION_VECTOR_CLONES
void normalize_row(const float* x, int n, double mean, double rstd, const float* w, const float* b,
                   float* y) {
    for (int i = 0; i < n; ++i) y[i] = static_cast<float>((x[i] - mean) * rstd) * w[i] + b[i];
}

} // namespace

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
    parallel_ranges(rows, rows * d_, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const float* xr = x.data() + r * d_;
            float* yr = output_.data() + r * d_;
            const double mean = sum_of(xr, d_) / d_;
            const double var = squared_deviations(xr, d_, mean) / d_;
            const double rstd = 1.0 / std::sqrt(var + eps_);
            if (train) {
                float* nr = normalized_.data() + r * d_;
                for (int i = 0; i < d_; ++i) {
                    nr[i] = static_cast<float>((xr[i] - mean) * rstd);
                    yr[i] = nr[i] * w[i] + b[i];
                }
                rstd_[r] = static_cast<float>(rstd);
            } else {
                normalize_row(xr, d_, mean, rstd, w, b, yr);
            }
        }
    });
    return output_;
}

const Tensor& LayerNorm::backward(const Tensor& dy) {
    backward_into(dy, grad_input_);
    return grad_input_;
}

void LayerNorm::backward_into(const Tensor& dy, Tensor& dx_tensor) {
    if (dy.shape() != normalized_.shape())
        throw std::invalid_argument("LayerNorm::backward: gradient " + shape_to_string(dy.shape()) +
                                    ", expected " + shape_to_string(normalized_.shape()) +
                                    " (after a Train-mode forward)");
    const int64_t rows = dy.size() / d_;
    dx_tensor.resize(dy.shape());
    const float* w = weight.value.data();
    float* dw = weight.grad.data();
    float* db = bias.grad.data();
    const float* dy_data = dy.data();
    const float* n_data = normalized_.data();
    // dx row by row; then dw, db column by column with the rows in order (the sums a single
    // pass over the rows makes, whatever the thread count).
    parallel_ranges(rows, rows * d_, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const float* g = dy_data + r * d_;
            const float* n = n_data + r * d_;
            float* dx = dx_tensor.data() + r * d_;
            // dx = rstd (dn - mean(dn) - n mean(dn n)), dn = dy * weight.
            double mean_dn = 0.0, mean_dn_n = 0.0;
            for (int i = 0; i < d_; ++i) {
                const double dn = static_cast<double>(g[i]) * w[i];
                mean_dn += dn;
                mean_dn_n += dn * n[i];
            }
            mean_dn /= d_;
            mean_dn_n /= d_;
            const double rstd = rstd_[r];
            for (int i = 0; i < d_; ++i)
                dx[i] = static_cast<float>(rstd *
                                           (static_cast<double>(g[i]) * w[i] - mean_dn - n[i] * mean_dn_n));
        }
    });
    parallel_ranges(d_, rows * d_, [&](int64_t begin, int64_t end) {
        for (int64_t r = 0; r < rows; ++r) {
            const float* g = dy_data + r * d_;
            const float* n = n_data + r * d_;
            for (int64_t i = begin; i < end; ++i) {
                dw[i] += g[i] * n[i];
                db[i] += g[i];
            }
        }
    });
}

} // namespace emotion::nn
