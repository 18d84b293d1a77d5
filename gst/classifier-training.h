/* mode=train of the trainable elements (the three classifiers and ksmmtransformer): the
 * element turns finished segments into examples; this part translates the element's properties,
 * epoch events and segments into calls of a train::TrainingSession (which learns, validates,
 * writes the best model and checkpoints), and the session's reports and errors into bus
 * messages and element errors. Internal. */
#pragma once

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <string>

#include "models/classifier.h"
#include "train/training_session.h"
#include "training-properties.h"

namespace emotion::gst {

/* What mode=train needs from the element that trains. */
struct TrainingHost {
    GstElement* element = nullptr; /* errors, warnings and messages come from it */
    const models::Architecture* architecture = nullptr;
    std::function<int()> threads; /* the element's `threads`, read under its lock */
    /* The model being trained exists (the starting one, a resumed or a new one): the element
     * names its output after it (`name`: its file name). May throw. */
    std::function<void(const models::Classifier&, const std::string& name)> use_model;
    std::function<bool()> negotiate_output; /* output caps once the model exists */
    /* Lets the sinks preroll (a GAP event) once the output caps and segment are out: training
     * produces no buffers, and the pipeline must reach PLAYING while it trains. */
    std::function<void()> preroll_downstream;
    /* A new model with fresh weights (unset: the architecture's create and Model::init). */
    train::ModelFactory create_model;
};

/* Reads an integer setting of `element` under its object lock (TrainingHost::threads). */
inline std::function<int()> locked_value(GstElement* element, const gint* value) {
    return [element, value] {
        GST_OBJECT_LOCK(element);
        const int v = *value;
        GST_OBJECT_UNLOCK(element);
        return v;
    };
}

using LabelledSegment = train::LabelledSegment;

/* What mode=train keeps between epochs. */
struct TrainingState {
    TrainingHost host;
    std::unique_ptr<train::TrainingListener> reporter; /* the session's reports -> bus */
    std::unique_ptr<train::TrainingSession> session;
    bool prerolled = false; /* host.preroll_downstream was called */
};

/* Reads the training settings; posts an error and returns NULL when they are unusable. */
std::unique_ptr<TrainingState> training_prepare(TrainingHost host, const TrainingProperties& properties);
/* Fine-tuning: the loaded `model` is the starting point; the element names its output after
 * it (what host.use_model throws comes through). */
void training_start_from(TrainingState& training, std::unique_ptr<models::Classifier> model);
/* An epoch-start event: resumes, fine-tunes or builds the model at the first one. False after
 * posting an error; the caller forwards or drops the event. */
bool training_epoch_start(TrainingState& training, GstEvent* event);
/* An epoch-end event: validation, best model, checkpoint, report, early stopping. */
void training_epoch_end(TrainingState& training);
/* A finished segment: training or validation examples by its split (test is never used). */
GstFlowReturn training_add(TrainingState& training, LabelledSegment&& segment);
/* EOS: closes the open epoch and reports the run. */
void training_finish(TrainingState& training);
/* Early stopping: the run wants no further data. */
bool training_stopped(const TrainingState& training);
/* The model being trained exists (output caps can be negotiated). */
bool training_has_model(const TrainingState& training);

} // namespace emotion::gst
