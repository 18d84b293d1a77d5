#include "nn/pool2d.h"

#include <stdexcept>
#include <string>

namespace emotion::nn {

Pool2d::Pool2d(const Pool2dOptions& options) : options_(options) {
    if (options.kernel_h <= 0 || options.kernel_w <= 0 || options.stride_h <= 0 || options.stride_w <= 0)
        throw std::invalid_argument(
            "Pool2d: kernel and stride must be positive, got kernel " + std::to_string(options.kernel_h) +
            "x" + std::to_string(options.kernel_w) + ", stride " + std::to_string(options.stride_h) + "x" +
            std::to_string(options.stride_w));
}

int64_t Pool2d::output_height(int64_t h) const {
    if (h < options_.kernel_h)
        throw std::invalid_argument("Pool2d: input height " + std::to_string(h) +
                                    " is smaller than the kernel " + std::to_string(options_.kernel_h));
    return (h - options_.kernel_h) / options_.stride_h + 1;
}

int64_t Pool2d::output_width(int64_t w) const {
    if (w < options_.kernel_w)
        throw std::invalid_argument("Pool2d: input width " + std::to_string(w) +
                                    " is smaller than the kernel " + std::to_string(options_.kernel_w));
    return (w - options_.kernel_w) / options_.stride_w + 1;
}

const Tensor& Pool2d::forward(const Tensor& x, Mode mode) {
    if (x.rank() != 4)
        throw std::invalid_argument("Pool2d: input has shape " + shape_to_string(x.shape()) +
                                    ", expected [B, C, H, W]");
    const int64_t H = x.dim(2), W = x.dim(3);
    const int64_t OH = output_height(H), OW = output_width(W);
    if (H * W > INT32_MAX) throw std::invalid_argument("Pool2d: plane too large");
    const int64_t planes = x.dim(0) * x.dim(1);
    const int kh = options_.kernel_h, kw = options_.kernel_w;
    const int sh = options_.stride_h, sw = options_.stride_w;
    output_.resize({x.dim(0), x.dim(1), OH, OW});
    const bool keep = mode == Mode::Train && options_.op == PoolOp::Max;
    if (keep) argmax_.resize(static_cast<size_t>(planes * OH * OW));

    if (options_.op == PoolOp::Max) {
#pragma omp parallel for schedule(static)
        for (int64_t n = 0; n < planes; ++n) {
            const float* in = x.data() + n * H * W;
            float* out = output_.data() + n * OH * OW;
            int32_t* arg = keep ? argmax_.data() + n * OH * OW : nullptr;
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    int64_t best = (oh * sh) * W + ow * sw;
                    float peak = in[best];
                    for (int i = 0; i < kh; ++i) {
                        const int64_t row = (oh * sh + i) * W + ow * sw;
                        for (int j = 0; j < kw; ++j)
                            if (in[row + j] > peak) { // first maximum wins, as in PyTorch
                                peak = in[row + j];
                                best = row + j;
                            }
                    }
                    out[oh * OW + ow] = peak;
                    if (arg) arg[oh * OW + ow] = static_cast<int32_t>(best);
                }
        }
    } else {
        const float inv = 1.0f / static_cast<float>(kh * kw);
#pragma omp parallel for schedule(static)
        for (int64_t n = 0; n < planes; ++n) {
            const float* in = x.data() + n * H * W;
            float* out = output_.data() + n * OH * OW;
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    float sum = 0.0f;
                    for (int i = 0; i < kh; ++i) {
                        const float* row = in + (oh * sh + i) * W + ow * sw;
                        for (int j = 0; j < kw; ++j) sum += row[j];
                    }
                    out[oh * OW + ow] = sum * inv;
                }
        }
    }
    if (mode == Mode::Train) input_shape_ = x.shape();
    return output_;
}

const Tensor& Pool2d::backward(const Tensor& dy) {
    if (input_shape_.empty()) throw std::logic_error("Pool2d::backward without a Train-mode forward");
    const int64_t H = input_shape_[2], W = input_shape_[3];
    const int64_t OH = output_height(H), OW = output_width(W);
    const Shape expected = {input_shape_[0], input_shape_[1], OH, OW};
    if (dy.shape() != expected)
        throw std::invalid_argument("Pool2d::backward: gradient " + shape_to_string(dy.shape()) +
                                    " does not match output " + shape_to_string(expected));
    const int64_t planes = input_shape_[0] * input_shape_[1];
    const int kh = options_.kernel_h, kw = options_.kernel_w;
    const int sh = options_.stride_h, sw = options_.stride_w;
    grad_input_.resize(input_shape_);

#pragma omp parallel for schedule(static)
    for (int64_t n = 0; n < planes; ++n) {
        float* dx = grad_input_.data() + n * H * W;
        const float* g = dy.data() + n * OH * OW;
        for (int64_t i = 0; i < H * W; ++i) dx[i] = 0.0f;
        if (options_.op == PoolOp::Max) {
            const int32_t* arg = argmax_.data() + n * OH * OW;
            for (int64_t o = 0; o < OH * OW; ++o) dx[arg[o]] += g[o];
        } else {
            const float inv = 1.0f / static_cast<float>(kh * kw);
            for (int64_t oh = 0; oh < OH; ++oh)
                for (int64_t ow = 0; ow < OW; ++ow) {
                    const float v = g[oh * OW + ow] * inv;
                    for (int i = 0; i < kh; ++i) {
                        float* row = dx + (oh * sh + i) * W + ow * sw;
                        for (int j = 0; j < kw; ++j) row[j] += v;
                    }
                }
        }
    }
    return grad_input_;
}

} // namespace emotion::nn
