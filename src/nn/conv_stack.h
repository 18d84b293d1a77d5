// A stack of convolution stages (nn/conv_stage.h: convolutions + BatchNorm2d + activation +
// optional pool), the CNN that M2 and M3 share. The stack owns the layers; models name their
// parameters (stage(i).convs[j], stage(i).bn) and add what is their own (heads, attention,
// recurrent and transformer parts).
//
// One forward with a mode flag:
//  - Infer: BatchNorm's running statistics folded into the convolutions, the activation as a
//    post-op, activations in oneDNN's blocked layouts (nn/folded_conv_plan.h); one plan per
//    input shape, the least recently used dropped beyond a count and a byte bound.
//  - Train: BatchNorm + activation + pool fused on blocked layouts, gradients written in place
//    (nn/blocked_train_plan.h); one plan, rebuilt when the input shape changes (its activations
//    are the bulk of training memory).
// The two kinds never coexist: a Train-mode forward drops the inference plans, an Infer-mode
// forward the training plan (M2's training plan and its validation plans took 0.76 + 0.4 GB
// together at batch 64). Training and validation alternate by epochs, so each is rebuilt once
// per epoch at most.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "nn/conv_stage.h"
#include "nn/tensor.h"

namespace emotion::nn {

class BlockedTrainPlan;
class FoldedConvPlan;

struct ConvStackOptions {
    int in_channels = 1;
    // Only the first stage may have several convolutions.
    std::vector<ConvStageOptions> stages;
    // Inference plans (one per input shape) kept, least recently used dropped first: at most this
    // many, and at most this many bytes of activations together (a plan for a batch of long
    // inputs can take hundreds of MB; many short ones little).
    size_t max_inference_plans = 4;
    size_t max_inference_bytes = size_t{256} << 20;
};

class ConvStack {
public:
    ConvStack(Context& context, const ConvStackOptions& options);
    ~ConvStack();
    ConvStack(const ConvStack&) = delete;
    ConvStack& operator=(const ConvStack&) = delete;

    size_t size() const { return stages_.size(); }
    ConvStage& stage(size_t i) { return *stages_.at(i); }
    const ConvStage& stage(size_t i) const { return *stages_.at(i); }
    int out_channels() const { return stages_.back()->options.out_channels(); }
    std::vector<BatchNorm2d*> batch_norms(); // in stage order
    // PyTorch defaults, stage by stage: each convolution (reset_parameters), then the BatchNorm.
    void init_default(Rng& rng);

    // x [B, in, H, W] -> y [B, C, H', W'] (NCHW). Train mode uses the batch statistics, updates
    // the running ones and keeps what backward needs. The result stays valid until the next
    // forward (also as output()).
    const Tensor& forward(const Tensor& x, Mode mode);
    const Tensor& output() const { return *output_; }
    // Inference plans kept and their activation bytes.
    size_t inference_plans() const { return plans_.size(); }
    size_t inference_plan_bytes() const;

    // After a Train-mode forward: dy (the output's shape) -> accumulates every parameter
    // gradient, and d loss / d x when the input gradient is enabled.
    void backward(const Tensor& dy);
    // Compute d loss / d input in backward too (off by default: training does not need it).
    void set_input_gradient(bool enabled) { want_input_grad_ = enabled; }
    bool input_gradient_enabled() const { return want_input_grad_; }
    const Tensor& input_gradient() const { return grad_input_; }

private:
    const Tensor& forward_infer(const Tensor& x);

    Context& context_;
    struct CachedPlan {
        std::unique_ptr<FoldedConvPlan> plan;
        uint64_t last_use = 0;
    };
    void make_room_for(size_t bytes);

    size_t max_plans_, max_plan_bytes_;
    uint64_t uses_ = 0;
    std::vector<std::unique_ptr<ConvStage>> stages_;
    std::unique_ptr<BlockedTrainPlan> train_plan_;
    std::map<Shape, CachedPlan> plans_;
    Tensor own_output_, grad_input_;
    const Tensor* output_ = &own_output_;
    bool want_input_grad_ = false;
    bool trained_forward_ = false;
};

} // namespace emotion::nn
