// What a TrainingSession reports while it runs: a step's loss, an epoch's metrics, the end of
// the run, warnings and notices, and log lines. The trainable elements turn these into bus
// messages (gst/classifier-training.cpp); a test records them.
#pragma once

#include <string>

#include "train/trainer.h"
#include "train/training_issue.h"

namespace emotion::train {

// After every optimisation step. Epochs count on from a fine-tuned or resumed model's epochs.
struct StepProgress {
    int epoch = 0, epochs = 0;
    int step = 0;
    int steps = 0; // estimated steps per epoch (training utterances / batch size)
    double loss = 0.0;
};

// After every epoch that saw data.
struct EpochSummary {
    EpochReport report; // report.epoch counts on like StepProgress::epoch
    int epochs = 0;
    double elapsed = 0.0; // seconds since the session was made
};

// At the end of the run.
struct RunSummary {
    int epochs_run = 0; // this run's epochs, resumed ones included
    int best_epoch = -1;
    double best_ua = 0.0;
    bool stopped_early = false;
    std::string model_path;
};

enum class LogDetail { Epoch, Segment }; // a line per epoch (or event), or per segment

class TrainingListener {
public:
    virtual ~TrainingListener() = default;
    virtual void on_step(const StepProgress&) {}
    virtual void on_epoch(const EpochSummary&) {}
    virtual void on_done(const RunSummary&) {}
    virtual void on_warning(const TrainingNotice&) {}
    virtual void on_info(const TrainingNotice&) {}
    virtual void on_log(LogDetail, const std::string&) {}
};

} // namespace emotion::train
