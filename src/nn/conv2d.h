// 2-D convolution over NCHW tensors (PyTorch nn.Conv2d, weight [out, in, kH, kW], optional bias)
// with per-side padding, so MODELS.md's "same" padding for even kernels (10: 4/5) is one layer.
// oneDNN convolution with `format_tag::any` for source, weights and destination: the primitive
// picks its blocked layouts and the layer reorders from / to the user's NCHW only where the
// chosen layout differs. Primitives are built once per input shape and cached (up to 8 shapes;
// the cache is emptied when a ninth appears).
#pragma once

#include <map>
#include <memory>

#include "nn/context.h"
#include "nn/parameter.h"
#include "nn/rng.h"

namespace emotion::nn {

struct Conv2dOptions {
    int kernel_h = 1, kernel_w = 1;
    int stride_h = 1, stride_w = 1;
    // Zero padding before (top / left) and after (bottom / right) each spatial axis.
    int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
    bool bias = true;

    // kernel kh x kw, symmetric padding `padding`, stride `stride`.
    static Conv2dOptions square(int kernel, int padding = 0, int stride = 1, bool bias = true);
    // MODELS.md "same" padding, stride 1: a kernel of size k pads floor((k-1)/2) before and the
    // rest after (10: 4/5, 2: 0/1, 8: 3/4, 3: 1/1).
    static Conv2dOptions same(int kernel_h, int kernel_w, bool bias = true);
};

class Conv2d {
public:
    Conv2d(Context& context, int in_channels, int out_channels, const Conv2dOptions& options);
    ~Conv2d();
    Conv2d(const Conv2d&) = delete;
    Conv2d& operator=(const Conv2d&) = delete;

    int in_channels() const { return in_; }
    int out_channels() const { return out_; }
    const Conv2dOptions& options() const { return options_; }
    bool has_bias() const { return options_.bias; }
    // Output spatial size for an input of h x w (throws when the kernel does not fit).
    int64_t output_height(int64_t h) const;
    int64_t output_width(int64_t w) const;

    Parameter weight; // [out, in, kH, kW]
    Parameter bias;   // [out] (empty without bias)

    ParameterTable parameters();
    // PyTorch's default: kaiming_uniform(a = sqrt(5)) weights and bias, both U(-b, b) with
    // b = 1 / sqrt(in * kH * kW).
    void init_default(Rng& rng);

    // x [B, in, H, W] -> y [B, out, H', W'].
    const Tensor& forward(const Tensor& x, Mode mode = Mode::Infer);
    // Writes the output into `y` (resized) instead of the layer's own tensor.
    void forward_into(const Tensor& x, Tensor& y, Mode mode = Mode::Infer);
    // dy [B, out, H', W'] -> dx [B, in, H, W]; accumulates weight / bias grads. Uses the input
    // of the last Train-mode forward.
    const Tensor& backward(const Tensor& dy);
    // Same with the input given explicitly.
    const Tensor& backward(const Tensor& x, const Tensor& dy);
    // Parameter gradients only (no dx): for a first layer whose input needs no gradient.
    void backward_weights(const Tensor& x, const Tensor& dy);
    // Same with the input of the last Train-mode forward.
    void backward_weights(const Tensor& dy);

private:
    struct Plan;
    Plan& plan_for(const Shape& input_shape);
    void accumulate_weight_grads(Plan& plan, const dnnl::memory& src, const dnnl::memory& diff_dst);

    Context& context_;
    int in_, out_;
    Conv2dOptions options_;
    Tensor input_; // saved in Train mode
    Tensor output_, grad_input_;
    std::map<Shape, std::unique_ptr<Plan>> plans_;
};

} // namespace emotion::nn
