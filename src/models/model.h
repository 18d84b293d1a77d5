// The interface the four models of spec/MODELS.md share, so the classifier elements, the
// training loop and the tools handle them alike.
#pragma once

#include <map>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/batchnorm.h"
#include "nn/context.h"
#include "nn/loss.h"
#include "nn/parameter.h"
#include "nn/rng.h"
#include "nn/tensor.h"

namespace emotion::models {

// One mini-batch. Which fields a model reads depends on its input:
//  M1, M3: features [B, T, 36] zero-padded + lengths (raw LLD frames; the model normalises)
//  M2:     features [B, 1, 400, 200] mu-law segments (lengths unused)
//  M4:     features [B, T, 36] + lengths, and tokens (word ids per item, 0 = unknown)
struct Batch {
    nn::Tensor features;
    std::vector<int> lengths;
    std::vector<std::vector<int>> tokens;
    // Class ids per task ("emotion", and for M1 multitask "speaker", "gender"); -1 = unknown.
    std::map<std::string, std::vector<int>> targets;
};

// The training loss of a model with one head (M2, M3, M4): the cross-entropy of `logits` for the
// batch's "emotion" targets (std::invalid_argument naming `model` when it has none); `loss`
// keeps what its backward() needs.
inline float emotion_loss(nn::SoftmaxCrossEntropy& loss, const nn::Tensor& logits, const Batch& batch,
                          const std::string& model) {
    const auto targets = batch.targets.find("emotion");
    if (targets == batch.targets.end())
        throw std::invalid_argument(model + " backward: the batch has no emotion targets");
    return loss.forward(logits, targets->second);
}

class Model {
public:
    virtual ~Model() = default;

    virtual std::string architecture() const = 0; // its descriptor's name (models/architecture.h)
    virtual nlohmann::json config() const = 0;    // enough to rebuild the model
    virtual int num_classes() const = 0;          // K of the emotion head
    // Every saved tensor by PyTorch state_dict name (parameters and buffers).
    virtual nn::ParameterTable parameters() = 0;
    virtual void init(nn::Rng& rng) = 0; // fresh weights (Xavier / PyTorch defaults)

    // Emotion logits [B, K]. Train mode keeps what backward needs (dropout active).
    virtual const nn::Tensor& forward(const Batch& batch, nn::Mode mode) = 0;
    // After a Train-mode forward: computes the training loss for the batch's targets (all tasks
    // the model has heads for), accumulates parameter gradients, returns the loss.
    virtual float backward(const Batch& batch) = 0;
    // The generator of the model's dropout masks (none without dropout): training checkpoints
    // save and restore its state so that a resumed run draws the same masks.
    virtual nn::Rng* dropout_rng() { return nullptr; }
    // The model's BatchNorm layers (none for most), for re-estimating their running statistics.
    virtual std::vector<nn::BatchNorm2d*> batch_norms() { return {}; }
};

} // namespace emotion::models
