// M1 `alstm`: A-LSTM weighted-pooling RNN (spec/MODELS.md M1; PyTorch reference
// shared/reference/pytorch/reference_models.py `ALSTMModel`).
//
//   raw LLD frames [B, T, 36] + lengths -> per-segment z-normalisation over the real frames
//   -> fc_in (Linear 36 -> 256) + ReLU + dropout -> rnn: bidirectional recurrent layer, 128 per
//   direction (nn::Alstm for every cell: on packed steps it trains as fast as oneDNN's fused
//   LSTM at equal lengths and faster at varied ones, and infers at batch 1 twice as fast)
//   -> dropout -> pool (attention weighted pooling over the real frames) -> heads
//   head_<task>: Linear 256 -> 256, ReLU, dropout, Linear 256 -> K (`head_<task>.0`, `.3`).
//
// Loss = sum over the heads with targets of loss_weights[task] * CE(logits_task) (each CE a mean
// over the batch's labelled items; defaults emotion 1, speaker 0.3, gender 0.6).
// Inference computes the emotion head only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/model.h"
#include "models/speaker_normalization.h"
#include "nn/alstm.h"
#include "nn/attention_pool.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/loss.h"

namespace emotion::models {

struct AlstmConfig {
    int n_in = 36;
    int fc = 256;
    int hidden = 128;
    std::string cell = "alstm"; // "alstm", "mean" or "lstm"
    std::vector<int> offsets = {1, 3, 5};
    int period = 1;
    // Tasks and their class counts; "emotion" is required and comes first.
    std::vector<std::pair<std::string, int>> heads = {{"emotion", 4}};
    float dropout = 0.5f;
    std::map<std::string, float> loss_weights = {{"emotion", 1.0f}, {"speaker", 0.3f}, {"gender", 0.6f}};
    // Speaker: frames come z-scored by speaker (models/speaker_normalization.h), not per segment.
    InputNormalization input_normalization = InputNormalization::Segment;
    SpeakerStatisticsConfig speaker_statistics; // its warm-up settings

    // The golden files' keys: n_in, fc, hidden, cell, offsets, period, heads ({task: K}),
    // dropout, loss_weights, and input_normalization. Unknown keys ("model", init_*) are ignored; known keys
    // are checked.
    static AlstmConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class AlstmModel : public Model {
public:
    AlstmModel(nn::Context& context, const AlstmConfig& config, uint64_t dropout_seed = 0x5eed);
    ~AlstmModel() override;
    static std::unique_ptr<AlstmModel> from_config(nn::Context& context, const nlohmann::json& j);

    std::string architecture() const override { return "alstm"; }
    nlohmann::json config() const override { return config_.to_json(); }
    int num_classes() const override { return config_.heads.front().second; }
    // fc_in.*, rnn.* (weight_ih_l0, ..., alstm_w_l0[_reverse]), pool.u, head_<task>.0/.3.*
    nn::ParameterTable parameters() override;
    // PyTorch defaults: Linear weight and bias U(-1/sqrt(in), 1/sqrt(in)); recurrent weights,
    // biases and alstm_w U(-1/sqrt(H), 1/sqrt(H)) (torch.nn.LSTM); pool.u N(0, 1/D).
    void init(nn::Rng& rng) override;

    // batch.features: raw LLD frames [B, T, n_in] + lengths; z-normalised here.
    const nn::Tensor& forward(const Batch& batch, nn::Mode mode) override;
    // Multitask loss of batch.targets (heads present in both); accumulates all gradients.
    float backward(const Batch& batch) override;

    // The network on already normalised input x [B, T, n_in] (what forward(batch) runs after
    // the z-normalisation). Returns the emotion logits.
    const nn::Tensor& forward(const nn::Tensor& x, const std::vector<int>& lengths, nn::Mode mode);
    const nn::Tensor& logits(const std::string& task) const;
    // d loss / d normalised input after backward (the z-normalisation is a fixed input
    // transform and is not differentiated).
    const nn::Tensor& input_gradient() const { return grad_input_; }

    // Intermediates of the last forward: relu(fc_in) after dropout, rnn output after dropout,
    // pooling weights [B, T], pooled [B, 2H].
    const nn::Tensor& fc_in_output() const { return fc_out_; }
    const nn::Tensor& rnn_output() const { return *rnn_out_; }
    const nn::Tensor& pool_weights() const { return pool_.weights(); }
    const nn::Tensor& pooled() const { return *pooled_; }

    nn::Rng* dropout_rng() override { return &dropout_rng_; }

private:
    struct Head;

    nn::Context& context_;
    AlstmConfig config_;
    nn::Rng dropout_rng_;
    nn::Linear fc_in_;
    nn::Dropout drop_in_;
    std::unique_ptr<nn::Alstm> rnn_;
    nn::Dropout drop_rnn_;
    nn::AttentionPool1d pool_;
    std::vector<std::unique_ptr<Head>> heads_;

    std::vector<int> lengths_;
    bool trained_forward_ = false;
    nn::Tensor normalised_, fc_input_, fc_out_, grad_fc_, grad_pooled_, grad_rnn_, grad_input_;
    const nn::Tensor* rnn_out_ = nullptr;
    const nn::Tensor* pooled_ = nullptr;
};

} // namespace emotion::models
