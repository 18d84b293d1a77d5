// Softmax cross-entropy over logits [B, K] with integer targets (PyTorch F.cross_entropy,
// reduction mean, ignore_index -1): loss = mean over rows with target >= 0 of
// -log softmax(logits)[target]. Rows with target -1 (unknown label) contribute nothing; with no
// labelled row the loss and gradient are 0 (PyTorch would return NaN).
#pragma once

#include <vector>

#include "nn/tensor.h"

namespace emotion::nn {

class SoftmaxCrossEntropy {
public:
    // Returns the loss; keeps the probabilities (softmax of every row, ignored rows included)
    // and the targets for backward.
    float forward(const Tensor& logits, const std::vector<int>& targets);
    const Tensor& probs() const { return probs_; }
    int labelled() const { return labelled_; } // rows with target >= 0 in the last forward

    // d (scale * loss) / d logits = scale (probs - onehot) / labelled, 0 for ignored rows
    // (scale: the task weight of a multitask loss).
    const Tensor& backward(float scale = 1.0f);

private:
    std::vector<int> targets_;
    int labelled_ = 0;
    Tensor probs_, grad_logits_;
};

// Row-wise softmax of x [rows, k] into y (stable: max subtracted; sums and the division in
// double). y may alias x.
void softmax_rows(const float* x, float* y, int64_t rows, int64_t k);
// Same into a new vector (posteriors of logits).
std::vector<float> softmax_rows(const float* x, int64_t rows, int64_t k);

// The attention pools' softmax of scores a[0 .. n), in place: exp in float after the max is
// subtracted, the sum in double, then one float reciprocal multiplied in (rounding unlike
// softmax_rows; the pools' outputs, which the shipped models' results depend on, come from it).
void softmax_in_place(float* a, int64_t n);

} // namespace emotion::nn
