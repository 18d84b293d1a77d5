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
#include "classifier-training.h"


struct ClassifierState
{
  std::unique_ptr<emotion::models::Classifier> classifier;
  const emotion::models::Architecture *architecture = nullptr;     /* the element class's */
  bool lld = true;              /* input: LLD frames (else mu-law segments), by the feature kind */
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

  /* A model to classify with, or (mode=train) the one being trained. */
  bool has_model () const
  {
    return classifier || (training && emotion::gst::training_has_model (*training));
  }

  void set_classifier (std::unique_ptr<emotion::models::Classifier> c, const std::string & name)
  {
    classifier = std::move (c);
    results.set_model (classifier->info ().labels, name);
  }
};

/* Output caps once a model exists (train mode builds it at the first epoch). */
namespace emotion::gst {
gboolean classifier_negotiate_output (GstEmotionClassifier * self);
}
