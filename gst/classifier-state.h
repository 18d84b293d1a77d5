/* Processing state of GstEmotionClassifier, shared by the inference code (gstemotionclassifier.cpp)
 * and the training code (classifier-training.cpp). Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "classifier-results.h"
#include "frame-store.h"
#include "gstemotionclassifier.h"
#include "models/classifier.h"
#include "train/trainer.h"

namespace emotion::gst {

/* What mode=train keeps between epochs. */
struct TrainingState
{
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

} // namespace emotion::gst

struct ClassifierState
{
  std::unique_ptr<emotion::models::Classifier> classifier;
  std::string architecture;
  bool lld = true;              /* input: LLD frames (else mu-law segments) */
  int frame_size = 36;          /* floats per input frame or segment */

  /* results: output caps, buffers, messages, tags (also holds the input GstSegment) */
  emotion::gst::ResultPublisher results;
  bool output_negotiated = false;
  bool segment_pending = false; /* train mode: SEGMENT held until the model exists */

  emotion::gst::FrameStore store;   /* LLD input */
  bool events_seen = false;     /* upstream sends segment events: no fallback windows */
  std::vector<emotion::gst::OpenSegment> open;
  emotion::gst::FallbackWindows windows;

  bool warned_short = false;

  std::unique_ptr<emotion::gst::TrainingState> training;    /* mode=train only */

  void set_classifier (std::unique_ptr<emotion::models::Classifier> c, const std::string & name)
  {
    classifier = std::move (c);
    results.set_model (classifier->info ().labels, name);
  }
};

/* classifier-training.cpp */
namespace emotion::gst {

/* Reads the training properties; posts an error and returns NULL when they are unusable. */
std::unique_ptr<TrainingState> training_prepare (GstEmotionClassifier * self);
gboolean training_epoch_start (GstEmotionClassifier * self, GstEvent * event);
gboolean training_epoch_end (GstEmotionClassifier * self, GstEvent * event);
/* A finished segment in train mode: a training or validation example, by its split. */
GstFlowReturn training_segment (GstEmotionClassifier * self, OpenSegment & segment);
void training_finish (GstEmotionClassifier * self);
/* Negotiates output once a model exists (train mode builds it at the first epoch). */
gboolean classifier_negotiate_output (GstEmotionClassifier * self);

} // namespace emotion::gst
