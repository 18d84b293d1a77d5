// BatchNorm2d (batch statistics) + activation (ReLU or ELU) + pooling (max or average, kh x kw,
// stride = kernel, floor; or none) fused over activations in oneDNN's channel-blocked layouts:
// the training path of every ConvStack stage (M2 and M3). The convolutions read and write
// nChw16c (or nChw8c) directly, and the full-resolution normalised / activated maps are never
// stored. Backward recomputes what it needs from the convolution output, which it then
// overwrites with d loss / d conv output (the next operand of the convolution's backward).
//
// Max-pooling: both activations are monotonic, so max(act(z)) = act(max z), and PyTorch's arg-max
// on the activated map is the first maximum of z (when ReLU zeroes a window, its gradient is
// dropped anyway). One byte per pooled value (window index, bit 7 set when ReLU passes the
// gradient) is all backward keeps. Average pooling keeps nothing: each position's gradient is its
// window's pooled gradient / (kh kw) times act'(z), recomputed.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/batchnorm.h"
#include "nn/pool2d.h"

namespace emotion::nn {

enum class ConvActivation { ReLU, ELU }; // ELU with alpha 1 (PyTorch's default)

// What follows a stage's convolutions: activation, then pooling (kernel 1 x 1: none).
struct StageEpilogue {
    ConvActivation activation = ConvActivation::ReLU;
    PoolOp pool = PoolOp::Max;
    int kernel_h = 1, kernel_w = 1;

    bool pools() const { return kernel_h > 1 || kernel_w > 1; }
    // Bytes backward keeps per pooled value and channel: max-pooling's window codes.
    bool keeps_codes() const { return pool == PoolOp::Max; }
};

// A [N, C, H, W] float map in a blocked layout: channel blocks of `block` lanes (16, 8, or 1 =
// plain NCHW), element (n, c, h, w) at ((((n * blocks + c / block) * H + h) * W + w) * block +
// c % block. Lanes past C in the last block are padding (kept zero).
struct BlockedMap {
    float* data = nullptr;
    int64_t N = 0, C = 0, H = 0, W = 0;
    int block = 1;

    int64_t blocks() const { return (C + block - 1) / block; }
    int64_t size() const { return N * blocks() * H * W * block; }
};

// Per-channel statistics of the last Train forward of one BatchNorm2d (all its channels).
struct BatchStatistics {
    std::vector<float> mean, inv_std;
};

// Batch statistics of x's channels, which are the BN's channels first .. first + x.C - 1:
// records them in `stats` and in the BN's running statistics (BatchNorm2d::forward numerics:
// shifted by the channel's first value, accumulated in double).
void bn_batch_statistics(BatchNorm2d& bn, const BlockedMap& x, int first, BatchStatistics& stats);

// y = pool(act(bn(x))) into y's channels y_first .. y_first + x.C - 1 (y is [N, *, H / kh,
// W / kw]); codes (pooled_code_count bytes; only when the epilogue keeps_codes) for backward.
void bn_act_pool_forward(const BatchNorm2d& bn, const BatchStatistics& stats, const BlockedMap& x, int first,
                         const StageEpilogue& epilogue, const BlockedMap& y, int y_first, uint8_t* codes);
// Codes of max-pooling x with the epilogue's kernel (in x's channel geometry); 0 when it keeps none.
int64_t pooled_code_count(const BlockedMap& x, const StageEpilogue& epilogue);

// Backward of the above for d loss / d y (channels dy_first ..): overwrites x with d loss / d x
// and accumulates the BN's weight / bias grads.
void bn_act_pool_backward(BatchNorm2d& bn, const BatchStatistics& stats, const BlockedMap& x, int first,
                          const StageEpilogue& epilogue, const BlockedMap& dy, int dy_first,
                          const uint8_t* codes);

} // namespace emotion::nn
