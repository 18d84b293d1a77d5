// 2-D max and average pooling over NCHW tensors without padding, floor mode (PyTorch
// F.max_pool2d / F.avg_pool2d with ceil_mode=False): output = (in - kernel) / stride + 1.
//
// Plain loops, parallel over the B*C planes: on plain NCHW, oneDNN 2.6 uses its jit pooling only
// for small planes and falls back to the reference `simple_nchw` kernel for M2's 400 x 200 and
// 200 x 100 maps (88 ms for one 8 x 16 x 400 x 200 max-pool, against ~1 ms here). Max pooling
// in Train mode keeps each output's arg-max (the first maximum of its window, as PyTorch) for
// backward. The M2 inference plan pools on blocked layouts with oneDNN's jit kernels instead.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/context.h"
#include "nn/parameter.h"

namespace emotion::nn {

enum class PoolOp { Max, Average };

struct Pool2dOptions {
    PoolOp op = PoolOp::Max;
    int kernel_h = 2, kernel_w = 2;
    int stride_h = 2, stride_w = 2;

    // kernel kh x kw with stride equal to the kernel (the pools of M2 and M3).
    static Pool2dOptions of(PoolOp op, int kernel_h, int kernel_w) {
        return {op, kernel_h, kernel_w, kernel_h, kernel_w};
    }
};

class Pool2d {
public:
    explicit Pool2d(const Pool2dOptions& options);
    // Same; the context is not needed (plain loops), accepted so pooling is built like the
    // other layers.
    Pool2d(Context&, const Pool2dOptions& options) : Pool2d(options) {}

    const Pool2dOptions& options() const { return options_; }
    // Output spatial size (floor); throws when the kernel does not fit.
    int64_t output_height(int64_t h) const;
    int64_t output_width(int64_t w) const;

    // x [B, C, H, W] -> y [B, C, H', W'].
    const Tensor& forward(const Tensor& x, Mode mode = Mode::Infer);
    // dy [B, C, H', W'] -> dx [B, C, H, W] for the last Train-mode forward.
    const Tensor& backward(const Tensor& dy);

private:
    Pool2dOptions options_;
    Shape input_shape_;           // of the last Train-mode forward (empty: none yet)
    std::vector<int32_t> argmax_; // max pooling: offset of each output's winner in its plane
    Tensor output_, grad_input_;
};

} // namespace emotion::nn
