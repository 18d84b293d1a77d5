// How a training run gets the model it trains when it is not given one: a new model built for
// the dataset's labels, or the model and trainer state of the run's checkpoint. Both throw
// TrainingError with the message the user sees.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/architecture.h"
#include "models/classifier.h"
#include "nn/rng.h"
#include "train/trainer.h"

namespace emotion::train {

// Builds a new model with fresh weights from `rng`, filling what it knows of `info` (ksmm: its
// vocabulary, from word vectors). Unset: the architecture's create and Model::init.
using ModelFactory = std::function<std::unique_ptr<models::Model>(
    nn::Context& context, const nlohmann::json& config, nn::Rng& rng, models::ModelInfo& info)>;

// What a new model is made for.
struct NewModelSpec {
    const models::Architecture* architecture = nullptr;
    nlohmann::json config_overrides = nlohmann::json::object();
    std::vector<std::string> labels; // at least two
    int speakers = 0, genders = 0;   // of the training data (M1's extra heads)
    uint64_t seed = 1;
    std::string path; // where it will be written (names it in messages)
    int threads = 1;  // of the new model's context
};

std::unique_ptr<models::Classifier> new_classifier(const NewModelSpec& spec, const ModelFactory& factory);

// The bookkeeping of a run that a checkpoint carries besides the trainer's state.
struct RunProgress {
    int epochs_done = 0;       // epochs of this run
    int epoch_offset = 0;      // epochs of the model it started from
    bool stopped = false;      // early stopping said no further epoch
    double seconds = 0.0;      // training time so far
    bool keeps_output = false; // a model was at the output when the run began: the best goes to
                               // the pending file until the run finishes
    nlohmann::json to_json() const;
    static RunProgress from_json(const nlohmann::json& run); // throws when a field is missing
};

struct ResumedRun {
    std::unique_ptr<models::Classifier> classifier;
    std::unique_ptr<Trainer> trainer;
    RunProgress progress;
};

// Continues the run whose checkpoint is `checkpoint`: refused (TrainingError) when the file is
// unreadable or holds another architecture, other labels or other training settings. The
// classifier is named `model_path`, the file the run writes.
ResumedRun resume_run(const std::string& checkpoint, const models::Architecture& architecture,
                      const std::vector<std::string>& labels, const TrainSettings& settings, int threads,
                      const std::string& model_path);

} // namespace emotion::train
