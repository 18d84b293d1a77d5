// Mini-batch training of any Model from examples that arrive one at a time (a stream of
// segments), with validation, best-model tracking and early stopping. Memory is one batch plus
// the best parameters, whatever the dataset size. The classifier elements in mode=train and the
// tools drive it; nothing here knows about GStreamer.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/architecture.h"
#include "models/model.h"
#include "nn/optim.h"
#include "dsp/feature_mask.h"
#include "nn/rng.h"
#include "train/calibration.h"
#include "nn/schedule.h"
#include "train/metrics.h"

namespace emotion::train {

// The settings of a training run: the architecture's published ones (models::PublishedTraining:
// optimiser, schedule, batch size, patience, BatchNorm re-estimation), as the user overrides
// them, and those of the run alone.
struct TrainSettings : models::PublishedTraining {
    double clip_norm = 0.0; // global gradient norm limit; 0 = off
    uint64_t seed = 1;
    // SpecAugment-style time and feature masks on each training example (validation untouched),
    // drawn from (seed, epoch, example index in the epoch)
    dsp::FeatureMaskSettings feature_masks;

    // The published settings of an architecture (spec/MODELS.md; its descriptor's `training`).
    static TrainSettings defaults(const models::Architecture& architecture);
    static TrainSettings defaults(const std::string& architecture); // by name

    nlohmann::json to_json() const;
};

// One labelled training or validation item: LLD frames [frames, frame_size] of a segment, or one
// mu-law segment (frames = 1, frame_size = 400 * 200); for ksmm also the word ids of its text.
struct Example {
    std::vector<float> features;
    int frames = 0;
    std::vector<int> tokens;
    int emotion = -1;
    int speaker = -1;
    int gender = -1;
};

struct EpochReport {
    int epoch = 0;
    double learning_rate = 0.0;
    int train_examples = 0, train_steps = 0;
    double train_loss = 0.0, train_accuracy = 0.0;
    double train_emotion_loss =
        0.0; // cross-entropy of the emotion head alone (train_loss adds auxiliary tasks)
    bool has_validation = false;
    int valid_examples = 0;
    double valid_loss = 0.0, wa = 0.0, ua = 0.0, macro_f1 = 0.0;
    // temperature scaling fitted on this epoch's validation posteriors (minimum NLL,
    // train/calibration.h), and the expected calibration error before and after; 1 and 0
    // without validation
    double temperature = 1.0, ece = 0.0, calibrated_ece = 0.0;
    bool improved = false; // best validation UA so far (without validation: trained at all)
    bool stop = false;     // early stopping says: no further epoch
    double best_ua = 0.0;
    int best_epoch = -1;
    double seconds = 0.0;     // wall time of the epoch
    nlohmann::json confusion; // validation confusion matrix (ConfusionMatrix::to_json)
    nlohmann::json to_json() const;
};

class Trainer {
public:
    // `frame_size`: floats per frame (36 for LLD, 80000 for a mu-law segment), the model
    // architecture's item size (std::invalid_argument otherwise).
    Trainer(models::Model& model, std::vector<std::string> labels, const TrainSettings& settings,
            int frame_size);
    ~Trainer();

    const TrainSettings& settings() const { return settings_; }
    // Sets the learning rate of the epoch from the schedule.
    void begin_epoch(int epoch);
    // Queues a training example; runs an optimisation step when the batch is full. Returns true
    // when a step ran (its loss is last_loss()).
    bool add_training(Example example);
    double last_loss() const { return last_loss_; }
    int steps_in_epoch() const { return steps_; }
    // Evaluates one validation utterance: the mean of its parts' posteriors (one part for LLD
    // segments; the 2 s segments of an utterance for mu-law input).
    void add_validation(const std::vector<Example>& parts);
    // Runs the last partial batch, computes the epoch's metrics, updates the best model and the
    // early-stopping state.
    EpochReport end_epoch();

    // The parameters of the best epoch so far (the current ones until an epoch improved).
    void copy_best_into_model();
    bool has_best() const { return !best_.empty(); }
    double best_ua() const { return best_ua_; }
    double best_temperature() const { return best_temperature_; }
    int best_epoch() const { return best_epoch_; }

    // Checkpoints (train/checkpoint.h): the optimiser, and the best-model and early-stopping
    // bookkeeping between epochs, so that a resumed run continues exactly.
    nn::Optimizer& optimizer() { return *optimizer_; }
    const nn::Optimizer& optimizer() const { return *optimizer_; }
    nlohmann::json progress() const;
    void restore_progress(const nlohmann::json& progress);

private:
    void step();
    // Once per epoch, before the first validation utterance: the last partial batch, then the
    // BatchNorm statistics for the weights the validation sees.
    void finish_training();
    void keep_for_recalibration(const Example& example);
    void mask(Example& example) const;
    void recalibrate_batch_norms();
    void snapshot_best();

    models::Model& model_;
    const models::Architecture& architecture_;
    std::vector<std::string> labels_;
    TrainSettings settings_;
    int frame_size_;
    std::unique_ptr<nn::Optimizer> optimizer_;
    std::unique_ptr<nn::LrSchedule> schedule_;
    std::vector<nn::Parameter*> trainable_;

    std::vector<Example> batch_;
    bool training_finished_ = false;
    std::vector<Example> recalibration_; // reservoir sample of the epoch's training examples
    int64_t offered_ = 0;                // training examples seen by the reservoir
    nn::Rng reservoir_rng_;
    models::Batch model_batch_;
    int epoch_ = 0;
    double lr_ = 0.0;
    std::chrono::steady_clock::time_point epoch_start_;
    double last_loss_ = 0.0, loss_sum_ = 0.0;
    double emotion_loss_sum_ = 0.0; // the emotion head's share of loss_sum_ (without auxiliary tasks)
    int steps_ = 0, seen_ = 0, correct_ = 0;

    ConfusionMatrix valid_;
    double valid_loss_sum_ = 0.0;

    std::vector<nn::Tensor> best_;
    double best_ua_ = -1.0;
    double best_temperature_ = 1.0;
    std::vector<LabelledScores> valid_scores_; // this epoch's validation posteriors
    int best_epoch_ = -1;
    bool above_chance_ = false;
    int epochs_without_improvement_ = 0;
};

} // namespace emotion::train
