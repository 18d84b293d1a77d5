#include "nn/conv_stage.h"

#include <stdexcept>
#include <string>

namespace emotion::nn {

int ConvStageOptions::out_channels() const {
    int sum = 0;
    for (const auto& branch : convs) sum += branch.out_channels;
    return sum;
}

int64_t pooled_size(int64_t n, int kernel, int stride) {
    if (n < kernel)
        throw std::invalid_argument("conv stage: a pool of " + std::to_string(kernel) + " on a map of " +
                                    std::to_string(n));
    return (n - kernel) / stride + 1;
}

ConvStage::ConvStage(Context& context, int in_channels, const ConvStageOptions& stage_options)
    : options(stage_options), in_channels(in_channels),
      bn(stage_options.out_channels(), stage_options.bn_eps, stage_options.bn_momentum) {
    if (options.convs.empty()) throw std::invalid_argument("conv stage: no convolution");
    for (const auto& branch : options.convs)
        convs.push_back(std::make_unique<Conv2d>(context, in_channels, branch.out_channels, branch.options));
    if (options.pool) {
        const Pool2dOptions& p = *options.pool;
        if (p.kernel_h <= 0 || p.kernel_w <= 0 || p.kernel_h * p.kernel_w > 121)
            throw std::invalid_argument("conv stage: pool kernels must be positive and at most 121 values");
        if (p.stride_h != p.kernel_h || p.stride_w != p.kernel_w)
            throw std::invalid_argument("conv stage: pool strides must equal the kernel");
    }
}

int ConvStage::first_channel(size_t j) const {
    int first = 0;
    for (size_t i = 0; i < j; ++i) first += convs[i]->out_channels();
    return first;
}

StageEpilogue ConvStage::epilogue() const {
    StageEpilogue e;
    e.activation = options.activation;
    e.pool = options.pool ? options.pool->op : PoolOp::Average;
    e.kernel_h = options.pool ? options.pool->kernel_h : 1;
    e.kernel_w = options.pool ? options.pool->kernel_w : 1;
    return e;
}

void ConvStage::check_branch_sizes(int64_t h, int64_t w) const {
    for (const auto& conv : convs)
        if (conv->output_height(h) != convs[0]->output_height(h) ||
            conv->output_width(w) != convs[0]->output_width(w))
            throw std::invalid_argument("conv stage: its convolutions map " + std::to_string(h) + " x " +
                                        std::to_string(w) + " to different sizes");
}

int64_t ConvStage::output_height(int64_t h) const {
    const int64_t c = convs[0]->output_height(h);
    return options.pool ? pooled_size(c, options.pool->kernel_h, options.pool->stride_h) : c;
}

int64_t ConvStage::output_width(int64_t w) const {
    const int64_t c = convs[0]->output_width(w);
    return options.pool ? pooled_size(c, options.pool->kernel_w, options.pool->stride_w) : c;
}

} // namespace emotion::nn
