#include "nn/conv2d.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/dnnl_compat.h"
#include "nn/init.h"
#include "nn/layout.h"

namespace emotion::nn {

using dnnl::memory;
using tag = memory::format_tag;

namespace {

constexpr size_t kMaxPlans = 8; // cached input shapes

// Output size along one axis of `size` input values ("height" or "width").
int64_t output_size(const char* axis, int64_t size, int pad_before, int pad_after, int kernel, int stride) {
    const int64_t span = size + pad_before + pad_after - kernel;
    if (span < 0)
        throw std::invalid_argument(std::string("Conv2d: input ") + axis + " " + std::to_string(size) +
                                    " is smaller than the padded kernel");
    return span / stride + 1;
}

} // namespace

Conv2dOptions Conv2dOptions::square(int kernel, int padding, int stride, bool bias) {
    Conv2dOptions o;
    o.kernel_h = o.kernel_w = kernel;
    o.stride_h = o.stride_w = stride;
    o.pad_top = o.pad_bottom = o.pad_left = o.pad_right = padding;
    o.bias = bias;
    return o;
}

Conv2dOptions Conv2dOptions::same(int kernel_h, int kernel_w, bool bias) {
    Conv2dOptions o;
    o.kernel_h = kernel_h;
    o.kernel_w = kernel_w;
    o.pad_top = (kernel_h - 1) / 2;
    o.pad_bottom = kernel_h - 1 - o.pad_top;
    o.pad_left = (kernel_w - 1) / 2;
    o.pad_right = kernel_w - 1 - o.pad_left;
    o.bias = bias;
    return o;
}

// Everything for one input shape: forward (training propagation, so backward can use it as a
// hint), backward data / weights built on first use, and the layout stages between the user's
// NCHW / OIHW tensors and the layouts the primitives chose.
struct Conv2d::Plan {
    memory::dims src_dims, weight_dims, bias_dims, dst_dims;
    memory::dims strides, padding_l, padding_r;

    dnnl::convolution_forward::primitive_desc forward_pd;
    dnnl::convolution_forward forward;
    Stage src, weights, dst;

    bool has_backward = false;
    dnnl::convolution_backward_data backward_data;
    Stage bd_diff_dst, bd_weights, bd_diff_src;
    dnnl::convolution_backward_weights backward_weights;
    Stage bw_src, bw_diff_dst, bw_diff_weights;
    Tensor diff_weights; // backward-weights result in OIHW, added to weight.grad
    Tensor diff_bias;
};

Conv2d::Conv2d(Context& context, int in_channels, int out_channels, const Conv2dOptions& options)
    : weight(Shape{out_channels, in_channels, options.kernel_h, options.kernel_w}),
      bias(options.bias ? Parameter(Shape{out_channels}) : Parameter()), context_(context), in_(in_channels),
      out_(out_channels), options_(options) {
    if (in_channels <= 0 || out_channels <= 0 || options.kernel_h <= 0 || options.kernel_w <= 0 ||
        options.stride_h <= 0 || options.stride_w <= 0 || options.pad_top < 0 || options.pad_bottom < 0 ||
        options.pad_left < 0 || options.pad_right < 0)
        throw std::invalid_argument(
            "Conv2d: channels, kernel and stride must be positive and padding non-negative (in " +
            std::to_string(in_channels) + ", out " + std::to_string(out_channels) + ", kernel " +
            std::to_string(options.kernel_h) + "x" + std::to_string(options.kernel_w) + ")");
    if (!options.bias) bias.trainable = false;
}

Conv2d::~Conv2d() = default;

int64_t Conv2d::output_height(int64_t h) const {
    return output_size("height", h, options_.pad_top, options_.pad_bottom, options_.kernel_h,
                       options_.stride_h);
}

int64_t Conv2d::output_width(int64_t w) const {
    return output_size("width", w, options_.pad_left, options_.pad_right, options_.kernel_w,
                       options_.stride_w);
}

ParameterTable Conv2d::parameters() {
    ParameterTable table{{"weight", &weight}};
    if (options_.bias) table.push_back({"bias", &bias});
    return table;
}

void Conv2d::init_default(Rng& rng) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(in_) * options_.kernel_h * options_.kernel_w);
    uniform(weight.value, -bound, bound, rng);
    if (options_.bias) uniform(bias.value, -bound, bound, rng);
}

