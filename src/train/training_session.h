// One training run, driven by plain calls: the trainable elements translate their events into
// them (gst/classifier-training.cpp), tests call them directly.
//
//   TrainingSession session(settings, listener);           // checks the output folder
//   session.start_from(std::move(classifier));              // optional: fine-tune this model
//   for each epoch:
//       session.start_epoch(epoch, dataset);                // first: resume, fine-tune or build
//       session.add(segment) ...                            // train / valid; test is never used
//       session.end_epoch();                                // validate, best model, checkpoint
//   session.finish();
//
// At every epoch that saw data it validates, writes the best model atomically and then a
// checkpoint of the latest state, from which `resume` continues an interrupted run: the epochs
// already done are skipped as the data is replayed (same seed, same order). A model already at
// the output when a run begins is kept until the run finishes (a new run's first epochs are
// usually worse than a finished model): meanwhile the best model goes to NAME.pending.safetensors,
// which finish() renames over the output. A run that is killed and not resumed leaves the old
// model in place and the pending one beside it. A fine-tuned model's
// schedule continues after the epochs it was trained for. Errors are TrainingErrors; progress,
// warnings and notices go to the listener.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/architecture.h"
#include "models/classifier.h"
#include "train/dataset.h"
#include "train/run_start.h"
#include "train/trainer.h"
#include "train/training_listener.h"

namespace emotion::train {

struct SessionSettings {
    const models::Architecture* architecture = nullptr; // of the model to train
    TrainSettings train;
    std::string output_path; // the best model; the checkpoint goes beside it
    nlohmann::json config_overrides = nlohmann::json::object(); // a new model's configuration
    bool resume = false;       // continue from the checkpoint when there is one
    int threads = 1;           // OpenMP threads of the model's work
    ModelFactory create_model; // a new model (unset: the architecture's own)
};

// A finished segment of an utterance and its examples (features; word ids for ksmm); the
// session fills in the examples' labels from the segment's.
struct LabelledSegment {
    std::string id;
    std::string split; // "train" or "" (training), "valid", "test" (never used); others ignored
    std::string true_emotion, speaker, gender;
    std::vector<Example> parts;
};

class TrainingSession {
public:
    // Throws TrainingError when there is no output path, its folder is not writable or the
    // configuration overrides are not a JSON object.
    TrainingSession(SessionSettings settings, TrainingListener& listener);
    ~TrainingSession();

    // Fine-tunes `classifier` instead of building a new model (before the first epoch).
    void start_from(std::unique_ptr<models::Classifier> classifier);
    // Closes an epoch left open, then starts `epoch` (0-based, of this run). The first one
    // resumes from the checkpoint, fine-tunes the given model or builds a new one for the
    // dataset's labels. Does nothing once early stopping has stopped the run.
    void start_epoch(int epoch, const DatasetDescription& dataset);
    // Trains on, or validates with, a segment by its split. Segments without an epoch start
    // (after the first) make one epoch.
    void add(LabelledSegment segment);
    // Validation, best model, checkpoint, report, early stopping. An epoch that saw no data
    // changes nothing. A best model that cannot be written is a TrainingError (Write), thrown
    // after the checkpoint and the report.
    void end_epoch();
    // Closes the open epoch and reports the run.
    void finish();

    bool ready() const { return trainer_ != nullptr; }             // the model and its trainer exist
    bool stopped() const { return stop_; }                         // early stopping: no further epoch
    models::Classifier* classifier() { return classifier_.get(); } // null before a model
    const models::Classifier* classifier() const { return classifier_.get(); }
    const std::string& checkpoint_path() const { return checkpoint_path_; }

private:
    void set_up(const DatasetDescription& dataset);
    bool resume();
    void begin(int epoch);
    // Speaker-normalised models: z-scores the parts by their speaker (speaker_reset, and the
    // first epoch's population prior, for training segments).
    void condition(std::vector<Example>& parts, const std::string& speaker, bool validation);
    // The run's thread count in effect for what follows, once there is a model (its primitives
    // are made and run with it).
    std::optional<nn::ThreadScope> model_threads() const;
    double training_seconds() const;
    void describe_training(const EpochReport& report);
    void save_checkpoint();
    // Where the best model goes now: the output, or the pending file while a model that was at
    // the output when the run began is kept.
    const std::string& best_model_path() const;
    void publish_pending_model();

    SessionSettings settings_;
    TrainingListener& listener_;
    std::string checkpoint_path_;
    std::unique_ptr<models::Classifier> classifier_;
    std::unique_ptr<Trainer> trainer_;
    DatasetDescription dataset_;

    int skip_epochs_ = 0;         // epochs a resumed run has already done
    bool skipping_ = false;       // inside one of those epochs
    double seconds_before_ = 0.0; // training time before the resumption
    int epoch_offset_ = 0;        // epochs of the starting model
    int epoch_ = -1;              // current epoch, -1 outside one
    int epochs_run_ = 0;
    bool stop_ = false;
    bool keeps_output_ = false; // see RunProgress::keeps_output
    std::string pending_path_;
    int skipped_ = 0;                 // segments labelled with a class the model does not have
    int unlabelled_ = 0;              // segments without a true label
    bool learning_prior_ = false;     // this epoch's training speech is the model's population prior
    models::FrameMoments population_; // that speech so far
    std::mt19937_64 speaker_resets_;  // speaker_reset's and speaker_first's draws
    std::chrono::steady_clock::time_point started_;
};

} // namespace emotion::train
