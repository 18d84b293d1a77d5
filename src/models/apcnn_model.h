// M2 `apcnn`: attention-pooling CNN on mu-law spectrogram segments (spec/MODELS.md M2; PyTorch
// reference shared/reference/pytorch/reference_models.py `APCNN`).
//
//   x [B, 1, 400, 200] -> conv1a (10x2) | conv1b (2x8), "same" padded, concatenated -> bn1, ReLU,
//   max-pool 2x2 -> {conv2, conv3, conv4} 3x3 + BN + ReLU + max-pool 2x2 -> conv5 3x3 + bn5 +
//   ReLU [B, 80, 25, 12] -> att (attention pooling) or gap (global average + fc) -> logits [B, K]
//
// The CNN up to conv5 is an nn::ConvStack: Train mode runs BN + ReLU + max-pool fused on
// oneDNN's blocked layouts with gradients written in place, Infer mode BatchNorm folded into the
// convolutions (nn/conv_stack.h). The model adds the head.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/model.h"
#include "models/speaker_normalization.h"
#include "nn/attention_pool2d.h"
#include "nn/conv_stack.h"
#include "nn/linear.h"
#include "nn/loss.h"

namespace emotion::models {

struct ApcnnConfig {
    int K = 4;
    std::string pooling = "att"; // "att" or "gap"
    std::vector<int> channels = {16, 32, 48, 64, 80};
    float bn_eps = 1e-5f;
    float bn_momentum = 0.1f;
    // Speaker: the classifier and the trainer z-score the segments by speaker before the model
    // (models/speaker_normalization.h); the model itself reads them the same either way.
    InputNormalization input_normalization = InputNormalization::Segment;

    // Unknown keys are ignored ("model" and init_* keys of the golden files); known keys are
    // checked ("apcnn config: channels needs 5 positive entries, the first even").
    static ApcnnConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class ApcnnModel : public Model {
public:
    static constexpr int kFrequencies = 400; // input height
    static constexpr int kFrames = 200;      // input width (2 s at 100 frames/s)

    ApcnnModel(nn::Context& context, const ApcnnConfig& config);
    ~ApcnnModel() override;
    static std::unique_ptr<ApcnnModel> from_config(nn::Context& context, const nlohmann::json& j);

    std::string architecture() const override { return "apcnn"; }
    nlohmann::json config() const override { return config_.to_json(); }
    int num_classes() const override { return config_.K; }
    // conv1a, conv1b, bn1, conv2, bn2, ..., conv5, bn5, then att.top / att.bottom or fc.
    nn::ParameterTable parameters() override;
    std::vector<nn::BatchNorm2d*> batch_norms() override;
    void init(nn::Rng& rng) override; // PyTorch defaults (conv / BN / Linear reset_parameters)

    // batch.features [B, 1, 400, 200] (any H, W the pools accept also works) -> logits [B, K].
    const nn::Tensor& forward(const Batch& batch, nn::Mode mode) override;
    // Cross-entropy of batch.targets["emotion"] (mean over labelled items); accumulates grads.
    float backward(const Batch& batch) override;

    // The model on a plain input tensor (forward above reads batch.features only).
    const nn::Tensor& forward(const nn::Tensor& x, nn::Mode mode);
    // d loss / d logits -> accumulates every parameter gradient (after a Train forward).
    void backward_logits(const nn::Tensor& grad_logits);
    // Compute d loss / d input in backward too (off by default: training does not need it).
    void set_input_gradient(bool enabled) { cnn_.set_input_gradient(enabled); }
    const nn::Tensor& input_gradient() const { return cnn_.input_gradient(); }

    // Intermediates of the last Train-mode forward: relu(bn5(conv5)) and the attention map.
    const nn::Tensor& conv5_output() const { return cnn_.output(); }
    const nn::Tensor& attention_map() const;

    // Utterance decision of the paper: mean over the segments (rows) of softmax(logits) ->
    // [1, K].
    static nn::Tensor utterance_probabilities(const nn::Tensor& segment_logits);

private:
    static nn::ConvStackOptions cnn_options(const ApcnnConfig& config);
    void global_average(const nn::Tensor& c5); // gap: the mean of each map into pooled_

    nn::Context& context_;
    ApcnnConfig config_;
    nn::ConvStack cnn_; // stage 0: conv1a | conv1b + bn1, stages 1..4: conv2..conv5 + bn2..bn5
    std::unique_ptr<nn::AttentionPool2d> att_;
    std::unique_ptr<nn::Linear> fc_;
    nn::SoftmaxCrossEntropy loss_;

    nn::Tensor pooled_, logits_, grad_conv5_;
    bool trained_forward_ = false;
};

} // namespace emotion::models
