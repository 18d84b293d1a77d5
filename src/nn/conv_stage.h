// One stage of a ConvStack (nn/conv_stack.h): convolutions reading the same input, whose outputs
// are concatenated along channels (usually one; M2's first stage has a 10x2 and a 2x8 kernel
// side by side), one BatchNorm2d over all their channels, an activation and an optional pool.
// The stage owns the layers (and so the parameters); the plans of nn/folded_conv_plan.h and
// nn/blocked_train_plan.h run them.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "nn/batchnorm.h"
#include "nn/bn_act_pool.h"
#include "nn/conv2d.h"
#include "nn/pool2d.h"

namespace emotion::nn {

struct ConvBranch {
    int out_channels = 0;
    Conv2dOptions options;
};

struct ConvStageOptions {
    std::vector<ConvBranch> convs;
    ConvActivation activation = ConvActivation::ReLU;
    std::optional<Pool2dOptions> pool; // none: no pooling; else stride = kernel
    float bn_eps = 1e-5f, bn_momentum = 0.1f;

    int out_channels() const; // all branches
};

struct ConvStage {
    ConvStage(Context& context, int in_channels, const ConvStageOptions& stage_options);

    ConvStageOptions options;
    int in_channels;
    std::vector<std::unique_ptr<Conv2d>> convs;
    BatchNorm2d bn;

    // First channel of branch `j` in the stage's output and in bn.
    int first_channel(size_t j) const;
    // Activation and pooling as the fused kernels of nn/bn_act_pool.h run them (no pool: an
    // average over 1 x 1).
    StageEpilogue epilogue() const;
    // Throws unless every convolution maps an h x w input to one size (their outputs are
    // concatenated).
    void check_branch_sizes(int64_t h, int64_t w) const;
    // Output size of an input of h x w (after the convolutions and the pool).
    int64_t output_height(int64_t h) const;
    int64_t output_width(int64_t w) const;
};

// Output size of pooling n values with `kernel` and `stride` (floor); throws when the kernel does
// not fit.
int64_t pooled_size(int64_t n, int kernel, int stride);

} // namespace emotion::nn
