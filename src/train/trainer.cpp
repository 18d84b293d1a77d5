#include "train/trainer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "dsp/augment_rng.h"
#include "nn/loss.h"

namespace emotion::train {

TrainSettings TrainSettings::defaults(const models::Architecture& architecture) {
    TrainSettings s;
    static_cast<models::PublishedTraining&>(s) = architecture.training;
    return s;
}

TrainSettings TrainSettings::defaults(const std::string& architecture) {
    return defaults(models::architecture_named(architecture));
}

nlohmann::json TrainSettings::to_json() const {
    nlohmann::json j = {{"optimizer", optimizer},
                        {"learning_rate", learning_rate},
                        {"weight_decay", weight_decay},
                        {"schedule", schedule},
                        {"batch_size", batch_size},
                        {"patience", patience},
                        {"clip_norm", clip_norm},
                        {"bn_recalibration", bn_recalibration},
                        {"seed", seed}};
    if (!feature_masks.empty()) j["feature_masks"] = feature_masks.to_string(); // absent in older runs
    if (optimizer == "sgd") {
        j["momentum"] = momentum;
        j["nesterov"] = nesterov;
    }
    if (schedule == "multistep") {
        j["milestones"] = milestones;
        j["gamma"] = gamma;
    }
    if (schedule == "cosine") j["cosine_epochs"] = cosine_epochs;
    return j;
}

nlohmann::json EpochReport::to_json() const {
    nlohmann::json j = {{"epoch", epoch},
                        {"learning_rate", learning_rate},
                        {"train_examples", train_examples},
                        {"train_loss", train_loss},
                        {"train_emotion_loss", train_emotion_loss},
                        {"train_accuracy", train_accuracy},
                        {"seconds", seconds},
                        {"improved", improved},
                        {"stop", stop}};
    if (has_validation) {
        j["valid_examples"] = valid_examples;
        j["valid_loss"] = valid_loss;
        j["wa"] = wa;
        j["ua"] = ua;
        j["macro_f1"] = macro_f1;
        j["best_ua"] = best_ua;
        j["best_epoch"] = best_epoch;
        j["confusion"] = confusion;
        j["temperature"] = temperature;
        j["ece"] = ece;
        j["calibrated_ece"] = calibrated_ece;
    }
    return j;
}

Trainer::Trainer(models::Model& model, std::vector<std::string> labels, const TrainSettings& settings,
                 int frame_size)
    : model_(model), architecture_(models::architecture_of(model)), labels_(std::move(labels)),
      settings_(settings), frame_size_(frame_size), valid_(labels_) {
    if (settings_.batch_size < 1) throw std::invalid_argument("batch size must be at least 1");
    if (frame_size_ != architecture_.item_size())
        throw std::invalid_argument("examples of " + std::to_string(frame_size_) +
                                    " floats per frame for a " + architecture_.name + " model, which takes " +
                                    architecture_.features.describe());
    if (static_cast<int>(labels_.size()) != model_.num_classes())
        throw std::invalid_argument("the model has " + std::to_string(model_.num_classes()) +
                                    " classes but " + std::to_string(labels_.size()) + " labels");
    trainable_ = nn::trainable_parameters(model_.parameters());
    if (settings_.optimizer == "adam") {
        nn::AdamOptions options;
        options.lr = settings_.learning_rate;
        options.weight_decay = settings_.weight_decay;
        optimizer_ = std::make_unique<nn::Adam>(trainable_, options);
    } else if (settings_.optimizer == "sgd") {
        nn::SgdOptions options;
        options.lr = settings_.learning_rate;
        options.momentum = settings_.momentum;
        options.nesterov = settings_.nesterov;
        options.weight_decay = settings_.weight_decay;
        optimizer_ = std::make_unique<nn::Sgd>(trainable_, options);
    } else {
        throw std::invalid_argument("unknown optimizer '" + settings_.optimizer + "' (adam, sgd)");
    }
    if (settings_.schedule == "cosine")
        schedule_ = std::make_unique<nn::CosineAnnealing>(settings_.learning_rate,
                                                          std::max(1, settings_.cosine_epochs));
    else if (settings_.schedule == "multistep")
        schedule_ =
            std::make_unique<nn::MultiStep>(settings_.learning_rate, settings_.milestones, settings_.gamma);
    else if (settings_.schedule != "none")
        throw std::invalid_argument("unknown schedule '" + settings_.schedule +
                                    "' (none, cosine, multistep)");
    begin_epoch(0);
}

Trainer::~Trainer() = default;

void Trainer::begin_epoch(int epoch) {
    epoch_ = epoch;
    lr_ = schedule_ ? schedule_->lr(epoch) : settings_.learning_rate;
    optimizer_->set_lr(lr_);
    batch_.clear();
    training_finished_ = false;
    recalibration_.clear();
    offered_ = 0;
    reservoir_rng_ = nn::Rng(settings_.seed * 1000003u + static_cast<uint64_t>(epoch));
    loss_sum_ = 0.0;
    emotion_loss_sum_ = 0.0;
    steps_ = seen_ = correct_ = 0;
    valid_ = ConfusionMatrix(labels_);
    valid_loss_sum_ = 0.0;
    valid_scores_.clear();
    epoch_start_ = std::chrono::steady_clock::now();
}

namespace {

// The examples as a model batch: their features laid out as the architecture wants them
// (padded sequences or segment images); word ids when any example has text.
void fill_batch(const models::Architecture& architecture, const Example* examples, size_t count,
                models::Batch& batch) {
    const int b = static_cast<int>(count);
    std::vector<models::FeatureItem> items;
    items.reserve(count);
    for (size_t i = 0; i < count; ++i) items.push_back({examples[i].features.data(), examples[i].frames});
    architecture.fill_features(items.data(), count, batch);
    batch.targets.clear();
    batch.tokens.clear();
    for (int i = 0; i < b; ++i)
        if (!examples[i].tokens.empty()) {
            for (int j = 0; j < b; ++j) batch.tokens.push_back(examples[j].tokens);
            break;
        }
    auto& emotion = batch.targets["emotion"];
    bool speakers = false, genders = false;
    for (int i = 0; i < b; ++i) {
        emotion.push_back(examples[i].emotion);
        speakers |= examples[i].speaker >= 0;
        genders |= examples[i].gender >= 0;
    }
    for (int i = 0; i < b && speakers; ++i) batch.targets["speaker"].push_back(examples[i].speaker);
    for (int i = 0; i < b && genders; ++i) batch.targets["gender"].push_back(examples[i].gender);
}

// -log softmax(logits)[target], in double.
double cross_entropy(const float* logits, int k, int target) {
    const float top = *std::max_element(logits, logits + k);
    double sum = 0.0;
    for (int j = 0; j < k; ++j) sum += std::exp(static_cast<double>(logits[j]) - top);
    return std::log(sum) - (static_cast<double>(logits[target]) - top);
}

} // namespace

bool Trainer::add_training(Example example) {
    if (example.emotion < 0 || example.emotion >= static_cast<int>(labels_.size()))
        throw std::invalid_argument("training example without a known emotion label");
    training_finished_ = false;
    keep_for_recalibration(example); // BatchNorm statistics from unmasked features
    mask(example);
    batch_.push_back(std::move(example));
    if (static_cast<int>(batch_.size()) < settings_.batch_size) return false;
    step();
    return true;
}

void Trainer::step() {
    fill_batch(architecture_, batch_.data(), batch_.size(), model_batch_);
    optimizer_->zero_grad();
    const nn::Tensor& logits = model_.forward(model_batch_, nn::Mode::Train);
    const int k = static_cast<int>(logits.dim(1));
    for (size_t i = 0; i < batch_.size(); ++i) {
        const float* row = logits.data() + i * k;
        if (std::max_element(row, row + k) - row == batch_[i].emotion) ++correct_;
        emotion_loss_sum_ += cross_entropy(row, k, batch_[i].emotion);
    }
    last_loss_ = model_.backward(model_batch_);
    if (settings_.clip_norm > 0.0) nn::clip_grad_norm(trainable_, static_cast<float>(settings_.clip_norm));
    optimizer_->step();
    loss_sum_ += last_loss_ * batch_.size();
    seen_ += static_cast<int>(batch_.size());
    ++steps_;
    batch_.clear();
}

void Trainer::mask(Example& example) const {
    if (settings_.feature_masks.empty()) return;
    const int index = seen_ + static_cast<int>(batch_.size()); // of this example in the epoch
    dsp::AugmentRng rng(
        dsp::augment_seed(settings_.seed, static_cast<uint64_t>(epoch_), "mask/" + std::to_string(index)));
    const models::FeatureSpec& spec = architecture_.features;
    if (spec.kind == models::FeatureKind::Mulaw) // one [frequency, frame] segment
        dsp::mask_features(example.features.data(), spec.dimensions[1], spec.dimensions[0],
                           dsp::FeatureLayout::features_by_frames, settings_.feature_masks, rng);
    else
        dsp::mask_features(example.features.data(), example.frames, frame_size_,
                           dsp::FeatureLayout::frames_by_features, settings_.feature_masks, rng);
}

void Trainer::keep_for_recalibration(const Example& example) {
    const int capacity = settings_.bn_recalibration;
    if (capacity <= 0 || model_.batch_norms().empty()) return;
    ++offered_; // reservoir sampling (algorithm R): every example kept with equal probability
    if (static_cast<int>(recalibration_.size()) < capacity) {
        recalibration_.push_back(example);
        return;
    }
    const uint64_t slot = reservoir_rng_.next() % static_cast<uint64_t>(offered_);
    if (slot < static_cast<uint64_t>(capacity)) recalibration_[slot] = example;
}

void Trainer::recalibrate_batch_norms() {
    // Precise BatchNorm (Wu & Johnson, 2021): Train-mode forwards over the sample with the
    // running statistics as the exact average of the batches' statistics (no backward).
    const std::vector<nn::BatchNorm2d*> norms = model_.batch_norms();
    std::vector<float> momenta;
    for (const nn::BatchNorm2d* bn : norms) momenta.push_back(bn->momentum());
    const size_t n = recalibration_.size(), chunk = static_cast<size_t>(settings_.batch_size);
    size_t used = 0;
    for (size_t first = 0; first + 1 < n; first += chunk) {
        const size_t count = std::min(chunk, n - first);
        if (count < 2) break; // BatchNorm cannot normalise a batch of one
        used += count;
        for (nn::BatchNorm2d* bn : norms) bn->set_momentum(static_cast<float>(count) / used);
        fill_batch(architecture_, recalibration_.data() + first, count, model_batch_);
        model_.forward(model_batch_, nn::Mode::Train);
    }
    for (size_t i = 0; i < norms.size(); ++i) norms[i]->set_momentum(momenta[i]);
    recalibration_.clear();
}

void Trainer::finish_training() {
    // BatchNorm cannot normalise a batch of one: a lone last example waits for the next epoch.
    if (batch_.size() > 1 || (!batch_.empty() && model_.batch_norms().empty())) step();
    batch_.clear();
    recalibrate_batch_norms();
    training_finished_ = true;
}

void Trainer::add_validation(const std::vector<Example>& parts) {
    if (parts.empty() || parts[0].emotion < 0) return;
    if (!training_finished_) finish_training();
    fill_batch(architecture_, parts.data(), parts.size(), model_batch_);
    const nn::Tensor& logits = model_.forward(model_batch_, nn::Mode::Infer);
    const int n = static_cast<int>(logits.dim(0)), k = static_cast<int>(logits.dim(1));
    std::vector<float> probs(size_t(n) * k);
    nn::softmax_rows(logits.data(), probs.data(), n, k);
    std::vector<double> mean(k, 0.0);
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < k; ++c) mean[c] += probs[size_t(i) * k + c] / n;
    int best = static_cast<int>(std::max_element(mean.begin(), mean.end()) - mean.begin());
    valid_.add(parts[0].emotion, best);
    valid_scores_.push_back({std::vector<float>(mean.begin(), mean.end()), parts[0].emotion});
    valid_loss_sum_ += -std::log(std::max(mean[parts[0].emotion], 1e-12));
}

