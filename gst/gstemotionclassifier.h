/* GstEmotionClassifier: the base class of the classifier elements (alstmclassify, apcnnclassify,
 * stlclassify; ksmmtransformer shares its properties, segment collection and results). It loads
 * the model file, collects the features of each segment (stream::SegmentCollector: from
 * emotion-segment events, or fixed windows when none arrive), runs the model, and publishes one
 * result per segment: an other/tensors buffer of K posteriors with a GstEmotionMeta (or a text
 * line when downstream wants text), an `emotion` element message and a tag event with the
 * dominant emotion; with `interim`, also interim results of a segment still open. A subclass
 * only names its architecture; everything that depends on it (input caps, LLD frames or mu-law
 * segments, minimum frames) comes from the architecture's descriptor. */
#pragma once

#include <gst/gst.h>

namespace emotion::gst {
struct ClassifierSettings;
}
namespace emotion::models {
struct Architecture;
}

G_BEGIN_DECLS

#define GST_TYPE_EMOTION_CLASSIFIER (gst_emotion_classifier_get_type())
#define GST_EMOTION_CLASSIFIER(obj)                                                                          \
    (G_TYPE_CHECK_INSTANCE_CAST((obj), GST_TYPE_EMOTION_CLASSIFIER, GstEmotionClassifier))
#define GST_EMOTION_CLASSIFIER_CLASS(klass)                                                                  \
    (G_TYPE_CHECK_CLASS_CAST((klass), GST_TYPE_EMOTION_CLASSIFIER, GstEmotionClassifierClass))
#define GST_EMOTION_CLASSIFIER_GET_CLASS(obj)                                                                \
    (G_TYPE_INSTANCE_GET_CLASS((obj), GST_TYPE_EMOTION_CLASSIFIER, GstEmotionClassifierClass))

typedef struct _GstEmotionClassifier GstEmotionClassifier;
typedef struct _GstEmotionClassifierClass GstEmotionClassifierClass;
struct ClassifierState;

typedef enum {
    GST_EMOTION_CLASSIFIER_MODE_INFER,
    GST_EMOTION_CLASSIFIER_MODE_TRAIN,
} GstEmotionClassifierMode;

/* The `mode` property's type, shared with ksmmtransformer. */
#define GST_TYPE_EMOTION_CLASSIFIER_MODE (gst_emotion_classifier_mode_get_type())
GType gst_emotion_classifier_mode_get_type(void);

#define GST_TYPE_EMOTION_OPTIMIZER (gst_emotion_optimizer_get_type())
GType gst_emotion_optimizer_get_type(void);
#define GST_TYPE_EMOTION_SCHEDULE (gst_emotion_schedule_get_type())
GType gst_emotion_schedule_get_type(void);
#define GST_TYPE_EMOTION_NORMALIZATION (gst_emotion_normalization_get_type())
GType gst_emotion_normalization_get_type(void);

/* The `no-speech` property: what a part with too little speech (min-speech) gives. */
typedef enum {
    GST_EMOTION_NO_SPEECH_SKIP,
    GST_EMOTION_NO_SPEECH_TAG,
} GstEmotionNoSpeech;

#define GST_TYPE_EMOTION_NO_SPEECH (gst_emotion_no_speech_get_type())
GType gst_emotion_no_speech_get_type(void);

/* The `balance` property: label-shift correction per voice (stream/speaker_balance.h), or none. */
typedef enum {
    GST_EMOTION_BALANCE_NONE,
    GST_EMOTION_BALANCE_SPEAKER,
} GstEmotionBalance;

#define GST_TYPE_EMOTION_BALANCE (gst_emotion_balance_get_type())
GType gst_emotion_balance_get_type(void);

typedef enum {
    GST_EMOTION_OPTIMIZER_DEFAULT,
    GST_EMOTION_OPTIMIZER_ADAM,
    GST_EMOTION_OPTIMIZER_SGD,
} GstEmotionOptimizer;

typedef enum {
    GST_EMOTION_SCHEDULE_DEFAULT,
    GST_EMOTION_SCHEDULE_NONE,
    GST_EMOTION_SCHEDULE_COSINE,
    GST_EMOTION_SCHEDULE_MULTISTEP,
} GstEmotionSchedule;

/* How a new model's input frames are normalised (models/speaker_normalization.h). */
typedef enum {
    GST_EMOTION_NORMALIZATION_SEGMENT,
    GST_EMOTION_NORMALIZATION_SPEAKER,
} GstEmotionNormalization;

struct _GstEmotionClassifier {
    GstElement parent;

    GstPad* sinkpad;
    GstPad* srcpad;

    /* settings (classifier-properties.h), under the object lock */
    emotion::gst::ClassifierSettings* settings;

    /* processing state, created in READY->PAUSED, destroyed in PAUSED->READY */
    struct ClassifierState* state;
};

struct _GstEmotionClassifierClass {
    GstElementClass parent_class;

    /* set by subclasses in class_init (gst_emotion_classifier_class_set_architecture) */
    const emotion::models::Architecture* architecture;
};

GType gst_emotion_classifier_get_type(void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GstEmotionClassifier, gst_object_unref)

/* For subclass class_init: the architecture the element runs, by its name (models/architecture.h),
 * and the pad templates of its features. */
void gst_emotion_classifier_class_set_architecture(GstEmotionClassifierClass* klass,
                                                   const gchar* architecture);

G_END_DECLS
