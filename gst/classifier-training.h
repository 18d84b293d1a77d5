/* mode=train of the trainable elements (the three classifiers and ksmmtransformer): the
 * element turns finished segments into examples, this part learns from them (train::Trainer),
 * validates, writes the best model and checkpoints, and reports on the bus. Internal. */
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/classifier.h"
#include "train/trainer.h"
#include "training-properties.h"

namespace emotion::gst {

/* What mode=train needs from the element that trains. */
struct TrainingHost
{
  GstElement *element = nullptr;        /* errors, warnings and messages come from it */
  std::string architecture;
  int frame_size = 36;                  /* floats per example frame (80000: a mu-law segment) */
  std::function<int ()> threads;        /* the element's `threads`, read under its lock */
  std::function<models::Classifier * ()> classifier;  /* NULL until there is a model */
  std::function<void (std::unique_ptr<models::Classifier>, const std::string & name)>
      set_classifier;
  std::function<bool ()> negotiate_output;    /* output caps once the model exists */
  /* A new model with fresh weights from `rng` (filling info's architecture, config, features
   * and vocabulary); unset: models::create_model and Model::init. */
  std::function<std::unique_ptr<models::Model> (nn::Context &, const nlohmann::json & config,
      nn::Rng & rng, models::ModelInfo & info)> create_model;
};

/* Reads an integer setting of `element` under its object lock (TrainingHost::threads). */
inline std::function<int ()>
locked_value (GstElement * element, const gint * value)
{
  return [element, value] {
    GST_OBJECT_LOCK (element);
    const int v = *value;
    GST_OBJECT_UNLOCK (element);
    return v;
  };
}

/* A finished labelled segment and its examples (features; word ids for ksmm); the labels are
 * filled in from the segment's fields. */
struct LabelledSegment
{
  std::string id, split, true_emotion, speaker, gender;
  std::vector<train::Example> parts;
};

/* What mode=train keeps between epochs. */
struct TrainingState
{
  TrainingHost host;
  train::TrainSettings settings;
  nlohmann::json config_overrides = nlohmann::json::object ();
  std::string output_path;
  std::string checkpoint_path;  /* written after every epoch */
  bool resume = false;          /* continue from checkpoint_path when it exists */
  int skip_epochs = 0;          /* epochs a resumed run has already done */
  bool skipping = false;        /* inside one of those epochs */
  double seconds_before = 0.0;  /* training time before the resumption */
  std::unique_ptr<train::Trainer> trainer;
  std::vector<std::string> speakers, genders;
  std::string dataset, protocol;
  int epoch_offset = 0;         /* epochs of the starting model (resumed training) */
  int epoch = -1;               /* current epoch, -1 outside one */
  int epochs = 0, epochs_run = 0, train_utterances = 0;
  bool stop = false;
  int skipped = 0;              /* segments without a usable label */
  nlohmann::json last_report;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now ();
};

/* Reads the training settings; posts an error and returns NULL when they are unusable. */
std::unique_ptr<TrainingState> training_prepare (TrainingHost host,
    const TrainingProperties & properties);
/* An epoch-start event: builds, resumes or fine-tunes the model at the first one. False after
 * posting an error; the caller forwards or drops the event. */
bool training_epoch_start (TrainingState & training, GstEvent * event);
/* An epoch-end event: validation, best model, checkpoint, report, early stopping. */
void training_epoch_end (TrainingState & training);
/* A finished segment: training or validation examples by its split (test is never used). */
GstFlowReturn training_add (TrainingState & training, LabelledSegment && segment);
/* EOS: closes the open epoch and reports the run. */
void training_finish (TrainingState & training);

} // namespace emotion::gst
