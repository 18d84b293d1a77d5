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

Conv2dStep::Conv2dStep(Context& context, Conv2d& conv, const memory::desc& src, memory::format_tag dst,
                       const ChannelSlot& slot)
    : context_(context), conv_(conv), slot_(slot) {
    if (slot_.total == 0) slot_.total = conv.out_channels();
    const memory::dims s = src.dims();
    if (s.size() != 4) throw std::invalid_argument("Conv2dStep: the source must be [N, C, H, W]");
    build(src, memory::desc({s[0], slot_.total, conv.output_height(s[2]), conv.output_width(s[3])},
                            memory::data_type::f32, dst));
}

Conv2dStep::Conv2dStep(Context& context, Conv2d& conv, const memory::desc& src, const memory::desc& dst,
                       const ChannelSlot& slot)
    : context_(context), conv_(conv), slot_(slot) {
    if (slot_.total == 0) slot_.total = conv.out_channels();
    build(src, dst);
}

void Conv2dStep::build(const memory::desc& src, const memory::desc& dst) {
    const Conv2d& conv = conv_;
    const auto& o = conv.options();
    const memory::dims s = src.dims(), d = dst.dims();
    if (s.size() != 4 || s[1] != conv.in_channels())
        throw std::invalid_argument("Conv2dStep: source does not match the convolution");
    if (slot_.first < 0 || slot_.first + conv.out_channels() > slot_.total ||
        (slot_.first == 0 && slot_.accumulate))
        throw std::invalid_argument("Conv2dStep: the channel slot does not fit");
    if (d.size() != 4 || d[0] != s[0] || d[1] != slot_.total || d[2] != conv.output_height(s[2]) ||
        d[3] != conv.output_width(s[3]))
        throw std::invalid_argument("Conv2dStep: destination does not match the convolution");
    weight_dims_ = {slot_.total, conv.in_channels(), o.kernel_h, o.kernel_w};
    strides_ = {o.stride_h, o.stride_w};
    padding_l_ = {o.pad_top, o.pad_left};
    padding_r_ = {o.pad_bottom, o.pad_right};
    user_weights_ = plain_desc(weight_dims_);
    if (conv.has_bias()) bias_ = plain_desc({slot_.total});
    if (slot_.total != conv.out_channels()) {
        wide_weight_.resize({slot_.total, conv.in_channels(), o.kernel_h, o.kernel_w});
        wide_weight_.zero();
        if (conv.has_bias()) {
            wide_bias_.resize({slot_.total});
            wide_bias_.zero();
        }
    }
    const auto& engine = context_.engine();
    auto attr = user_scratchpad();
    if (slot_.accumulate) {
        dnnl::post_ops sum;
        sum.append_sum();
        attr.set_post_ops(sum);
    }
    forward_pd_ =
        compat::convolution_forward_pd(engine, dnnl::prop_kind::forward_training, src, any(weight_dims_),
                                       bias_, dst, strides_, padding_l_, padding_r_, attr);
    src_ = forward_pd_.src_desc();
    dst_ = forward_pd_.dst_desc();
    forward_ = dnnl::convolution_forward(forward_pd_);
    weights_.init(engine, user_weights_, forward_pd_.weights_desc());

    // The chosen source / destination layouts are fixed for backward, so it reads the forward's
    // buffers as they are; except where no kernel of this CPU does (one input channel without
    // AVX-512: the reference kernel took 4-5 s a batch for M2's first stage), then it picks its
    // own and the two are reordered to them.
    auto weights_pd = [&](const memory::desc& src, const memory::desc& diff_dst) {
        return compat::convolution_backward_weights_pd(engine, src, any(weight_dims_), bias_, diff_dst,
                                                       strides_, padding_l_, padding_r_, forward_pd_,
                                                       user_scratchpad());
    };
    auto bw_pd = weights_pd(src_, dst_);
    if (compat::is_reference(bw_pd)) bw_pd = weights_pd(any(src_.dims()), any(dst_.dims()));
    weights_src_.init(engine, src_, bw_pd.src_desc());
    weights_diff_dst_.init(engine, dst_, bw_pd.diff_dst_desc());
    backward_weights_ = dnnl::convolution_backward_weights(bw_pd);
    diff_weights_.init(engine, user_weights_, bw_pd.diff_weights_desc());
    diff_weight_.resize({slot_.total, conv.in_channels(), o.kernel_h, o.kernel_w});
    if (conv.has_bias()) diff_bias_.resize({slot_.total});
    weights_scratch_ = bw_pd.scratchpad_desc();
    scratch(forward_pd_.scratchpad_desc());
    scratch(weights_scratch_);
}

