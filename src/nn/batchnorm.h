// BatchNorm2d over NCHW tensors (PyTorch nn.BatchNorm2d): Train mode normalises with the batch
// statistics (biased variance) and updates the running statistics with momentum, using the
// unbiased batch variance for running_var; Infer mode uses the running statistics. Backward works
// after either mode (full batch-statistics backward after Train). Plain C++ loops: the layer is
// memory-bound and needs double accumulations that oneDNN does not promise.
#pragma once

#include <vector>

#include "nn/parameter.h"

namespace emotion::nn {

class BatchNorm2d {
public:
    explicit BatchNorm2d(int channels, float eps = 1e-5f, float momentum = 0.1f);

    int channels() const { return channels_; }
    float eps() const { return eps_; }
    float momentum() const { return momentum_; }
    // Weight of the next batch in the running statistics (1: they become that batch's).
    void set_momentum(float momentum) { momentum_ = momentum; }

    Parameter weight;       // [C]
    Parameter bias;         // [C]
    Parameter running_mean; // [C] buffer
    Parameter running_var;  // [C] buffer
    // [1] buffer; PyTorch stores it as int64, here the count as float (exact below 2^24). The
    // safetensors writer / reader of the model files converts (name ends in num_batches_tracked).
    Parameter num_batches_tracked;

    // weight, bias, running_mean, running_var, num_batches_tracked (PyTorch state_dict order).
    ParameterTable parameters();
    // PyTorch's reset: weight 1, bias 0, running mean 0, running var 1, count 0.
    void init_default();

    // x [B, C, H, W] -> y of the same shape. Train: batch statistics, running stats updated.
    const Tensor& forward(const Tensor& x, Mode mode);
    // dy -> dx; accumulates weight / bias grads. Uses the input and mode of the last forward.
    const Tensor& backward(const Tensor& dy);

    // The running-statistics transform as y = scale * x + shift per channel (for folding into a
    // preceding convolution at inference).
    void inference_affine(std::vector<float>& scale, std::vector<float>& shift) const;

    // Batch statistics of channel c over `count` values (mean, biased variance), as the Train
    // forward records them: updates the running statistics and returns 1 / sqrt(var + eps). For
    // fused kernels that compute the moments themselves (bn_act_pool.h); the caller counts the
    // batch in num_batches_tracked.
    float record_batch_statistics(int c, double mean, double var, int64_t count);

private:
    int channels_;
    float eps_, momentum_;
    Mode last_mode_ = Mode::Infer;
    Tensor input_, output_, grad_input_;
    std::vector<float> mean_, inv_std_; // statistics the last forward normalised with
};

} // namespace emotion::nn
