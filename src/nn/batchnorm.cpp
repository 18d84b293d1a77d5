#include "nn/batchnorm.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace emotion::nn {

namespace {

constexpr int kLanes = 16;

// Sum and sum of squared deviations from `center` over n floats, in kLanes float partial sums
// (vectorisable without -ffast-math) combined in double.
void plane_moments(const float* x, int64_t n, float center, double& sum, double& sq) {
    float s[kLanes] = {}, q[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l) {
            float d = x[i + l] - center;
            s[l] += d;
            q[l] += d * d;
        }
    double ds = 0.0, dq = 0.0;
    for (int l = 0; l < kLanes; ++l) {
        ds += s[l];
        dq += q[l];
    }
    for (; i < n; ++i) {
        double d = static_cast<double>(x[i]) - center;
        ds += d;
        dq += d * d;
    }
    sum += ds;
    sq += dq;
}

// sum(dy) and sum(dy * (x - mean)) over n floats.
void plane_grad_sums(const float* dy, const float* x, int64_t n, float mean, double& sum_dy,
                     double& sum_dy_xc) {
    float s[kLanes] = {}, q[kLanes] = {};
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l) {
            s[l] += dy[i + l];
            q[l] += dy[i + l] * (x[i + l] - mean);
        }
    double ds = 0.0, dq = 0.0;
    for (int l = 0; l < kLanes; ++l) {
        ds += s[l];
        dq += q[l];
    }
    for (; i < n; ++i) {
        ds += dy[i];
        dq += static_cast<double>(dy[i]) * (static_cast<double>(x[i]) - mean);
    }
    sum_dy += ds;
    sum_dy_xc += dq;
}

void check_input(const Tensor& x, int channels) {
    if (x.rank() != 4 || x.dim(1) != channels)
        throw std::invalid_argument("BatchNorm2d: input has shape " + shape_to_string(x.shape()) +
                                    ", expected [B, " + std::to_string(channels) + ", H, W]");
}

} // namespace

BatchNorm2d::BatchNorm2d(int channels, float eps, float momentum)
    : weight(Shape{channels}), bias(Shape{channels}), running_mean(Shape{channels}, false),
      running_var(Shape{channels}, false), num_batches_tracked(Shape{1}, false), channels_(channels),
      eps_(eps), momentum_(momentum) {
    if (channels <= 0)
        throw std::invalid_argument("BatchNorm2d: channels must be positive, got " +
                                    std::to_string(channels));
    init_default();
}

ParameterTable BatchNorm2d::parameters() {
    return {{"weight", &weight},
            {"bias", &bias},
            {"running_mean", &running_mean},
            {"running_var", &running_var},
            {"num_batches_tracked", &num_batches_tracked}};
}

void BatchNorm2d::init_default() {
    weight.value.fill(1.0f);
    bias.value.zero();
    running_mean.value.zero();
    running_var.value.fill(1.0f);
    num_batches_tracked.value.zero();
}

void BatchNorm2d::inference_affine(std::vector<float>& scale, std::vector<float>& shift) const {
    scale.resize(channels_);
    shift.resize(channels_);
    for (int c = 0; c < channels_; ++c) {
        double inv = 1.0 / std::sqrt(static_cast<double>(running_var.value[c]) + eps_);
        scale[c] = static_cast<float>(weight.value[c] * inv);
        shift[c] = static_cast<float>(bias.value[c] - running_mean.value[c] * weight.value[c] * inv);
    }
}

float BatchNorm2d::record_batch_statistics(int c, double mean, double var, int64_t count) {
    const double unbiased = var * count / (count - 1);
    running_mean.value[c] = static_cast<float>((1.0 - momentum_) * running_mean.value[c] + momentum_ * mean);
    running_var.value[c] =
        static_cast<float>((1.0 - momentum_) * running_var.value[c] + momentum_ * unbiased);
    return static_cast<float>(1.0 / std::sqrt(var + eps_));
}