memory Conv2dStep::slot_weights() {
    const auto& engine = context_.engine();
    if (wide_weight_.empty()) return conv_.weight.value.memory(engine, user_weights_);
    const int64_t row = conv_.weight.value.size() / conv_.out_channels();
    std::copy(conv_.weight.value.data(), conv_.weight.value.data() + conv_.weight.value.size(),
              wide_weight_.data() + slot_.first * row);
    return wide_weight_.memory(engine, user_weights_);
}

memory Conv2dStep::slot_bias() {
    const auto& engine = context_.engine();
    if (wide_bias_.empty()) return conv_.bias.value.memory(engine, bias_);
    std::copy(conv_.bias.value.data(), conv_.bias.value.data() + conv_.bias.value.size(),
              wide_bias_.data() + slot_.first);
    return wide_bias_.memory(engine, bias_);
}

memory Conv2dStep::scratch(const memory::desc& desc) {
    if (!scratchpad_ || scratchpad_.get_desc().get_size() < desc.get_size())
        scratchpad_ = memory(memory::desc({static_cast<memory::dim>(desc.get_size())}, memory::data_type::u8,
                                          memory::format_tag::x),
                             context_.engine());
    return memory(desc, context_.engine(), scratchpad_.get_data_handle());
}

void Conv2dStep::forward(const memory& src, const memory& dst) {
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src},
                                         {DNNL_ARG_WEIGHTS, weights_.in(context_, slot_weights())},
                                         {DNNL_ARG_DST, dst},
                                         {DNNL_ARG_SCRATCHPAD, scratch(forward_pd_.scratchpad_desc())}};
    if (conv_.has_bias()) args[DNNL_ARG_BIAS] = slot_bias();
    context_.execute(forward_, args);
}

void Conv2dStep::backward_weights(const memory& src, const memory& diff_dst) {
    const auto& engine = context_.engine();
    const memory user_dw = diff_weight_.memory(engine, user_weights_);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, weights_src_.in(context_, src)},
                                         {DNNL_ARG_DIFF_DST, weights_diff_dst_.in(context_, diff_dst)},
                                         {DNNL_ARG_DIFF_WEIGHTS, diff_weights_.target(user_dw)},
                                         {DNNL_ARG_SCRATCHPAD, scratch(weights_scratch_)}};
    if (conv_.has_bias()) args[DNNL_ARG_DIFF_BIAS] = diff_bias_.memory(engine, bias_);
    context_.execute(backward_weights_, args);
    diff_weights_.out(context_, user_dw);
    // Only the slot's rows: the other channels' zero weights are not parameters.
    if (conv_.weight.trainable) {
        float* g = conv_.weight.grad.data();
        const float* dw = diff_weight_.data() + slot_.first * (diff_weight_.size() / slot_.total);
        for (int64_t i = 0; i < conv_.weight.grad.size(); ++i) g[i] += dw[i];
    }
    if (conv_.has_bias() && conv_.bias.trainable)
        for (int64_t i = 0; i < conv_.bias.grad.size(); ++i)
            conv_.bias.grad[i] += diff_bias_[slot_.first + i];
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
    context_.execute(backward_data_, {{DNNL_ARG_DIFF_DST, diff_dst},
                                      {DNNL_ARG_WEIGHTS, data_weights_.in(context_, slot_weights())},
                                      {DNNL_ARG_DIFF_SRC, diff_src},
                                      {DNNL_ARG_SCRATCHPAD, scratch(data_scratch_)}});
}

} // namespace emotion::nn