Conv2d::Plan& Conv2d::plan_for(const Shape& shape) {
    if (shape.size() != 4 || shape[1] != in_)
        throw std::invalid_argument("Conv2d: input has shape " + shape_to_string(shape) + ", expected [B, " +
                                    std::to_string(in_) + ", H, W]");
    auto found = plans_.find(shape);
    if (found != plans_.end()) return *found->second;
    // Variable-length inputs (M3's time axis) would otherwise keep a plan, with its layout
    // buffers, for every length ever seen.
    if (plans_.size() >= kMaxPlans) plans_.clear();

    auto plan = std::make_unique<Plan>();
    auto& p = *plan;
    const auto& engine = context_.engine();
    p.src_dims = to_dims(shape);
    p.weight_dims = {out_, in_, options_.kernel_h, options_.kernel_w};
    p.dst_dims = {shape[0], out_, output_height(shape[2]), output_width(shape[3])};
    if (options_.bias) p.bias_dims = {out_};
    p.strides = {options_.stride_h, options_.stride_w};
    p.padding_l = {options_.pad_top, options_.pad_left};
    p.padding_r = {options_.pad_bottom, options_.pad_right};

    const auto any = [](const memory::dims& dims) {
        return memory::desc(dims, memory::data_type::f32, tag::any);
    };
    const memory::desc bias_desc =
        options_.bias ? memory::desc(p.bias_dims, memory::data_type::f32, tag::x) : memory::desc();
    p.forward_pd = compat::convolution_forward_pd(engine, dnnl::prop_kind::forward_training, any(p.src_dims),
                                                  any(p.weight_dims), bias_desc, any(p.dst_dims), p.strides,
                                                  p.padding_l, p.padding_r);
    p.forward = dnnl::convolution_forward(p.forward_pd);
    p.src.init(engine, plain_desc(p.src_dims), p.forward_pd.src_desc());
    p.weights.init(engine, plain_desc(p.weight_dims), p.forward_pd.weights_desc());
    p.dst.init(engine, plain_desc(p.dst_dims), p.forward_pd.dst_desc());
    return *plans_.emplace(shape, std::move(plan)).first->second;
}

void Conv2d::forward_into(const Tensor& x, Tensor& y, Mode mode) {
    auto& p = plan_for(x.shape());
    const auto& engine = context_.engine();
    y.resize(Shape(p.dst_dims.begin(), p.dst_dims.end()));
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, p.src.in(context_, x.memory(engine, plain_desc(p.src_dims)))},
        {DNNL_ARG_WEIGHTS, p.weights.in(context_, weight.value.memory(engine, plain_desc(p.weight_dims)))},
        {DNNL_ARG_DST, p.dst.target(y.memory(engine, plain_desc(p.dst_dims)))},
    };
    if (options_.bias) args[DNNL_ARG_BIAS] = bias.value.memory(engine, plain_desc(p.bias_dims));
    context_.execute(p.forward, args);
    p.dst.out(context_, y.memory(engine, plain_desc(p.dst_dims)));
    if (mode == Mode::Train) input_.copy_from(x);
}

const Tensor& Conv2d::forward(const Tensor& x, Mode mode) {
    forward_into(x, output_, mode);
    return output_;
}

const Tensor& Conv2d::backward(const Tensor& dy) {
    if (input_.empty()) throw std::logic_error("Conv2d::backward without a Train-mode forward");
    return backward(input_, dy);
}

void Conv2d::accumulate_weight_grads(Plan& p, const memory& src, const memory& diff_dst) {
    const auto& engine = context_.engine();
    const memory user_dw = p.diff_weights.memory(engine, plain_desc(p.weight_dims));
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, p.bw_src.in(context_, src)},
        {DNNL_ARG_DIFF_DST, p.bw_diff_dst.in(context_, diff_dst)},
        {DNNL_ARG_DIFF_WEIGHTS, p.bw_diff_weights.target(user_dw)},
    };
    if (options_.bias) args[DNNL_ARG_DIFF_BIAS] = p.diff_bias.memory(engine, plain_desc(p.bias_dims));
    context_.execute(p.backward_weights, args);
    p.bw_diff_weights.out(context_, user_dw);

    if (weight.trainable) {
        float* g = weight.grad.data();
        const float* d = p.diff_weights.data();
        for (int64_t i = 0; i < weight.grad.size(); ++i) g[i] += d[i];
    }
    if (options_.bias && bias.trainable) {
        float* g = bias.grad.data();
        const float* d = p.diff_bias.data();
        for (int o = 0; o < out_; ++o) g[o] += d[o];
    }
}