void Trainer::snapshot_best() {
    auto table = model_.parameters();
    best_.resize(table.size());
    for (size_t i = 0; i < table.size(); ++i) best_[i].copy_from(table[i].parameter->value);
}

void Trainer::copy_best_into_model() {
    if (best_.empty()) return;
    auto table = model_.parameters();
    for (size_t i = 0; i < table.size(); ++i) table[i].parameter->value.copy_from(best_[i]);
}

nlohmann::json Trainer::progress() const {
    return {{"best_ua", best_ua_},
            {"best_temperature", best_temperature_},
            {"best_epoch", best_epoch_},
            {"above_chance", above_chance_},
            {"epochs_without_improvement", epochs_without_improvement_}};
}

void Trainer::restore_progress(const nlohmann::json& progress) {
    best_ua_ = progress.at("best_ua").get<double>();
    best_epoch_ = progress.at("best_epoch").get<int>();
    best_temperature_ = progress.value("best_temperature", 1.0); // checkpoints before calibration: 1
    above_chance_ = progress.at("above_chance").get<bool>();
    epochs_without_improvement_ = progress.at("epochs_without_improvement").get<int>();
}

EpochReport Trainer::end_epoch() {
    if (!training_finished_) finish_training();

    EpochReport r;
    r.epoch = epoch_;
    r.learning_rate = lr_;
    r.train_examples = seen_;
    r.train_steps = steps_;
    r.train_loss = seen_ ? loss_sum_ / seen_ : 0.0;
    r.train_accuracy = seen_ ? static_cast<double>(correct_) / seen_ : 0.0;
    r.train_emotion_loss = seen_ ? emotion_loss_sum_ / seen_ : 0.0;
    r.has_validation = valid_.total() > 0;
    if (r.has_validation) {
        r.valid_examples = valid_.total();
        r.valid_loss = valid_loss_sum_ / valid_.total();
        r.wa = valid_.weighted_accuracy();
        r.ua = valid_.unweighted_accuracy();
        r.macro_f1 = valid_.macro_f1();
        r.confusion = valid_.to_json();
        r.temperature = fit_temperature(valid_scores_);
        r.ece = expected_calibration_error(valid_scores_);
        std::vector<LabelledScores> scaled = valid_scores_;
        for (auto& s : scaled) s.posteriors = apply_temperature(s.posteriors, r.temperature);
        r.calibrated_ece = expected_calibration_error(scaled);
        r.improved = r.ua > best_ua_;
        // Patience counts from the first epoch above chance: early epochs often predict a
        // single class (spec/MODELS.md M1), and stopping there keeps a constant classifier.
        above_chance_ |= r.ua > 1.0 / labels_.size() + 1e-9;
        if (r.improved) {
            best_ua_ = r.ua;
            best_epoch_ = epoch_;
            best_temperature_ = r.temperature;
            snapshot_best();
            epochs_without_improvement_ = 0;
        } else if (above_chance_) {
            ++epochs_without_improvement_;
        }
        r.stop = settings_.patience > 0 && above_chance_ && epochs_without_improvement_ >= settings_.patience;
    } else if (seen_ > 0) {
        r.improved = true; // without validation the latest model is the one to keep
        best_epoch_ = epoch_;
        snapshot_best();
    }
    r.best_ua = best_ua_;
    r.best_epoch = best_epoch_;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start_).count();
    return r;
}

} // namespace emotion::train
