/* Processing state of GstEmotionClassifier, created in READY->PAUSED and destroyed in
 * PAUSED->READY. Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>

#include "classifier-results.h"
#include "classifier-training.h"
#include "speech-gate.h"
#include "models/classifier.h"
#include "stream/segment_collector.h"

struct ClassifierState {
    std::unique_ptr<emotion::models::Classifier> classifier;
    const emotion::models::Architecture* architecture = nullptr; /* the element class's */
    bool lld = true;     /* input: LLD frames (else mu-law segments), by the feature kind */
    int frame_size = 36; /* floats per input frame or segment */

    /* results: output caps, buffers, messages, tags (also holds the input GstSegment) */
    emotion::gst::ResultPublisher results;
    bool output_negotiated = false;
    bool segment_pending = false; /* train mode: SEGMENT held until the model exists */

    /* the input, collected into segments, parts and fallback windows */
    std::unique_ptr<emotion::stream::SegmentCollector> segments;
    bool warned_short = false;
    /* min-speech / no-speech: which parts are classified (set in start) */
    std::unique_ptr<emotion::gst::SpeechGate> speech;

    std::unique_ptr<emotion::gst::TrainingState> training; /* mode=train only */

    /* A model to classify with, or (mode=train) the one being trained. */
    bool has_model() const { return classifier || (training && emotion::gst::training_has_model(*training)); }

    void set_classifier(std::unique_ptr<emotion::models::Classifier> c, const std::string& name) {
        classifier = std::move(c);
        results.set_model(classifier->info().labels, name, classifier->info().temperature);
    }
};