const Tensor& BatchNorm2d::forward(const Tensor& x, Mode mode) {
    check_input(x, channels_);
    const int64_t B = x.dim(0), C = channels_, plane = x.dim(2) * x.dim(3);
    const int64_t count = B * plane;
    mean_.assign(C, 0.0f);
    inv_std_.assign(C, 0.0f);
    if (mode == Mode::Train) {
        if (count < 2)
            throw std::invalid_argument("BatchNorm2d: training needs more than one value per "
                                        "channel, got input " +
                                        shape_to_string(x.shape()));
#pragma omp parallel for schedule(static)
        for (int64_t c = 0; c < C; ++c) {
            // Shifted by the first value for a stable variance, then re-centred.
            const float center = x[c * plane];
            double sum = 0.0, sq = 0.0;
            for (int64_t b = 0; b < B; ++b)
                plane_moments(x.data() + (b * C + c) * plane, plane, center, sum, sq);
            const double mean_shift = sum / count;
            const double var = std::max(0.0, sq / count - mean_shift * mean_shift);
            const double mean = center + mean_shift;
            mean_[c] = static_cast<float>(mean);
            inv_std_[c] = record_batch_statistics(static_cast<int>(c), mean, var, count);
        }
        num_batches_tracked.value[0] += 1.0f;
        input_.copy_from(x);
    } else {
        for (int64_t c = 0; c < C; ++c) {
            mean_[c] = running_mean.value[c];
            inv_std_[c] =
                static_cast<float>(1.0 / std::sqrt(static_cast<double>(running_var.value[c]) + eps_));
        }
        // Kept for a backward through the running statistics (gradient checks, fine-tuning).
        input_.copy_from(x);
    }
    last_mode_ = mode;

    output_.resize(x.shape());
#pragma omp parallel for schedule(static)
    for (int64_t bc = 0; bc < B * C; ++bc) {
        const int64_t c = bc % C;
        const float scale = weight.value[c] * inv_std_[c];
        const float shift = bias.value[c] - mean_[c] * scale;
        const float* in = x.data() + bc * plane;
        float* out = output_.data() + bc * plane;
        for (int64_t i = 0; i < plane; ++i) out[i] = in[i] * scale + shift;
    }
    return output_;
}

const Tensor& BatchNorm2d::backward(const Tensor& dy) {
    if (input_.empty() || dy.shape() != input_.shape())
        throw std::invalid_argument("BatchNorm2d::backward: gradient " + shape_to_string(dy.shape()) +
                                    " does not match the input " + shape_to_string(input_.shape()) +
                                    " of the last forward");
    const Tensor& x = input_;
    const int64_t B = x.dim(0), C = channels_, plane = x.dim(2) * x.dim(3);
    const int64_t count = B * plane;
    grad_input_.resize(x.shape());
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < C; ++c) {
        double sum_dy = 0.0, sum_dy_xc = 0.0;
        for (int64_t b = 0; b < B; ++b) {
            const int64_t at = (b * C + c) * plane;
            plane_grad_sums(dy.data() + at, x.data() + at, plane, mean_[c], sum_dy, sum_dy_xc);
        }
        const double inv_std = inv_std_[c];
        const double gamma = weight.value[c];
        if (weight.trainable) weight.grad[c] += static_cast<float>(sum_dy_xc * inv_std);
        if (bias.trainable) bias.grad[c] += static_cast<float>(sum_dy);

        // Train: dx = gamma * inv_std * (dy - mean(dy) - x_hat * mean(dy * x_hat)).
        // Infer: dx = gamma * inv_std * dy (the statistics are constants).
        const float k = static_cast<float>(gamma * inv_std);
        float a = 0.0f, m = 0.0f;
        if (last_mode_ == Mode::Train) {
            a = static_cast<float>(sum_dy / count);
            m = static_cast<float>(sum_dy_xc / count * inv_std * inv_std);
        }
        const float mean = mean_[c];
        for (int64_t b = 0; b < B; ++b) {
            const int64_t at = (b * C + c) * plane;
            const float* g = dy.data() + at;
            const float* in = x.data() + at;
            float* out = grad_input_.data() + at;
            for (int64_t i = 0; i < plane; ++i) out[i] = k * (g[i] - a - (in[i] - mean) * m);
        }
    }
    return grad_input_;
}

} // namespace emotion::nn
