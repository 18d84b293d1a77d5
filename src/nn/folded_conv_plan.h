// The inference primitives of a ConvStack for one input shape. Each stage's BatchNorm (running
// statistics) is folded into its convolutions, the activation is the convolutions' post-op,
// pooling runs on the primitives' own (blocked) layouts, branch outputs are concatenated straight
// into the next convolution's source layout, and one reorder (or copy) gives NCHW at the end:
//
//   x (NCHW) -> [conv (+ BN, activation) -> pool] per branch -> concat or reorder to the next
//   convolution's source layout, if it differs -> ... -> last stage -> NCHW
#pragma once

#include <memory>
#include <vector>

#include "nn/conv_stack_plan.h"

namespace emotion::nn {

// Folds BatchNorm channels first .. first + conv.out_channels() - 1, whose running-statistics
// transform is y = scale * x + shift (BatchNorm2d::inference_affine), into the convolution:
// weight' = weight * scale, bias' = bias * scale + shift (per output channel). Resizes the
// outputs to the convolution's weight and bias shapes.
void fold_batch_norm(const Conv2d& conv, const std::vector<float>& scale, const std::vector<float>& shift,
                     int first, Tensor& weight, Tensor& bias);

class FoldedConvPlan : public ConvStackPlan {
public:
    // `stages` must outlive the plan; their parameters are read (and folded) at every run.
    FoldedConvPlan(Context& context, const std::vector<std::unique_ptr<ConvStage>>& stages,
                   const Shape& input);
    ~FoldedConvPlan();
    FoldedConvPlan(const FoldedConvPlan&) = delete;
    FoldedConvPlan& operator=(const FoldedConvPlan&) = delete;

    const Shape& output_shape() const { return output_shape_; }
    // The activation buffers it holds (what a cache of plans should bound).
    size_t bytes() const { return bytes_; }
    // x (the plan's input shape, NCHW) -> y (resized to output_shape(), NCHW).
    void run(const Tensor& x, Tensor& y);

private:
    struct Conv;
    struct Pool;
    struct Link;
    struct StagePlan;

    Shape output_shape_;
    size_t bytes_ = 0;
    std::vector<StagePlan> plans_;
    std::vector<float> scale_, shift_;
};

} // namespace emotion::nn
