/* The mode=train properties every trainable element has (the three classifiers and
 * ksmmtransformer): installed, set and read through one helper so they cannot drift apart, and
 * turned into the architecture's train::TrainSettings. Internal to the plugin. */
#pragma once

#include <glib-object.h>

#include <string>

#include "gstemotionclassifier.h"
#include "train/trainer.h"

namespace emotion::gst {

struct TrainingProperties {
    std::string model_output;   /* model-location */
    std::string config;         /* JSON overrides of a new model's configuration */
    int batch_size = 0;         /* 0: the paper's */
    double learning_rate = 0.0; /* 0: the paper's */
    GstEmotionOptimizer optimizer = GST_EMOTION_OPTIMIZER_DEFAULT;
    GstEmotionSchedule schedule = GST_EMOTION_SCHEDULE_DEFAULT;
    double weight_decay = -1.0; /* -1: the paper's */
    int patience = -1;          /* -1: the paper's, 0: never stop early */
    double clip_norm = 0.0;
    int bn_recalibration = -1; /* -1: the architecture's default */
    guint64 seed = 1;
    bool resume = false;
    std::string feature_masks; /* dsp::FeatureMaskSettings text; empty: none */
    GstEmotionNormalization normalization = GST_EMOTION_NORMALIZATION_SEGMENT;

    /* The architecture's published settings with these overrides. */
    train::TrainSettings settings(const models::Architecture& architecture) const;
};

/* Installs the properties with ids first_id, first_id + 1, ... (kTrainingPropertyCount ids). */
void training_properties_install(GObjectClass* klass, guint first_id);
extern const guint kTrainingPropertyCount;
/* Property `id` of the element (first_id as installed): false when it is not a training one.
 * Call under the object lock. */
bool training_properties_set(TrainingProperties& p, guint first_id, guint id, const GValue* value);
bool training_properties_get(const TrainingProperties& p, guint first_id, guint id, GValue* value);

} // namespace emotion::gst
