/* What a training session reports, as the training element's bus messages, warnings and
 * errors (documented in training-messages.cpp). Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include "train/training_listener.h"

namespace emotion::gst {

/* Posts the session's reports from `element`. */
class TrainingBusReporter : public train::TrainingListener {
public:
    explicit TrainingBusReporter(GstElement* element) : element_(element) {}
    void on_step(const train::StepProgress& step) override;
    void on_epoch(const train::EpochSummary& epoch) override;
    void on_done(const train::RunSummary& run) override;
    void on_warning(const train::TrainingNotice& notice) override;
    void on_info(const train::TrainingNotice& notice) override;
    void on_log(train::LogDetail detail, const std::string& text) override;

private:
    GstElement* element_;
    bool started_ = false; /* the progress `start` message was posted */
};

/* A training error as GST_ELEMENT_ERROR of `element`, with the domain and code of its kind. */
void post_training_error(GstElement* element, const train::TrainingError& error);

} // namespace emotion::gst
