/**
 * SECTION:element-stlclassify
 * @title: stlclassify
 *
 * Runs model M3 of MODELS.md (six CNN blocks, BiLSTM, five transformer encoder layers) over the 36 LLD
 * features of lldextract. Segments shorter than 16 frames give no result.
 *
 * One result per segment (an emotion-segment-start/end pair from upstream, or a fixed window of
 * `window` seconds every `hop` seconds when none arrive): K posteriors as an other/tensors
 * buffer with the segment's PTS/duration and a GstEmotionMeta, or a line such as
 * `angry (81%)` (`cue-format`) when downstream takes text/x-raw (subtitle tracks). Segment events
 * are forwarded.
 *
 * Each result is also posted as an element message named `emotion` with the fields
 * `timestamp`, `stream-time`, `running-time`, `duration` (guint64, ns), `segment-id`
 * (string), `label` (string), `confidence` (double), `labels` (array of strings),
 * `scores` (array of doubles, in label order), `model` (string), `uncertain` (boolean: the
 * top posterior is below `threshold`; `label` still names the most likely class), `arousal`
 * and `valence` (doubles in [-1, 1]) and `arousal-level` ("high" or "low") when the model's
 * labels have points on the circumplex of affect (README "Arousal, valence and confidence"),
 * and, when the segment event carried one, `true-emotion` (string). A tag event carries the
 * stream's dominant emotion (tag `emotion`, and the keyword `emotion=LABEL`; uncertain results
 * do not count). The posteriors are calibrated with the model file's temperature (property
 * `temperature` overrides it); `balance=speaker` then divides them by the running mean of the
 * speaker's (README "Balance per voice"), which helps on voices of other corpora.
 *
 * A segment or window of which less than `min-speech` (default 0.1) is speech by the energy VAD
 * gets no result (silence, stationary noise); with `no-speech=tag` it gets an `emotion` message
 * with `label` "no-speech", `speech` (double, its speech fraction) and no `confidence`, `labels`
 * or `scores`, a "no-speech" line for text output, a GAP event for tensor output.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! lldextract
 * segmentation=window window=3 hop=3 ! stlclassify ! emotionsink
 * ]|
 */
#include "gststlclassify.h"

struct _GstStlClassify {
    GstEmotionClassifier parent;
};

G_DEFINE_TYPE(GstStlClassify, gst_stlclassify, GST_TYPE_EMOTION_CLASSIFIER);
GST_ELEMENT_REGISTER_DEFINE(stlclassify, "stlclassify", GST_RANK_NONE, GST_TYPE_STL_CLASSIFY);

static void gst_stlclassify_class_init(GstStlClassifyClass* klass) {
    gst_element_class_set_static_metadata(
        GST_ELEMENT_CLASS(klass), "CNN-BiLSTM-transformer emotion classifier", "Filter/Analyzer/Audio",
        "Classifies speech emotion from LLD features with the CNN-BiLSTM and stacked transformer layers "
        "(Wang et al., ICASSP 2021)",
        "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        GST_ELEMENT_CLASS(klass), "example-launch-line",
        "gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! lldextract "
        "segmentation=vad ! stlclassify ! emotionsink location=emotions.jsonl");
    gst_emotion_classifier_class_set_architecture(GST_EMOTION_CLASSIFIER_CLASS(klass), "stl");
}

static void gst_stlclassify_init(GstStlClassify* self) { (void)self; }
