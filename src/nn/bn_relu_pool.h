// BatchNorm2d (batch statistics) + ReLU + k x k max-pool (stride k, floor) fused over
// activations in oneDNN's channel-blocked layouts, for M2's training path: the convolutions
// read and write nChw16c (or nChw8c) directly, and the full-resolution normalised / ReLU maps
// are never stored. Backward recomputes what it needs from the convolution output, which it
// then overwrites with d loss / d conv output (the next operand of the convolution's backward).
//
// ReLU before a max-pool only changes which windows pass a gradient: max(relu(z)) = relu(max z),
// and PyTorch's arg-max on the ReLU map is the first maximum of z when that maximum is > 0 (else
// ReLU's backward drops the gradient). So one byte per pooled value (window index, bit 7 set when
// the maximum is > 0) is all backward keeps. k = 1 is BN + ReLU without pooling.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/batchnorm.h"

namespace emotion::nn {

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

// y = maxpool_k(relu(bn(x))) into y's channels y_first .. y_first + x.C - 1 (y is [N, *, H / k,
// W / k]); codes (one byte per pooled value in x's channel geometry: pooled_code_count) for
// backward.
void bn_relu_pool_forward(const BatchNorm2d& bn, const BatchStatistics& stats, const BlockedMap& x, int first,
                          int k, const BlockedMap& y, int y_first, uint8_t* codes);
int64_t pooled_code_count(const BlockedMap& x, int k);

// Backward of the above for d loss / d y (channels dy_first ..): overwrites x with d loss / d x
// and accumulates the BN's weight / bias grads.
void bn_relu_pool_backward(BatchNorm2d& bn, const BatchStatistics& stats, const BlockedMap& x, int first,
                           int k, const BlockedMap& dy, int dy_first, const uint8_t* codes);

} // namespace emotion::nn
