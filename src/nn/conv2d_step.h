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

// Where a convolution writes in a map shared with the other convolutions of its stage: output
// channels first .. first + out_channels - 1 of `total`. The step runs as a convolution to all
// `total` channels whose weights are zero outside its own; all but the stage's first
// convolution add to the map (a sum post-op) instead of overwriting it. The shared map costs no
// extra arithmetic on blocked layouts (a stage of two 8-channel convolutions computes 16 lanes
// per position either way), and half the memory of two maps padded to 16 channels each.
struct ChannelSlot {
    int first = 0;
    int total = 0; // 0: the convolution's own channels
    bool accumulate = false;
};

class Conv2dStep {
public:
    // `src` may be format_tag::any (the primitive picks) or a concrete layout; so may `dst`'s
    // format (its dims are the step's output).
    Conv2dStep(Context& context, Conv2d& conv, const dnnl::memory::desc& src, dnnl::memory::format_tag dst,
               const ChannelSlot& slot = {});
    // The same with a concrete destination descriptor (another step's dst_desc()).
    Conv2dStep(Context& context, Conv2d& conv, const dnnl::memory::desc& src, const dnnl::memory::desc& dst,
               const ChannelSlot& slot);

    const dnnl::memory::desc& src_desc() const { return src_; }
    const dnnl::memory::desc& dst_desc() const { return dst_; }

    void forward(const dnnl::memory& src, const dnnl::memory& dst);
    // Accumulates the weight / bias grads of the conv.
    void backward_weights(const dnnl::memory& src, const dnnl::memory& diff_dst);
    // diff_src in src_desc(); built on first use (M2's first layer needs it only for the input
    // gradient, where oneDNN has just a reference kernel for one input channel).
    void backward_data(const dnnl::memory& diff_dst, const dnnl::memory& diff_src);

private:
    void build(const dnnl::memory::desc& src, const dnnl::memory::desc& dst);
    dnnl::memory scratch(const dnnl::memory::desc& desc);
    // The weights (and bias) as the primitives see them: the conv's own, or placed in the slot's
    // rows of a zero tensor of `total` output channels.
    dnnl::memory slot_weights();
    dnnl::memory slot_bias();

    Context& context_;
    Conv2d& conv_;
    ChannelSlot slot_;
    Tensor wide_weight_, wide_bias_; // slot_weights / slot_bias when the slot is wider
    dnnl::memory::dims weight_dims_, strides_, padding_l_, padding_r_;
    dnnl::memory::desc src_, dst_, user_weights_, bias_;
    dnnl::convolution_forward::primitive_desc forward_pd_;
    dnnl::convolution_forward forward_;
    Stage weights_;
    dnnl::convolution_backward_weights backward_weights_;
    Stage weights_src_, weights_diff_dst_; // to backward-weights' own layouts, where they differ
    Stage diff_weights_;
    Tensor diff_weight_, diff_bias_;
    bool has_backward_data_ = false;
    dnnl::convolution_backward_data backward_data_;
    Stage data_weights_;
    dnnl::memory::desc weights_scratch_, data_scratch_;
    dnnl::memory scratchpad_; // shared by the three primitives (run one at a time)
};

} // namespace emotion::nn
