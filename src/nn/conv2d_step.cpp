#include "nn/conv2d_step.h"

#include <stdexcept>

#include "nn/dnnl_compat.h"

namespace emotion::nn {

using dnnl::memory;

namespace {

memory::desc any(const memory::dims& dims) {
    return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
}

dnnl::primitive_attr user_scratchpad() {
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attr;
}

} // namespace

Conv2dStep::Conv2dStep(Context& context, Conv2d& conv, const memory::desc& src, bool plain_dst)
    : context_(context), conv_(conv) {
    const auto& o = conv.options();
    const memory::dims s = src.dims();
    if (s.size() != 4 || s[1] != conv.in_channels())
        throw std::invalid_argument("Conv2dStep: source does not match the convolution");
    weight_dims_ = {conv.out_channels(), conv.in_channels(), o.kernel_h, o.kernel_w};
    const memory::dims dst = {s[0], conv.out_channels(), conv.output_height(s[2]), conv.output_width(s[3])};
    strides_ = {o.stride_h, o.stride_w};
    padding_l_ = {o.pad_top, o.pad_left};
    padding_r_ = {o.pad_bottom, o.pad_right};
    user_weights_ = plain_desc(weight_dims_);
    if (conv.has_bias()) bias_ = plain_desc({conv.out_channels()});
    const auto& engine = context.engine();
    const auto attr = user_scratchpad();
    forward_pd_ = compat::convolution_forward_pd(
        engine, dnnl::prop_kind::forward_training, src, any(weight_dims_), bias_,
        plain_dst ? plain_desc(dst) : any(dst), strides_, padding_l_, padding_r_, attr);
    src_ = forward_pd_.src_desc();
    dst_ = forward_pd_.dst_desc();
    forward_ = dnnl::convolution_forward(forward_pd_);
    weights_.init(engine, user_weights_, forward_pd_.weights_desc());

    // The chosen source / destination layouts are fixed for backward, so it reads the forward's
    // buffers as they are.
    auto bw_pd = compat::convolution_backward_weights_pd(engine, src_, any(weight_dims_), bias_, dst_,
                                                         strides_, padding_l_, padding_r_, forward_pd_, attr);
    backward_weights_ = dnnl::convolution_backward_weights(bw_pd);
    diff_weights_.init(engine, user_weights_, bw_pd.diff_weights_desc());
    diff_weight_.resize(conv.weight.value.shape());
    if (conv.has_bias()) diff_bias_.resize({conv.out_channels()});
    weights_scratch_ = bw_pd.scratchpad_desc();
    scratch(forward_pd_.scratchpad_desc());
    scratch(weights_scratch_);
}

memory Conv2dStep::scratch(const memory::desc& desc) {
    if (!scratchpad_ || scratchpad_.get_desc().get_size() < desc.get_size())
        scratchpad_ = memory(memory::desc({static_cast<memory::dim>(desc.get_size())}, memory::data_type::u8,
                                          memory::format_tag::x),
                             context_.engine());
    return memory(desc, context_.engine(), scratchpad_.get_data_handle());
}

void Conv2dStep::forward(const memory& src, const memory& dst) {
    const auto& engine = context_.engine();
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, src},
        {DNNL_ARG_WEIGHTS, weights_.in(context_, conv_.weight.value.memory(engine, user_weights_))},
        {DNNL_ARG_DST, dst},
        {DNNL_ARG_SCRATCHPAD, scratch(forward_pd_.scratchpad_desc())}};
    if (conv_.has_bias()) args[DNNL_ARG_BIAS] = conv_.bias.value.memory(engine, bias_);
    context_.execute(forward_, args);
}

void Conv2dStep::backward_weights(const memory& src, const memory& diff_dst) {
    const auto& engine = context_.engine();
    const memory user_dw = diff_weight_.memory(engine, user_weights_);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src},
                                         {DNNL_ARG_DIFF_DST, diff_dst},
                                         {DNNL_ARG_DIFF_WEIGHTS, diff_weights_.target(user_dw)},
                                         {DNNL_ARG_SCRATCHPAD, scratch(weights_scratch_)}};
    if (conv_.has_bias()) args[DNNL_ARG_DIFF_BIAS] = diff_bias_.memory(engine, bias_);
    context_.execute(backward_weights_, args);
    diff_weights_.out(context_, user_dw);
    if (conv_.weight.trainable) {
        float* g = conv_.weight.grad.data();
        for (int64_t i = 0; i < diff_weight_.size(); ++i) g[i] += diff_weight_[i];
    }
    if (conv_.has_bias() && conv_.bias.trainable)
        for (int64_t i = 0; i < diff_bias_.size(); ++i) conv_.bias.grad[i] += diff_bias_[i];
}

void Conv2dStep::backward_data(const memory& diff_dst, const memory& diff_src) {
    const auto& engine = context_.engine();
    if (!has_backward_data_) {
        auto pd =
            compat::convolution_backward_data_pd(engine, src_, any(weight_dims_), dst_, strides_, padding_l_,
                                                 padding_r_, forward_pd_, user_scratchpad());
        if (pd.diff_src_desc() != src_ || pd.diff_dst_desc() != dst_)
            throw std::logic_error("Conv2dStep: backward data chose other activation layouts");
        backward_data_ = dnnl::convolution_backward_data(pd);
        data_weights_.init(engine, user_weights_, pd.weights_desc());
        data_scratch_ = pd.scratchpad_desc();
        has_backward_data_ = true;
    }
    context_.execute(
        backward_data_,
        {{DNNL_ARG_DIFF_DST, diff_dst},
         {DNNL_ARG_WEIGHTS, data_weights_.in(context_, conv_.weight.value.memory(engine, user_weights_))},
         {DNNL_ARG_DIFF_SRC, diff_src},
         {DNNL_ARG_SCRATCHPAD, scratch(data_scratch_)}});
}

} // namespace emotion::nn
