// M4 `ksmm`: key-sparse multimodal transformer (spec/MODELS.md M4; PyTorch reference
// shared/reference/pytorch/reference_models.py `KSMM`).
//
//   audio [B, 460, 36] (z-normalised over the raw utterance, then cut / zero-padded)
//   text  [B, 20] word ids -> rows of text.embedding [V, 100], zero vectors at padded positions
//   audio.in / text.in Linear -> d; audio.enc.{i} / text.enc.{i} vanilla layers (own mask)
//   x_at = ccab.2(ccab.1(ccab.0(a_enc, t_enc))) + a_enc; a = a_enc + x_at   (same for text)
//   audio.ks.{i} / text.ks.{i} key-sparse self layers (no mask)
//   mean over the full padded lengths, concatenate, head.0 ReLU dropout head.3 ReLU dropout head.6
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/model.h"
#include "nn/dropout.h"
#include "nn/encoder_layer.h"
#include "nn/linear.h"
#include "nn/loss.h"

namespace emotion::models {

struct KsmmConfig {
    int n_audio = 36;
    int d_word = 100;
    int vocab = 50;
    int d = 128;
    int heads = 4;
    int ffn = 256;
    int n_enc = 5;
    int n_ccab = 3;
    int n_ks = 2;
    double keep_rate = 0.5;
    float dropout = 0.1f;
    float head_dropout = 0.5f;
    int K = 4;
    int audio_len = 460;
    int text_len = 20;
    // text.embedding is not trained (no gradient, no optimiser state) when the rows are
    // pretrained word vectors (models/ksmm_text.h): see there why.
    bool freeze_embedding = false;

    // Unknown keys are ignored (golden files add informative ones); every known key is checked.
    static KsmmConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class KsmmModel : public Model {
public:
    KsmmModel(nn::Context& context, const KsmmConfig& config);
    ~KsmmModel() override;

    std::string architecture() const override { return "ksmm"; }
    nlohmann::json config() const override { return config_.to_json(); }
    int num_classes() const override { return config_.K; }
    nn::ParameterTable parameters() override;
    void init(nn::Rng& rng) override;

    // batch.features [B, T, n_audio] raw LLD frames + lengths (each item z-normalised over its
    // lengths[b] frames, then cut / zero-padded to audio_len), batch.tokens (word ids, 0 =
    // unknown; cut / padded to text_len; an item may have none).
    const nn::Tensor& forward(const Batch& batch, nn::Mode mode) override;
    float backward(const Batch& batch) override;
    nn::Rng* dropout_rng() override { return &dropout_rng_; }

    // The model proper on prepared inputs: audio [B, audio_len, n_audio] already normalised and
    // zero-padded, audio_lengths (<= audio_len), text_ids [B][text_len] (0 at padding),
    // text_lengths (<= text_len). Returns logits [B, K].
    const nn::Tensor& forward_prepared(const nn::Tensor& audio, const std::vector<int>& audio_lengths,
                                       const std::vector<std::vector<int>>& text_ids,
                                       const std::vector<int>& text_lengths, nn::Mode mode);
    // d loss / d logits -> accumulates every parameter gradient; grad_audio() then holds
    // d loss / d (prepared) audio.
    void backward_prepared(const nn::Tensor& grad_logits);
    const nn::Tensor& grad_audio() const { return grad_audio_; }

    // The text branch alone, for pretraining it on text (tools/pretrain-text). MODELS.md M4 has
    // no text-only path; decision: embedding -> text.in -> text.enc.* (padding mask) ->
    // text.ks.* -> mean over the full padded length, i.e. the full model's text path without
    // the CCAB blocks, which need audio. The ks layers LayerNorm their input first (norm_in,
    // also the residual), so feeding them the encoder output instead of the full model's
    // 2 enc + ccab changes only what the CCAB blocks add.
    // text_ids [B][>= text_lengths[b]], text_lengths <= text_len -> pooled [B, d].
    const nn::Tensor& forward_text(const std::vector<std::vector<int>>& text_ids,
                                   const std::vector<int>& text_lengths, nn::Mode mode);
    // d loss / d pooled -> accumulates the text branch's gradients (text.in, text.enc.*,
    // text.ks.*, and text.embedding unless frozen).
    void backward_text(const nn::Tensor& grad_pooled);

    // Intermediates of the last forward (golden checks, debugging).
    const nn::Tensor& text_features() const { return text_features_; }
    const nn::Tensor& audio_enc() const { return audio_enc_; }
    const nn::Tensor& text_enc() const { return text_enc_; }
    const nn::Tensor& audio_ccab() const { return audio_ccab_; }
    const nn::Tensor& text_ccab() const { return text_ccab_; }
    const nn::Tensor& audio_ks() const { return audio_ks_; }
    const nn::Tensor& text_ks() const { return text_ks_; }
    const nn::Tensor& pooled() const { return pooled_; }
    const nn::Tensor& logits() const { return logits_; }
    // (state_dict prefix, attention) of every key-sparse attention, in execution order.
    std::vector<std::pair<std::string, const nn::MultiheadAttention*>> key_sparse_attentions() const;

private:
    struct Branch;
    void check_text(const std::vector<std::vector<int>>& text_ids, const std::vector<int>& text_lengths,
                    int64_t B) const;
    void embed_text(const std::vector<std::vector<int>>& text_ids, const std::vector<int>& text_lengths,
                    nn::Mode mode);
    void embedding_backward(const nn::Tensor& grad_features);
    void run_ccab(Branch& branch, const nn::Tensor& own, const nn::Tensor& other,
                  const std::vector<int>& other_lengths, nn::Tensor& x_cross, nn::Mode mode);

    nn::Context& context_;
    KsmmConfig config_;
    nn::Rng dropout_rng_;
    std::unique_ptr<Branch> audio_, text_;
    nn::Parameter embedding_; // text.embedding [V, d_word]
    nn::Linear head0_, head3_, head6_;
    nn::Dropout head_drop0_, head_drop3_; // in place on hidden0_, hidden3_

    // Prepared inputs (forward()).
    nn::Tensor normalized_, prepared_audio_;
    std::vector<int> audio_lengths_, text_lengths_;
    std::vector<std::vector<int>> text_ids_;

    nn::Tensor text_features_, audio_enc_, text_enc_, audio_ccab_, text_ccab_, audio_ks_, text_ks_;
    nn::Tensor text_pooled_, grad_text_ks_;
    nn::Tensor pooled_, hidden0_, hidden3_, logits_;
    int64_t batch_ = 0;

    nn::Tensor grad_pooled_, grad_hidden_, grad_a_, grad_t_, grad_a_enc_, grad_t_enc_;
    nn::Tensor grad_audio_;
    nn::SoftmaxCrossEntropy loss_;
};

} // namespace emotion::models
