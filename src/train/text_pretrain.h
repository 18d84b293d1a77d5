// Pretraining M4's text branch alone on labelled text (GoEmotions): the branch of a KsmmModel
// (KsmmModel::forward_text: frozen word vectors -> text.in -> text.enc.* -> text.ks.* -> mean)
// and a temporary head `pretrain_head` (Linear d -> K on the mean) trained with Adam and a
// class-weighted cross-entropy; the epoch is chosen by validation macro-F1 (or UA). The result
// is a text-branch file (models/ksmm_text.h) from which new ksmm models start
// (models::create_ksmm_model). The tool is emotion-pretrain-text.
//
// Memory: the model, one batch, the tokenised corpus (word ids, at most text_len per item) and a
// copy of the best branch; texts themselves are not kept.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/text_corpus.h"
#include "models/ksmm_model.h"
#include "nn/context.h"
#include "nn/linear.h"
#include "nn/optim.h"
#include "text/embedding_table.h"
#include "text/vocabulary.h"
#include "train/metrics.h"

namespace emotion::train {

struct TextPretrainSettings {
    int epochs = 4;
    int batch_size = 32;
    double learning_rate = 5e-4; // Adam, cosine schedule over `epochs`
    double weight_decay = 0.0;
    double clip_norm = 5.0;          // 0 = off
    bool balance = true;             // loss weights N / (K n_c): the corpus is 44 % joy, 7 % sadness
    std::string select = "macro_f1"; // validation metric choosing the epoch: "macro_f1" | "ua"
    uint64_t seed = 1;
    nlohmann::json to_json() const;
};

struct TextItem {
    std::vector<int> ids; // at most text_len word ids (0 = unknown word)
    int label = -1;
};

struct TextEpochReport {
    int epoch = 0;
    double learning_rate = 0.0, train_loss = 0.0, seconds = 0.0;
    int steps = 0;
    ConfusionMatrix valid{{}};
    double score = 0.0; // the selection metric on validation
    bool improved = false;
};

class TextPretrainer {
public:
    // `config`: ksmm configuration overrides (d, heads, n_enc, n_ks, ...; vocab and d_word come
    // from the table, K from labels).
    TextPretrainer(nn::Context& context, const text::EmbeddingTable& table, std::vector<std::string> labels,
                   const nlohmann::json& config, const TextPretrainSettings& settings);
    ~TextPretrainer();

    // Word ids of each text (the first text_len words).
    std::vector<TextItem> prepare(const std::vector<io::LabelledText>& texts) const;
    // Share of words (in `items`, up to text_len each) that the table knows.
    static double known_share(const std::vector<TextItem>& items);

    // One epoch over `train` (shuffled with the seed), then validation on `valid`; keeps the
    // branch of the best epoch so far.
    TextEpochReport train_epoch(const std::vector<TextItem>& train, const std::vector<TextItem>& valid);
    ConfusionMatrix evaluate(const std::vector<TextItem>& items);
    // Puts the best epoch's weights back (no-op before the first epoch).
    void restore_best();
    int best_epoch() const { return best_epoch_; }

    // Writes the text-branch file (format models::kTextBranchFormat).
    void save(const std::string& path, const nlohmann::json& training, const nlohmann::json& metrics);

    models::KsmmModel& model() { return *model_; }
    const text::Vocabulary& vocabulary() const { return vocabulary_; }

private:
    void set_class_weights(const std::vector<TextItem>& train);
    const nn::Tensor& logits(const std::vector<TextItem>& items, size_t begin, size_t end, nn::Mode mode);

    std::vector<std::string> labels_;
    TextPretrainSettings settings_;
    text::Vocabulary vocabulary_;
    std::unique_ptr<models::KsmmModel> model_;
    nn::Linear head_;
    nn::ParameterTable branch_; // text.* (without ccab) and pretrain_head.*
    std::vector<nn::Parameter*> trainable_;
    std::unique_ptr<nn::Adam> optimizer_;
    std::mt19937_64 shuffle_;
    std::vector<float> class_weights_;
    int epoch_ = 0, best_epoch_ = -1;
    double best_score_ = -1.0;
    std::vector<nn::Tensor> best_;
    // batch buffers
    std::vector<std::vector<int>> ids_;
    std::vector<int> lengths_, targets_;
    nn::Tensor probs_, grad_logits_;
};

} // namespace emotion::train
