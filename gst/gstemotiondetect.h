/* emotiondetect: one bin from raw audio to emotion results, built from the model file(s) it is
 * given (detect-plan.h decides the elements). */
#pragma once

#include <gst/gst.h>

#include <string>

#include "gstemotionclassifier.h"
#include "segmentation.h"

G_BEGIN_DECLS

#define GST_TYPE_EMOTION_DETECT (gst_emotion_detect_get_type())
G_DECLARE_FINAL_TYPE(GstEmotionDetect, gst_emotion_detect, GST, EMOTION_DETECT, GstBin)

struct _GstEmotionDetect {
    GstBin parent;
    GstPad* sinkpad; /* ghost pads: targets set while the element runs (PAUSED and PLAYING) */
    GstPad* srcpad;

    /* settings, under the object lock; the inner elements take them as the element starts */
    std::string model;
    GstEmotionSegmentation segmentation;
    gdouble window, hop, max_segment, min_speech, fuse_timeout;
    GstEmotionNoSpeech no_speech;
    gint threads;
    std::string weights;
    gdouble threshold;
    std::string cue_format;
    gdouble interim;

    /* the inner elements (owned by the bin), from READY -> PAUSED to PAUSED -> READY */
    GList* inner;
};

G_END_DECLS
