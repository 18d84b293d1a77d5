// M3 `stl`: CNN-BiLSTM + stacked transformer layers (spec/MODELS.md M3; PyTorch reference
// shared/reference/pytorch/reference_models.py `STL`).
//
//   x [B, T, 36] z-normalised -> [B, 1, T, 36] -> six blocks cnn.<i>: Conv2d 3x3 pad 1 (cnn.<i>.0),
//   BatchNorm2d (cnn.<i>.1), ELU, average pool per `pools` -> [B, 64, T', 4] -> per frame
//   channel-major [B, T', 256] (index c*4 + f) -> rnn BiLSTM 64 -> proj (Conv1d k=1, computed as
//   a Linear 128 -> 64) -> stl.{0..4} post-LN layers -> mean over time -> fc -> logits [B, K].
//
// Variable lengths (a decision beyond the reference, which batches equal lengths only): item b
// has T'_b = floor(L_b / time pool) real frames; the BiLSTM runs over them, the transformer layers
// mask the padded keys and the mean is over the real frames. With equal lengths this is exactly
// the reference. The CNN (and its BatchNorm statistics in training) sees the zero-padded input.
//
// The CNN is an nn::ConvStack: Train mode runs BN + ELU + average pooling fused on oneDNN's
// blocked layouts with gradients written in place; Infer mode a oneDNN plan per input shape (up
// to 16 cached): BatchNorm folded into the convolutions, ELU as a post-op, activations in the
// primitives' blocked layouts until one reorder to NCHW (nn/conv_stack.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/model.h"
#include "models/speaker_normalization.h"
#include "nn/conv_stack.h"
#include "nn/encoder_layer.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/alstm.h"

namespace emotion::models {

struct StlConfig {
    int n_feat = 36;
    int K = 4;
    std::vector<int> channels = {16, 32, 32, 64, 64, 64};
    // Per block {time, feature} average-pool kernel, or {0, 0} for none (JSON null).
    std::vector<std::vector<int>> pools = {{2, 2}, {2, 2}, {2, 2}, {2, 1}, {0, 0}, {0, 0}};
    int rnn_hidden = 64;
    int d = 64;
    int heads = 4;
    int ffn = 128;
    int n_layers = 5;
    float dropout = 0.1f;
    // Speaker: frames come z-scored by speaker (models/speaker_normalization.h), not per segment.
    InputNormalization input_normalization = InputNormalization::Segment;
    SpeakerStatisticsConfig speaker_statistics; // its warm-up settings

    // Unknown keys are ignored ("T", "model" of the golden files); known keys are checked.
    static StlConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
    int time_reduction() const; // product of the time pools (16)
    int feature_out() const;    // feature axis after the pools (4)
};

class StlModel : public Model {
public:
    StlModel(nn::Context& context, const StlConfig& config);
    ~StlModel() override;
    static std::unique_ptr<StlModel> from_config(nn::Context& context, const nlohmann::json& j);

    std::string architecture() const override { return "stl"; }
    nlohmann::json config() const override { return config_.to_json(); }
    int num_classes() const override { return config_.K; }
    // cnn.<i>.0.*, cnn.<i>.1.* (BN incl. buffers), rnn.*, proj.*, stl.<i>.*, fc.*
    nn::ParameterTable parameters() override;
    void init(nn::Rng& rng) override; // PyTorch defaults

    // batch.features [B, T, n_feat] raw LLD frames + lengths (each item z-normalised over its
    // real frames; every length must be >= time_reduction()).
    const nn::Tensor& forward(const Batch& batch, nn::Mode mode) override;
    float backward(const Batch& batch) override;
    nn::Rng* dropout_rng() override { return &dropout_rng_; }
    std::vector<nn::BatchNorm2d*> batch_norms() override;

    // The model on normalised input x [B, T, n_feat] with real lengths (empty = all T).
    const nn::Tensor& forward_normalized(const nn::Tensor& x, const std::vector<int>& lengths, nn::Mode mode);
    // d loss / d logits -> accumulates every parameter gradient (after a Train forward).
    void backward_logits(const nn::Tensor& grad_logits);
    // Compute d loss / d input in backward too (off by default: training does not need it).
    void set_input_gradient(bool enabled) { cnn_.set_input_gradient(enabled); }
    const nn::Tensor& input_gradient() const { return grad_input_; }

    // Intermediates of the last forward.
    const nn::Tensor& cnn_output() const { return cnn_.output(); } // [B, 64, T', 4]
    const nn::Tensor& rnn_output() const { return rnn_out_; }      // [B, T', 128]
    const nn::Tensor& proj_output() const { return proj_out_; }    // [B, T', d]
    const nn::Tensor& stl_output() const { return stl_out_; }      // [B, T', d]
    const nn::Tensor& pooled() const { return pooled_; }           // [B, d]

private:
    static constexpr size_t kMaxPlans = 16; // inference plans of the CNN (one per input shape)
    static nn::ConvStackOptions cnn_options(const StlConfig& config);

    nn::Context& context_;
    StlConfig config_;
    nn::Rng dropout_rng_;
    nn::ConvStack cnn_; // cnn.<i>: conv (.0) + BatchNorm (.1) + ELU + pool
    // A standard BiLSTM (cell lstm) on nn::Alstm's packed steps: at batch 1 its per-step GEMV beats
    // oneDNN's fused LSTM, which also reordered both weights at every call (0.28 -> 0.17 ms of
    // 1.5); training steps are as fast.
    nn::Alstm rnn_;
    nn::Linear proj_; // weight viewed as [d, 2H, 1] (Conv1d layout)
    std::vector<std::unique_ptr<nn::StlEncoderLayer>> layers_;
    nn::Linear fc_;
    nn::SoftmaxCrossEntropy loss_;

    nn::Tensor input_normalized_, normalized_, sequence_, rnn_out_, proj_out_, stl_out_, pooled_, logits_;
    std::vector<int> frames_; // T'_b
    bool masked_ = false;     // some T'_b < T'
    nn::Tensor grad_stl_, grad_sequence_, grad_cnn_, grad_input_;
};

} // namespace emotion::models
