#include "train/text_pretrain.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "io/safetensors.h"
#include "models/ksmm_text.h"
#include "nn/encoder_layer.h"
#include "nn/loss.h"
#include "nn/schedule.h"

namespace emotion::train {

nlohmann::json TextPretrainSettings::to_json() const {
    return {{"optimizer", "adam"},      {"learning_rate", learning_rate},
            {"schedule", "cosine"},     {"epochs", epochs},
            {"batch_size", batch_size}, {"weight_decay", weight_decay},
            {"clip_norm", clip_norm},   {"class_weights", balance ? "N / (K n_c)" : "none"},
            {"selection", select},      {"seed", seed}};
}

TextPretrainer::TextPretrainer(nn::Context& context, const text::EmbeddingTable& table,
                               std::vector<std::string> labels, const nlohmann::json& config,
                               const TextPretrainSettings& settings)
    : labels_(std::move(labels)), settings_(settings), vocabulary_(table.words), model_([&] {
          nlohmann::json c = models::with_word_vectors(config, table);
          c["K"] = static_cast<int>(labels_.size());
          return std::make_unique<models::KsmmModel>(context, models::KsmmConfig::from_json(c));
      }()),
      head_(context, models::KsmmConfig::from_json(model_->config()).d, static_cast<int>(labels_.size())),
      shuffle_(settings.seed) {
    if (labels_.size() < 2) throw std::invalid_argument("text pretraining needs at least two labels");
    if (settings_.select != "macro_f1" && settings_.select != "ua")
        throw std::invalid_argument("selection metric '" + settings_.select + "' (known: macro_f1, ua)");
    if (settings_.batch_size < 1 || settings_.epochs < 1)
        throw std::invalid_argument("text pretraining needs a batch size and epochs of at least 1");
    nn::Rng rng(settings_.seed);
    model_->init(rng);
    nn::init_linear_default(head_, rng);
    models::ModelInfo info;
    models::attach_embeddings(*model_, info, table);

    for (const auto& entry : model_->parameters())
        if (models::is_text_branch_parameter(entry.name)) branch_.push_back(entry);
    nn::append_with_prefix(branch_, "pretrain_head", head_.parameters());
    trainable_ = nn::trainable_parameters(branch_);
    nn::AdamOptions options;
    options.lr = settings_.learning_rate;
    options.weight_decay = settings_.weight_decay;
    optimizer_ = std::make_unique<nn::Adam>(trainable_, options);
}

TextPretrainer::~TextPretrainer() = default;

std::vector<TextItem> TextPretrainer::prepare(const std::vector<io::LabelledText>& texts) const {
    const size_t max_tokens = static_cast<size_t>(models::KsmmConfig::from_json(model_->config()).text_len);
    std::vector<TextItem> items;
    items.reserve(texts.size());
    for (const auto& t : texts) items.push_back({vocabulary_.ids(t.text, max_tokens), t.label});
    return items;
}

double TextPretrainer::known_share(const std::vector<TextItem>& items) {
    size_t words = 0, known = 0;
    for (const auto& item : items) {
        words += item.ids.size();
        for (int id : item.ids) known += id != 0;
    }
    return words ? static_cast<double>(known) / words : 0.0;
}

void TextPretrainer::set_class_weights(const std::vector<TextItem>& train) {
    const size_t K = labels_.size();
    class_weights_.assign(K, 1.0f);
    if (!settings_.balance) return;
    std::vector<size_t> counts(K, 0);
    for (const auto& item : train) ++counts.at(item.label);
    for (size_t k = 0; k < K; ++k)
        class_weights_[k] = counts[k] ? static_cast<float>(double(train.size()) / (K * counts[k])) : 0.0f;
}

const nn::Tensor& TextPretrainer::logits(const std::vector<TextItem>& items, size_t begin, size_t end,
                                         nn::Mode mode) {
    const size_t B = end - begin;
    ids_.resize(B);
    lengths_.resize(B);
    targets_.resize(B);
    for (size_t b = 0; b < B; ++b) {
        const TextItem& item = items[begin + b];
        ids_[b] = item.ids;
        lengths_[b] = static_cast<int>(item.ids.size());
        targets_[b] = item.label;
    }
    return head_.forward(model_->forward_text(ids_, lengths_, mode), mode);
}

TextEpochReport TextPretrainer::train_epoch(const std::vector<TextItem>& train,
                                            const std::vector<TextItem>& valid) {
    if (train.empty()) throw std::invalid_argument("text pretraining: no training items");
    const auto start = std::chrono::steady_clock::now();
    TextEpochReport report;
    report.epoch = epoch_;
    if (class_weights_.empty()) set_class_weights(train);
    nn::CosineAnnealing schedule(settings_.learning_rate, settings_.epochs);
    report.learning_rate = schedule.lr(epoch_);
    optimizer_->set_lr(report.learning_rate);

    std::vector<size_t> order(train.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), shuffle_);
    std::vector<TextItem> batch;
    double loss_sum = 0.0;
    const size_t K = labels_.size();
    for (size_t first = 0; first < order.size(); first += settings_.batch_size) {
        const size_t last = std::min(order.size(), first + settings_.batch_size);
        batch.clear();
        for (size_t i = first; i < last; ++i) batch.push_back(train[order[i]]);
        nn::zero_grads(branch_);
        const nn::Tensor& out = logits(batch, 0, batch.size(), nn::Mode::Train);
        const int64_t B = out.dim(0);
        // Class-weighted cross-entropy: sum_b w_y (-log p_y) / sum_b w_y.
        probs_.resize(out.shape());
        nn::softmax_rows(out.data(), probs_.data(), B, static_cast<int64_t>(K));
        double weight_sum = 0.0, loss = 0.0;
        for (int64_t b = 0; b < B; ++b) weight_sum += class_weights_[targets_[b]];
        grad_logits_.resize(out.shape());
        for (int64_t b = 0; b < B; ++b) {
            const int y = targets_[b];
            const float w = static_cast<float>(class_weights_[y] / weight_sum);
            loss -= w * std::log(std::max(probs_[b * K + y], 1e-30f));
            for (size_t k = 0; k < K; ++k)
                grad_logits_[b * K + k] = w * (probs_[b * K + k] - (static_cast<int>(k) == y ? 1.0f : 0.0f));
        }
        model_->backward_text(head_.backward(grad_logits_));
        if (settings_.clip_norm > 0) nn::clip_grad_norm(trainable_, static_cast<float>(settings_.clip_norm));
        optimizer_->step();
        loss_sum += loss;
        ++report.steps;
    }
    report.train_loss = loss_sum / std::max(report.steps, 1);
    report.valid = evaluate(valid);
    report.score = settings_.select == "ua" ? report.valid.unweighted_accuracy() : report.valid.macro_f1();
    if (report.score > best_score_) {
        best_score_ = report.score;
        best_epoch_ = epoch_;
        report.improved = true;
        best_.resize(branch_.size());
        for (size_t i = 0; i < branch_.size(); ++i) best_[i].copy_from(branch_[i].parameter->value);
    }
    ++epoch_;
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

ConfusionMatrix TextPretrainer::evaluate(const std::vector<TextItem>& items) {
    ConfusionMatrix matrix(labels_);
    // Layers keep their activations per batch: 64 items keep that at ~1/4 of what 256 need.
    const size_t K = labels_.size(), chunk = 64;
    for (size_t first = 0; first < items.size(); first += chunk) {
        const size_t last = std::min(items.size(), first + chunk);
        const nn::Tensor& out = logits(items, first, last, nn::Mode::Infer);
        for (size_t b = 0; b < last - first; ++b) {
            const float* row = out.data() + b * K;
            matrix.add(items[first + b].label, static_cast<int>(std::max_element(row, row + K) - row));
        }
    }
    return matrix;
}

void TextPretrainer::restore_best() {
    for (size_t i = 0; i < best_.size(); ++i) branch_[i].parameter->value.copy_from(best_[i]);
}

void TextPretrainer::save(const std::string& path, const nlohmann::json& training,
                          const nlohmann::json& metrics) {
    io::SafetensorsWriter writer;
    writer.set_metadata("format", models::kTextBranchFormat);
    writer.set_metadata("vocabulary", nlohmann::json(vocabulary_.words()).dump());
    writer.set_metadata("config", model_->config().dump());
    writer.set_metadata("labels", nlohmann::json(labels_).dump());
    writer.set_metadata("training", training.dump());
    writer.set_metadata("metrics", metrics.dump());
    for (const auto& entry : branch_) writer.add(entry.name, entry.parameter->value);
    writer.write_atomic(path);
}

} // namespace emotion::train
