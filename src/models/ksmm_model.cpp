#include "models/ksmm_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nn/activations.h"
#include "models/config_limits.h"
#include "nn/features.h"
#include "nn/parallel.h"

namespace emotion::models {

using nn::Mode;
using nn::Tensor;

using nn::add_into;

namespace {

void check_positive(const char* key, double value) {
    if (!(value > 0)) throw std::invalid_argument(std::string("ksmm config: '") + key + "' must be positive");
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Config

KsmmConfig KsmmConfig::from_json(const nlohmann::json& j) {
    KsmmConfig c;
    if (!j.is_object()) throw std::invalid_argument("ksmm config must be a JSON object");
    c.n_audio = j.value("n_audio", c.n_audio);
    c.d_word = j.value("d_word", c.d_word);
    c.vocab = j.value("vocab", c.vocab);
    c.d = j.value("d", c.d);
    c.heads = j.value("heads", c.heads);
    c.ffn = j.value("ffn", c.ffn);
    c.n_enc = j.value("n_enc", c.n_enc);
    c.n_ccab = j.value("n_ccab", c.n_ccab);
    c.n_ks = j.value("n_ks", c.n_ks);
    c.keep_rate = j.value("keep_rate", c.keep_rate);
    c.dropout = j.value("dropout", c.dropout);
    c.head_dropout = j.value("head_dropout", c.head_dropout);
    c.K = j.value("K", c.K);
    c.audio_len = j.value("audio_len", c.audio_len);
    c.text_len = j.value("text_len", c.text_len);
    c.freeze_embedding = j.value("freeze_embedding", c.freeze_embedding);
    check_positive("n_audio", c.n_audio);
    check_positive("d_word", c.d_word);
    check_positive("vocab", c.vocab);
    check_positive("d", c.d);
    check_positive("heads", c.heads);
    check_positive("ffn", c.ffn);
    check_positive("K", c.K);
    check_positive("audio_len", c.audio_len);
    check_positive("text_len", c.text_len);
    check_positive("keep_rate", c.keep_rate);
    if (c.d % c.heads != 0 || c.d % 4 != 0)
        throw std::invalid_argument("ksmm config: d = " + std::to_string(c.d) +
                                    " must be a multiple of heads and of 4 (head widths d, d/2)");
    if (c.n_enc < 0 || c.n_ccab < 0 || c.n_ks < 0)
        throw std::invalid_argument("ksmm config: layer counts must not be negative");
    check_at_most("ksmm", "n_audio", c.n_audio, kMaxLayerWidth);
    check_at_most("ksmm", "d_word", c.d_word, kMaxLayerWidth);
    check_at_most("ksmm", "d", c.d, kMaxLayerWidth);
    check_at_most("ksmm", "heads", c.heads, kMaxLayerWidth);
    check_at_most("ksmm", "ffn", c.ffn, kMaxLayerWidth);
    check_at_most("ksmm", "vocab", c.vocab, kMaxVocabulary);
    check_at_most("ksmm", "n_enc", c.n_enc, kMaxLayerCount);
    check_at_most("ksmm", "n_ccab", c.n_ccab, kMaxLayerCount);
    check_at_most("ksmm", "n_ks", c.n_ks, kMaxLayerCount);
    check_at_most("ksmm", "K", c.K, kMaxClasses);
    check_at_most("ksmm", "audio_len", c.audio_len, kMaxSequence);
    check_at_most("ksmm", "text_len", c.text_len, kMaxSequence);
    if (c.dropout < 0 || c.dropout >= 1 || c.head_dropout < 0 || c.head_dropout >= 1)
        throw std::invalid_argument("ksmm config: dropout rates must be in [0, 1)");
    if (c.keep_rate > 1) throw std::invalid_argument("ksmm config: keep_rate must be <= 1");
    return c;
}

nlohmann::json KsmmConfig::to_json() const {
    return {{"n_audio", n_audio},
            {"d_word", d_word},
            {"vocab", vocab},
            {"d", d},
            {"heads", heads},
            {"ffn", ffn},
            {"n_enc", n_enc},
            {"n_ccab", n_ccab},
            {"n_ks", n_ks},
            {"keep_rate", keep_rate},
            {"dropout", dropout},
            {"head_dropout", head_dropout},
            {"K", K},
            {"audio_len", audio_len},
            {"text_len", text_len},
            {"freeze_embedding", freeze_embedding}};
}

// ---------------------------------------------------------------------------------------------
// Branch: one modality

struct KsmmModel::Branch {
    struct Block {
        std::unique_ptr<nn::KsmmLayer> cross_layer, self_layer;
    };

    Branch(nn::Context& context, int d_in, const KsmmConfig& c, nn::Rng* rng) : in(context, d_in, c.d) {
        nn::EncoderLayerOptions o;
        o.d = c.d;
        o.heads = c.heads;
        o.ffn = c.ffn;
        o.dropout = c.dropout;
        o.keep_rate = c.keep_rate;
        for (int i = 0; i < c.n_enc; ++i) enc.push_back(std::make_unique<nn::KsmmLayer>(context, o, rng));
        nn::EncoderLayerOptions ks = o;
        ks.key_sparse = true;
        nn::EncoderLayerOptions cross = ks;
        cross.cross = true;
        for (int i = 0; i < c.n_ccab; ++i) {
            Block b;
            b.cross_layer = std::make_unique<nn::KsmmLayer>(context, cross, rng);
            b.self_layer = std::make_unique<nn::KsmmLayer>(context, ks, rng);
            ccab.push_back(std::move(b));
        }
        for (int i = 0; i < c.n_ks; ++i)
            this->ks.push_back(std::make_unique<nn::KsmmLayer>(context, ks, rng));
    }

    void append_parameters(nn::ParameterTable& table, const std::string& prefix) {
        nn::append_with_prefix(table, prefix + ".in", in.parameters());
        for (size_t i = 0; i < enc.size(); ++i)
            nn::append_with_prefix(table, prefix + ".enc." + std::to_string(i), enc[i]->parameters());
        for (size_t i = 0; i < ccab.size(); ++i) {
            const std::string p = prefix + ".ccab." + std::to_string(i);
            nn::append_with_prefix(table, p + ".cross_layer", ccab[i].cross_layer->parameters());
            nn::append_with_prefix(table, p + ".self_layer", ccab[i].self_layer->parameters());
        }
        for (size_t i = 0; i < ks.size(); ++i)
            nn::append_with_prefix(table, prefix + ".ks." + std::to_string(i), ks[i]->parameters());
    }

    void init(nn::Rng& rng) {
        nn::init_linear_default(in, rng);
        for (auto& l : enc) l->init(rng);
        for (auto& b : ccab) {
            b.cross_layer->init(rng);
            b.self_layer->init(rng);
        }
        for (auto& l : ks) l->init(rng);
    }

    nn::Linear in;
    std::vector<std::unique_ptr<nn::KsmmLayer>> enc;
    std::vector<Block> ccab;
    std::vector<std::unique_ptr<nn::KsmmLayer>> ks;
    Tensor sum; // enc + x_cross: the input of the ks layers
};

// ---------------------------------------------------------------------------------------------
// Model

KsmmModel::KsmmModel(nn::Context& context, const KsmmConfig& config)
    : context_(context), config_(config), dropout_rng_(0x6b736d6d),
      audio_(std::make_unique<Branch>(context, config.n_audio, config, &dropout_rng_)),
      text_(std::make_unique<Branch>(context, config.d_word, config, &dropout_rng_)),
      embedding_(nn::Shape{config.vocab, config.d_word}, !config.freeze_embedding),
      head0_(context, 2 * config.d, config.d), head3_(context, config.d, config.d / 2),
      head6_(context, config.d / 2, config.K), head_drop0_(config.head_dropout, &dropout_rng_),
      head_drop3_(config.head_dropout, &dropout_rng_) {}

KsmmModel::~KsmmModel() = default;

nn::ParameterTable KsmmModel::parameters() {
    nn::ParameterTable table;
    audio_->append_parameters(table, "audio");
    table.push_back({"text.embedding", &embedding_});
    text_->append_parameters(table, "text");
    nn::append_with_prefix(table, "head.0", head0_.parameters());
    nn::append_with_prefix(table, "head.3", head3_.parameters());
    nn::append_with_prefix(table, "head.6", head6_.parameters());
    return table;
}

void KsmmModel::init(nn::Rng& rng) {
    audio_->init(rng);
    text_->init(rng);
    for (int64_t i = 0; i < embedding_.value.size(); ++i) embedding_.value[i] = rng.normal(0.0f, 0.5f);
    nn::init_linear_default(head0_, rng);
    nn::init_linear_default(head3_, rng);
    nn::init_linear_default(head6_, rng);
}

std::vector<std::pair<std::string, const nn::MultiheadAttention*>> KsmmModel::key_sparse_attentions() const {
    std::vector<std::pair<std::string, const nn::MultiheadAttention*>> out;
    for (const auto& [name, branch] : {std::make_pair(std::string("audio"), audio_.get()),
                                       std::make_pair(std::string("text"), text_.get())}) {
        for (size_t i = 0; i < branch->ccab.size(); ++i) {
            const std::string p = name + ".ccab." + std::to_string(i);
            out.emplace_back(p + ".cross_layer.cross_attn", &branch->ccab[i].cross_layer->attention);
            out.emplace_back(p + ".self_layer.self_attn", &branch->ccab[i].self_layer->attention);
        }
        for (size_t i = 0; i < branch->ks.size(); ++i)
            out.emplace_back(name + ".ks." + std::to_string(i) + ".self_attn", &branch->ks[i]->attention);
    }
    return out;
}

void KsmmModel::run_ccab(Branch& branch, const Tensor& own, const Tensor& other,
                         const std::vector<int>& other_lengths, Tensor& x_cross, Mode mode) {
    const Tensor* x = &own;
    for (auto& block : branch.ccab) {
        x = &block.cross_layer->forward(*x, &other, &other_lengths, mode);
        x = &block.self_layer->forward(*x, nullptr, nullptr, mode);
    }
    x_cross.copy_from(*x);
    add_into(x_cross.data(), own.data(), x_cross.size());
}

const Tensor& KsmmModel::forward_prepared(const Tensor& audio, const std::vector<int>& audio_lengths,
                                          const std::vector<std::vector<int>>& text_ids,
                                          const std::vector<int>& text_lengths, Mode mode) {
    const int64_t B = audio.rank() == 3 ? audio.dim(0) : 0;
    const int64_t Ta = config_.audio_len, Tt = config_.text_len, d = config_.d;
    if (audio.rank() != 3 || audio.dim(1) != Ta || audio.dim(2) != config_.n_audio)
        throw std::invalid_argument("ksmm: audio " + nn::shape_to_string(audio.shape()) + ", expected [B, " +
                                    std::to_string(Ta) + ", " + std::to_string(config_.n_audio) + "]");
    if (static_cast<int64_t>(audio_lengths.size()) != B || static_cast<int64_t>(text_lengths.size()) != B ||
        static_cast<int64_t>(text_ids.size()) != B)
        throw std::invalid_argument("ksmm: lengths / text ids do not match the batch of " +
                                    std::to_string(B));
    batch_ = B;
    audio_lengths_ = audio_lengths;
    for (int64_t b = 0; b < B; ++b)
        if (audio_lengths[b] < 0 || audio_lengths[b] > Ta)
            throw std::invalid_argument("ksmm: item " + std::to_string(b) + " has audio length " +
                                        std::to_string(audio_lengths[b]) + " outside [0, " +
                                        std::to_string(Ta) + "]");
    check_text(text_ids, text_lengths, B);
    embed_text(text_ids, text_lengths, mode);

    // Encoders.
    const Tensor* a = &audio_->in.forward(audio, mode);
    for (auto& layer : audio_->enc) a = &layer->forward(*a, nullptr, &audio_lengths_, mode);
    audio_enc_.copy_from(*a);
    const Tensor* t = &text_->in.forward(text_features_, mode);
    for (auto& layer : text_->enc) t = &layer->forward(*t, nullptr, &text_lengths_, mode);
    text_enc_.copy_from(*t);

    // CCAB stacks (every block attends to the other modality's encoder output).
    run_ccab(*audio_, audio_enc_, text_enc_, text_lengths_, audio_ccab_, mode);
    run_ccab(*text_, text_enc_, audio_enc_, audio_lengths_, text_ccab_, mode);

    // Second residual, key-sparse self layers (no mask).
    audio_->sum.copy_from(audio_enc_);
    add_into(audio_->sum.data(), audio_ccab_.data(), audio_->sum.size());
    a = &audio_->sum;
    for (auto& layer : audio_->ks) a = &layer->forward(*a, nullptr, nullptr, mode);
    audio_ks_.copy_from(*a);
    text_->sum.copy_from(text_enc_);
    add_into(text_->sum.data(), text_ccab_.data(), text_->sum.size());
    t = &text_->sum;
    for (auto& layer : text_->ks) t = &layer->forward(*t, nullptr, nullptr, mode);
    text_ks_.copy_from(*t);

    // Mean over the full padded lengths.
    pooled_.resize({B, 2 * d});
    pooled_.zero();
    nn::parallel_ranges(B, B * (Ta + Tt) * d, [&](int64_t first, int64_t last) {
        for (int64_t b = first; b < last; ++b) {
            float* p = pooled_.data() + b * 2 * d;
            for (int64_t i = 0; i < Ta; ++i) add_into(p, audio_ks_.data() + (b * Ta + i) * d, d);
            for (int64_t i = 0; i < Tt; ++i) add_into(p + d, text_ks_.data() + (b * Tt + i) * d, d);
            for (int64_t j = 0; j < d; ++j) {
                p[j] /= static_cast<float>(Ta);
                p[d + j] /= static_cast<float>(Tt);
            }
        }
    });

    // Head.
    hidden0_.copy_from(head0_.forward(pooled_, mode));
    nn::relu_forward(hidden0_.data(), hidden0_.data(), hidden0_.size());
    head_drop0_.forward_in_place(hidden0_.data(), hidden0_.size(), mode);
    hidden3_.copy_from(head3_.forward(hidden0_, mode));
    nn::relu_forward(hidden3_.data(), hidden3_.data(), hidden3_.size());
    head_drop3_.forward_in_place(hidden3_.data(), hidden3_.size(), mode);
    logits_.copy_from(head6_.forward(hidden3_, mode));
    return logits_;
}

void KsmmModel::backward_prepared(const Tensor& grad_logits) {
    const int64_t B = batch_, Ta = config_.audio_len, Tt = config_.text_len, d = config_.d;
    if (grad_logits.shape() != nn::Shape{B, config_.K})
        throw std::invalid_argument("ksmm backward: gradient " + nn::shape_to_string(grad_logits.shape()) +
                                    ", expected [" + std::to_string(B) + ", " + std::to_string(config_.K) +
                                    "]");

    // Head.
    grad_hidden_.copy_from(head6_.backward(grad_logits));
    head_drop3_.backward_in_place(grad_hidden_.data(), grad_hidden_.size());
    nn::relu_backward(hidden3_.data(), grad_hidden_.data(), grad_hidden_.data(), grad_hidden_.size());
    grad_hidden_.copy_from(head3_.backward(grad_hidden_));
    head_drop0_.backward_in_place(grad_hidden_.data(), grad_hidden_.size());
    nn::relu_backward(hidden0_.data(), grad_hidden_.data(), grad_hidden_.data(), grad_hidden_.size());
    grad_pooled_.copy_from(head0_.backward(grad_hidden_));

    // Means.
    grad_a_.resize({B, Ta, d});
    grad_t_.resize({B, Tt, d});
    nn::parallel_ranges(B, B * (Ta + Tt) * d, [&](int64_t first, int64_t last) {
        for (int64_t b = first; b < last; ++b) {
            const float* g = grad_pooled_.data() + b * 2 * d;
            for (int64_t i = 0; i < Ta; ++i)
                for (int64_t j = 0; j < d; ++j) grad_a_[(b * Ta + i) * d + j] = g[j] / static_cast<float>(Ta);
            for (int64_t i = 0; i < Tt; ++i)
                for (int64_t j = 0; j < d; ++j)
                    grad_t_[(b * Tt + i) * d + j] = g[d + j] / static_cast<float>(Tt);
        }
    });

    // Key-sparse self layers.
    const Tensor* g = &grad_a_;
    for (auto it = audio_->ks.rbegin(); it != audio_->ks.rend(); ++it) g = &(*it)->backward(*g);
    grad_a_.copy_from(*g);
    g = &grad_t_;
    for (auto it = text_->ks.rbegin(); it != text_->ks.rend(); ++it) g = &(*it)->backward(*g);
    grad_t_.copy_from(*g);

    // a = enc + x_cross, x_cross = chain(enc) + enc: d enc = 2 g + d chain input + key grads.
    grad_a_enc_.copy_from(grad_a_);
    add_into(grad_a_enc_.data(), grad_a_.data(), grad_a_enc_.size());
    grad_t_enc_.copy_from(grad_t_);
    add_into(grad_t_enc_.data(), grad_t_.data(), grad_t_enc_.size());

    auto ccab_backward = [this](Branch& branch, const Tensor& grad, Tensor& grad_own, Tensor& grad_other) {
        const Tensor* x = &grad;
        for (auto it = branch.ccab.rbegin(); it != branch.ccab.rend(); ++it) {
            x = &it->self_layer->backward(*x);
            x = &it->cross_layer->backward(*x);
            add_into(grad_other.data(), it->cross_layer->grad_key().data(), grad_other.size());
        }
        if (!branch.ccab.empty())
            add_into(grad_own.data(), x->data(), grad_own.size());
        else
            add_into(grad_own.data(), grad.data(), grad_own.size());
    };
    ccab_backward(*audio_, grad_a_, grad_a_enc_, grad_t_enc_);
    ccab_backward(*text_, grad_t_, grad_t_enc_, grad_a_enc_);

    // Encoders and input projections.
    g = &grad_a_enc_;
    for (auto it = audio_->enc.rbegin(); it != audio_->enc.rend(); ++it) g = &(*it)->backward(*g);
    grad_audio_.copy_from(audio_->in.backward(*g));
    g = &grad_t_enc_;
    for (auto it = text_->enc.rbegin(); it != text_->enc.rend(); ++it) g = &(*it)->backward(*g);
    embedding_backward(text_->in.backward(*g));
}

void KsmmModel::check_text(const std::vector<std::vector<int>>& text_ids,
                           const std::vector<int>& text_lengths, int64_t B) const {
    const int64_t Tt = config_.text_len;
    if (static_cast<int64_t>(text_lengths.size()) != B || static_cast<int64_t>(text_ids.size()) != B)
        throw std::invalid_argument("ksmm: text lengths / ids do not match the batch of " +
                                    std::to_string(B));
    for (int64_t b = 0; b < B; ++b) {
        if (text_lengths[b] < 0 || text_lengths[b] > Tt)
            throw std::invalid_argument("ksmm: item " + std::to_string(b) + " has text length " +
                                        std::to_string(text_lengths[b]) + " outside [0, " +
                                        std::to_string(Tt) + "]");
        if (static_cast<int64_t>(text_ids[b].size()) < text_lengths[b])
            throw std::invalid_argument("ksmm: item " + std::to_string(b) +
                                        " has fewer ids than its text length");
        for (int64_t t = 0; t < text_lengths[b]; ++t)
            if (text_ids[b][t] < 0 || text_ids[b][t] >= config_.vocab)
                throw std::invalid_argument("ksmm: word id " + std::to_string(text_ids[b][t]) +
                                            " outside the vocabulary of " + std::to_string(config_.vocab));
    }
}

// Text features: embedding rows for real tokens, zero vectors at padded positions.
void KsmmModel::embed_text(const std::vector<std::vector<int>>& text_ids,
                           const std::vector<int>& text_lengths, Mode mode) {
    const int64_t B = static_cast<int64_t>(text_ids.size()), Tt = config_.text_len, dw = config_.d_word;
    text_lengths_ = text_lengths;
    if (mode == Mode::Train && embedding_.trainable) text_ids_ = text_ids;
    text_features_.resize({B, Tt, dw});
    text_features_.zero();
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < text_lengths[b]; ++t) {
            const int id = text_ids[b][t];
            std::copy(embedding_.value.data() + id * dw, embedding_.value.data() + (id + 1) * dw,
                      text_features_.data() + (b * Tt + t) * dw);
        }
}

void KsmmModel::embedding_backward(const Tensor& grad_features) {
    if (!embedding_.trainable) return;
    const int64_t Tt = config_.text_len, dw = config_.d_word;
    for (size_t b = 0; b < text_lengths_.size(); ++b)
        for (int64_t t = 0; t < text_lengths_[b]; ++t)
            add_into(embedding_.grad.data() + text_ids_[b][t] * dw, grad_features.data() + (b * Tt + t) * dw,
                     dw);
}

const Tensor& KsmmModel::forward_text(const std::vector<std::vector<int>>& text_ids,
                                      const std::vector<int>& text_lengths, Mode mode) {
    const int64_t B = static_cast<int64_t>(text_ids.size()), Tt = config_.text_len, d = config_.d;
    check_text(text_ids, text_lengths, B);
    batch_ = B;
    embed_text(text_ids, text_lengths, mode);
    const Tensor* t = &text_->in.forward(text_features_, mode);
    for (auto& layer : text_->enc) t = &layer->forward(*t, nullptr, &text_lengths_, mode);
    for (auto& layer : text_->ks) t = &layer->forward(*t, nullptr, nullptr, mode);
    text_ks_.copy_from(*t);
    text_pooled_.resize({B, d});
    text_pooled_.zero();
    for (int64_t b = 0; b < B; ++b) {
        float* p = text_pooled_.data() + b * d;
        for (int64_t i = 0; i < Tt; ++i) add_into(p, text_ks_.data() + (b * Tt + i) * d, d);
        for (int64_t j = 0; j < d; ++j) p[j] /= static_cast<float>(Tt);
    }
    return text_pooled_;
}

void KsmmModel::backward_text(const Tensor& grad_pooled) {
    const int64_t B = batch_, Tt = config_.text_len, d = config_.d;
    if (grad_pooled.shape() != nn::Shape{B, d})
        throw std::invalid_argument("ksmm backward_text: gradient " +
                                    nn::shape_to_string(grad_pooled.shape()) + ", expected [" +
                                    std::to_string(B) + ", " + std::to_string(d) + "]");
    grad_text_ks_.resize({B, Tt, d});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t i = 0; i < Tt; ++i)
            for (int64_t j = 0; j < d; ++j)
                grad_text_ks_[(b * Tt + i) * d + j] = grad_pooled[b * d + j] / static_cast<float>(Tt);
    const Tensor* g = &grad_text_ks_;
    for (auto it = text_->ks.rbegin(); it != text_->ks.rend(); ++it) g = &(*it)->backward(*g);
    for (auto it = text_->enc.rbegin(); it != text_->enc.rend(); ++it) g = &(*it)->backward(*g);
    embedding_backward(text_->in.backward(*g));
}

const Tensor& KsmmModel::forward(const Batch& batch, Mode mode) {
    const Tensor& x = batch.features;
    const int64_t Ta = config_.audio_len, Tt = config_.text_len, F = config_.n_audio;
    if (x.rank() != 3 || x.dim(2) != F)
        throw std::invalid_argument("ksmm: features " + nn::shape_to_string(x.shape()) +
                                    ", expected [B, T, " + std::to_string(F) + "]");
    const int64_t B = x.dim(0), T = x.dim(1);
    if (static_cast<int64_t>(batch.lengths.size()) != B)
        throw std::invalid_argument("ksmm: " + std::to_string(batch.lengths.size()) +
                                    " lengths for a batch of " + std::to_string(B));
    if (!batch.tokens.empty() && static_cast<int64_t>(batch.tokens.size()) != B)
        throw std::invalid_argument("ksmm: token lists for " + std::to_string(batch.tokens.size()) +
                                    " items in a batch of " + std::to_string(B));

    for (int64_t b = 0; b < B; ++b)
        if (batch.lengths[b] < 1 || batch.lengths[b] > T)
            throw std::invalid_argument("ksmm: item " + std::to_string(b) + " has length " +
                                        std::to_string(batch.lengths[b]) + ", expected 1.." +
                                        std::to_string(T));

    // Each item: z-normalised over all its raw frames, then cut (keeping the start) or
    // zero-padded to audio_len; tokens cut or padded (id 0) to text_len.
    nn::znormalize(x, batch.lengths, normalized_);
    prepared_audio_.resize({B, Ta, F});
    prepared_audio_.zero();
    std::vector<int> audio_lengths(B), text_lengths(B, 0);
    std::vector<std::vector<int>> ids(B, std::vector<int>(Tt, 0));
    for (int64_t b = 0; b < B; ++b) {
        const int64_t kept = std::min<int64_t>(batch.lengths[b], Ta);
        std::copy(normalized_.data() + b * T * F, normalized_.data() + (b * T + kept) * F,
                  prepared_audio_.data() + b * Ta * F);
        audio_lengths[b] = static_cast<int>(kept);
        if (!batch.tokens.empty()) {
            const auto& tokens = batch.tokens[b];
            const int64_t n = std::min<int64_t>(static_cast<int64_t>(tokens.size()), Tt);
            std::copy(tokens.begin(), tokens.begin() + n, ids[b].begin());
            text_lengths[b] = static_cast<int>(n);
        }
    }
    return forward_prepared(prepared_audio_, audio_lengths, ids, text_lengths, mode);
}

float KsmmModel::backward(const Batch& batch) {
    const float loss = emotion_loss(loss_, logits_, batch, "ksmm");
    backward_prepared(loss_.backward());
    return loss;
}

} // namespace emotion::models
