/* Processing state of GstEmotionClassifier, shared by the inference code (gstemotionclassifier.cpp)
 * and the training code (classifier-training.cpp). Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gstemotionclassifier.h"
#include "models/classifier.h"
#include "train/trainer.h"

namespace emotion::gst {

constexpr int kLldFrameRate = 100;

struct OpenSegment
{
  std::string id;
  int64_t first_frame = 0;      /* index into the frame store (LLD input) */
  GstClockTime start = GST_CLOCK_TIME_NONE;
  GstClockTime end = GST_CLOCK_TIME_NONE;
  std::string true_emotion, speaker, gender, split;
  int parts = 0;                /* partial results already published */
  std::vector<std::vector<float>> mulaw;    /* mu-law segments of the utterance */
};

enum class OutputFormat { Tensors, Text };

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
  std::string model_name;
  std::vector<const char *> label_ptrs;
  std::string architecture;
  bool lld = true;              /* input: LLD frames (else mu-law segments) */
  int frame_size = 36;          /* floats per input frame or segment */

  emotion::gst::OutputFormat output = emotion::gst::OutputFormat::Tensors;
  bool output_negotiated = false;
  bool segment_pending = false; /* train mode: SEGMENT held until the model exists */
  GstSegment segment;

  /* LLD frame store: frames [base, base + count) */
  std::vector<float> frames;
  std::vector<GstClockTime> frame_pts;
  int64_t base = 0;
  int64_t next_frame = 0;
  GstClockTime frame_duration = GST_MSECOND * 10;

  bool events_seen = false;     /* upstream sends segment events: no fallback windows */
  std::vector<emotion::gst::OpenSegment> open;
  int64_t window_start = 0;
  int64_t last_window_end = 0;
  int64_t window_count = 0;

  std::map<std::string, int> label_counts;
  std::string dominant;
  bool warned_short = false;

  std::unique_ptr<emotion::gst::TrainingState> training;    /* mode=train only */

  /* Keeps label_ptrs pointing at the classifier's labels. */
  void set_classifier (std::unique_ptr<emotion::models::Classifier> c, const std::string & name)
  {
    classifier = std::move (c);
    model_name = name;
    label_ptrs.clear ();
    for (const auto &label : classifier->info ().labels)
      label_ptrs.push_back (label.c_str ());
    label_ptrs.push_back (NULL);
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
