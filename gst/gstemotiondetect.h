/* emotiondetect: one bin from raw audio to emotion results, built from the model file(s) it is
 * given (detect-plan.h decides the elements). */
#pragma once

#include <gst/gst.h>

#include <string>

#include "gstemotionclassifier.h"
#include "segmentation.h"

namespace emotion::gst {

/* emotiondetect's properties (defaults here), which the inner elements take as it starts. */
struct DetectSettings {
    GstEmotionClassifierMode mode = GST_EMOTION_CLASSIFIER_MODE_INFER;
    std::string model;          /* empty: the architecture's shipped model, or a new one (mode=train) */
    std::string architecture;   /* empty: the model files', else the recommended one */
    std::string model_location; /* mode=train: where the trained model goes */
    std::string classifier_properties; /* GstStructure text: any other classifier property */
    GstEmotionSegmentation segmentation = GST_EMOTION_SEGMENTATION_VAD;
    double window = 3.0, hop = 3.0;
    double max_segment = 6.0; /* EmoDB's longest utterance is 8.9 s; most are 2-4 s */
    double min_speech = 0.1;  /* the classifiers' default */
    GstEmotionNoSpeech no_speech = GST_EMOTION_NO_SPEECH_SKIP;
    int threads = 1;
    std::string weights; /* empty: equal */
    double fuse_timeout = 1.0;
    double threshold = 0.0;
    std::string cue_format; /* empty: the default */
    double interim = 0.0;

    bool train() const { return mode == GST_EMOTION_CLASSIFIER_MODE_TRAIN; }
};

} // namespace emotion::gst

G_BEGIN_DECLS

#define GST_TYPE_EMOTION_DETECT (gst_emotion_detect_get_type())
G_DECLARE_FINAL_TYPE(GstEmotionDetect, gst_emotion_detect, GST, EMOTION_DETECT, GstBin)

struct _GstEmotionDetect {
    GstBin parent;
    GstPad* sinkpad; /* ghost pads: targets set while the element runs (PAUSED and PLAYING) */
    GstPad* srcpad;

    emotion::gst::DetectSettings settings; /* under the object lock */

    /* the inner elements (owned by the bin), from READY -> PAUSED to PAUSED -> READY */
    GList* inner;
};

G_END_DECLS
