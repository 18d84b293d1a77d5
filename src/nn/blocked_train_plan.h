// The Train-mode primitives and activations of a ConvStack for one input shape. Activations stay
// in the layouts the convolutions chose (nChw16c on AVX-512); BatchNorm (batch statistics) +
// activation + pool run fused on them (nn/bn_act_pool.h); backward turns each activation into
// its gradient in place:
//
//   x -> conv(s) of stage 0 -> y[0] (each convolution its channels) -> bn + act + pool -> src[1]
//   -> conv of stage 1 -> y[1] -> ... -> last stage -> output (NCHW)
//
// Backward: y[s] becomes d loss / d y[s] (bn_act_pool_backward), then stage s's backward data
// writes d loss / d src[s] over src[s] once backward weights has read it. Only the first stage
// may have several convolutions (their input gradients are summed).
#pragma once

#include <memory>
#include <vector>

#include "nn/conv_stack_plan.h"
#include "nn/layout.h"

namespace emotion::nn {

class BlockedTrainPlan : public ConvStackPlan {
public:
    // `stages` must outlive the plan.
    BlockedTrainPlan(Context& context, const std::vector<std::unique_ptr<ConvStage>>& stages,
                     const Shape& input);
    ~BlockedTrainPlan();
    BlockedTrainPlan(const BlockedTrainPlan&) = delete;
    BlockedTrainPlan& operator=(const BlockedTrainPlan&) = delete;

    // x (the plan's input shape) -> y (resized, NCHW); records the batch statistics and updates
    // the running ones.
    void forward(const Tensor& x, Tensor& y);
    // dy (shape of y) -> accumulates every parameter gradient; d loss / d x into *dx unless null.
    void backward(const Tensor& dy, Tensor* dx);

private:
    struct StagePlan;

    Tensor input_; // conv backward reads it; the caller's tensor may change before
    Stage x_;      // the input in the first convolutions' source layout (usually NCHW itself)
    std::vector<StagePlan> plans_;
};

} // namespace emotion::nn