const Tensor& Conv2d::backward(const Tensor& x, const Tensor& dy) {
    auto& p = plan_for(x.shape());
    if (dy.shape() != Shape(p.dst_dims.begin(), p.dst_dims.end()))
        throw std::invalid_argument("Conv2d::backward: gradient " + shape_to_string(dy.shape()) +
                                    " does not match output " +
                                    shape_to_string(Shape(p.dst_dims.begin(), p.dst_dims.end())));
    backward_weights(x, dy);
    const auto& engine = context_.engine();
    grad_input_.resize(x.shape());
    const memory user_dx = grad_input_.memory(engine, plain_desc(p.src_dims));
    // Backward weights has just reordered dy; reuse it when backward data wants the same layout.
    const bool reuse = p.bd_diff_dst.needed() && p.bw_diff_dst.needed() &&
                       p.bd_diff_dst.buffer().get_desc() == p.bw_diff_dst.buffer().get_desc();
    const memory user_dy = dy.memory(engine, plain_desc(p.dst_dims));
    context_.execute(
        p.backward_data,
        {{DNNL_ARG_DIFF_DST, reuse ? p.bw_diff_dst.buffer() : p.bd_diff_dst.in(context_, user_dy)},
         {DNNL_ARG_WEIGHTS,
          p.bd_weights.in(context_, weight.value.memory(engine, plain_desc(p.weight_dims)))},
         {DNNL_ARG_DIFF_SRC, p.bd_diff_src.target(user_dx)}});
    p.bd_diff_src.out(context_, user_dx);
    return grad_input_;
}

void Conv2d::backward_weights(const Tensor& dy) {
    if (input_.empty()) throw std::logic_error("Conv2d::backward without a Train-mode forward");
    backward_weights(input_, dy);
}

void Conv2d::backward_weights(const Tensor& x, const Tensor& dy) {
    auto& p = plan_for(x.shape());
    if (dy.shape() != Shape(p.dst_dims.begin(), p.dst_dims.end()))
        throw std::invalid_argument("Conv2d::backward: gradient " + shape_to_string(dy.shape()) +
                                    " does not match output " +
                                    shape_to_string(Shape(p.dst_dims.begin(), p.dst_dims.end())));
    const auto& engine = context_.engine();
    if (!p.has_backward) {
        const auto any = [](const memory::dims& dims) {
            return memory::desc(dims, memory::data_type::f32, tag::any);
        };
        const memory::desc bias_desc =
            options_.bias ? memory::desc(p.bias_dims, memory::data_type::f32, tag::x) : memory::desc();
        auto bd_pd =
            compat::convolution_backward_data_pd(engine, any(p.src_dims), any(p.weight_dims), any(p.dst_dims),
                                                 p.strides, p.padding_l, p.padding_r, p.forward_pd);
        p.backward_data = dnnl::convolution_backward_data(bd_pd);
        p.bd_diff_dst.init(engine, plain_desc(p.dst_dims), bd_pd.diff_dst_desc());
        p.bd_weights.init(engine, plain_desc(p.weight_dims), bd_pd.weights_desc());
        p.bd_diff_src.init(engine, plain_desc(p.src_dims), bd_pd.diff_src_desc());

        auto bw_pd = compat::convolution_backward_weights_pd(engine, any(p.src_dims), any(p.weight_dims),
                                                             bias_desc, any(p.dst_dims), p.strides,
                                                             p.padding_l, p.padding_r, p.forward_pd);
        p.backward_weights = dnnl::convolution_backward_weights(bw_pd);
        p.bw_src.init(engine, plain_desc(p.src_dims), bw_pd.src_desc());
        p.bw_diff_dst.init(engine, plain_desc(p.dst_dims), bw_pd.diff_dst_desc());
        p.bw_diff_weights.init(engine, plain_desc(p.weight_dims), bw_pd.diff_weights_desc());
        p.diff_weights.resize(weight.value.shape());
        if (options_.bias) p.diff_bias.resize({out_});
        p.has_backward = true;
    }
    accumulate_weight_grads(p, x.memory(engine, plain_desc(p.src_dims)),
                            dy.memory(engine, plain_desc(p.dst_dims)));
}

} // namespace emotion::nn
