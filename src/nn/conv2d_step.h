// The training primitives of one Conv2d for one input shape, on activations the caller owns in
// the primitives' own layouts (M2's training path keeps nChw16c from layer to layer, where
// Conv2d itself reorders to and from NCHW around every call and copies its input for backward).
// Forward, backward-weights and backward-data agree on the source / destination layouts, so one
// buffer serves all three; only the small weight tensors are reordered. Scratchpads are
// user-managed: one buffer per step instead of an allocation per execution.
#pragma once

#include "nn/conv2d.h"
#include "nn/layout.h"

namespace emotion::nn {

class Conv2dStep {
public:
    // `src` may be format_tag::any (the primitive picks) or a concrete layout; the destination
    // is the primitive's choice, or plain NCHW with `plain_dst`.
    Conv2dStep(Context& context, Conv2d& conv, const dnnl::memory::desc& src, bool plain_dst = false);

    const dnnl::memory::desc& src_desc() const { return src_; }
    const dnnl::memory::desc& dst_desc() const { return dst_; }

    void forward(const dnnl::memory& src, const dnnl::memory& dst);
    // Accumulates the weight / bias grads of the conv.
    void backward_weights(const dnnl::memory& src, const dnnl::memory& diff_dst);
    // diff_src in src_desc(); built on first use (M2's first layer needs it only for the input
    // gradient, where oneDNN has just a reference kernel for one input channel).
    void backward_data(const dnnl::memory& diff_dst, const dnnl::memory& diff_src);

private:
    dnnl::memory scratch(const dnnl::memory::desc& desc);

    Context& context_;
    Conv2d& conv_;
    dnnl::memory::dims weight_dims_, strides_, padding_l_, padding_r_;
    dnnl::memory::desc src_, dst_, user_weights_, bias_;
    dnnl::convolution_forward::primitive_desc forward_pd_;
    dnnl::convolution_forward forward_;
    Stage weights_;
    dnnl::convolution_backward_weights backward_weights_;
    Stage diff_weights_;
    Tensor diff_weight_, diff_bias_;
    bool has_backward_data_ = false;
    dnnl::convolution_backward_data backward_data_;
    Stage data_weights_;
    dnnl::memory::desc weights_scratch_, data_scratch_;
    dnnl::memory scratchpad_; // shared by the three primitives (run one at a time)
};

} // namespace emotion::nn
