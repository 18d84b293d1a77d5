/* emoaugment: seeded, per-epoch augmentation of whole training utterances between emodatasetsrc
 * and a feature extractor (dsp/utterance_augmenter.h does the work). */
#pragma once

#include <gst/gst.h>

#include <string>

G_BEGIN_DECLS

#define GST_TYPE_EMO_AUGMENT (gst_emo_augment_get_type())
G_DECLARE_FINAL_TYPE(GstEmoAugment, gst_emo_augment, GST, EMO_AUGMENT, GstElement)

struct AugmentState;

struct _GstEmoAugment {
    GstElement parent;
    GstPad* sinkpad;
    GstPad* srcpad;

    /* settings, under the object lock; read when the element starts (READY -> PAUSED) */
    std::string recipe;
    gint64 seed; /* -1: the run's seed from the epoch-start event (0 without one) */
    std::string splits;
    gboolean enabled;

    AugmentState* state; /* streaming state, from READY -> PAUSED to PAUSED -> READY */
};

G_END_DECLS
