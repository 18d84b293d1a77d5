/* The properties every classifier-like element has (the three classifiers and ksmmtransformer):
 * model, threads, mode, window, hop, max-duration, min-speech, no-speech, cue-format, threshold,
 * temperature, balance, interim (not ksmmtransformer's) and the mode=train ones
 * (training-properties.h), installed, set and read through one helper so they cannot drift apart, and copied
 * under the object lock when streaming starts. Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <string>

#include "gstemotionclassifier.h"
#include "io/cue_text.h"
#include "models/architecture.h"
#include "stream/segment_collector.h"
#include "training-properties.h"

namespace emotion::gst {

struct ClassifierSettings {
    std::string model; /* `model`; empty: the architecture's shipped one */
    int threads = 1;
    GstEmotionClassifierMode mode = GST_EMOTION_CLASSIFIER_MODE_INFER;
    double window = 3.0; /* fallback windows: length and hop, seconds */
    double hop = 3.0;
    double max_duration = 30.0; /* longest span held for one result, seconds */
    /* LLD input: the least fraction of a part's frames that must be speech for it to be
     * classified (0: every part is), and what a part with less gives (speech-gate.h) */
    double min_speech = 0.1; /* README "No emotion without speech": the measurement behind it */
    GstEmotionNoSpeech no_speech = GST_EMOTION_NO_SPEECH_SKIP;
    /* text/x-raw output: the line of each result (io/cue_text.h), as emotionsink's cues */
    std::string cue_format = io::kDefaultCueFormat;
    double threshold = 0.0;   /* top posterior below it: uncertain; 0 = off */
    double temperature = 0.0; /* > 0 overrides the model file's calibration */
    /* label-shift correction per voice after the temperature (stream/speaker_balance.h) */
    GstEmotionBalance balance = GST_EMOTION_BALANCE_NONE;
    /* > 0: an open segment also gives an interim result every `interim` seconds (not in
     * mode=train); 0: off. 0 or kInterimMin..60 */
    double interim = 0.0;
    TrainingProperties training;

    bool train() const { return mode == GST_EMOTION_CLASSIFIER_MODE_TRAIN; }
    /* How the classifier collects the input of `architecture`: frames or whole segments, fallback
     * windows and max-duration from these settings. mode=train publishes nothing outside upstream
     * segments (unlabelled input teaches nothing), and a whole-segment part keeps its utterance's
     * start, as it always has. */
    stream::CollectorSettings collector(const models::Architecture& architecture) const;
};

/* The shortest `interim` period but 0 (off), seconds: shorter ones would classify the open
 * segment over and over for little news. */
constexpr double kInterimMin = 0.5;

/* Installs the properties with ids first_id, first_id + 1, ...; `model_blurb` and `window_blurb`
 * describe the element's `model` and `window`. Without `with_interim` the `interim` property is
 * left out (its id stays unused). */
void classifier_properties_install(GObjectClass* klass, guint first_id, const char* model_blurb,
                                   const char* window_blurb, bool with_interim = true);
/* The `threshold` property (ClassifierSettings::threshold), also emotionfuse's. */
void threshold_property_install(GObjectClass* klass, guint id);

/* Property `id` of the element (first_id as installed): false when it is not one of these.
 * Call under the object lock. */
bool classifier_properties_set(ClassifierSettings& s, guint first_id, guint id, const GValue* value);
bool classifier_properties_get(const ClassifierSettings& s, guint first_id, guint id, GValue* value);

/* Whether `cue-format` of `element` is usable; posts its error otherwise (emotionsink, emotionfuse
 * and the classifiers check theirs as they start). */
bool cue_format_usable(GstElement* element, const std::string& cue_format);

/* False with an element error posted when a setting cannot work (an unknown cue-format
 * placeholder, an interim period between 0 and kInterimMin); called when streaming starts. */
bool classifier_settings_check(GstElement* element, const ClassifierSettings& settings);

/* A copy of `settings`, which belong to `element`, taken under its object lock. */
ClassifierSettings classifier_settings_copy(GstElement* element, const ClassifierSettings& settings);

} // namespace emotion::gst
