/**
 * SECTION:element-alstmclassify
 * @title: alstmclassify
 *
 * Runs model M1 of MODELS.md (bidirectional A-LSTM over the 36 LLD features of lldextract, attention weighted
 * pooling) on each segment.
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
 * segmentation=vad ! alstmclassify ! emotionsink location=emotions.jsonl
 * ]|
 */
#include "gstalstmclassify.h"

struct _GstAlstmClassify {
    GstEmotionClassifier parent;
};

G_DEFINE_TYPE(GstAlstmClassify, gst_alstmclassify, GST_TYPE_EMOTION_CLASSIFIER);
GST_ELEMENT_REGISTER_DEFINE(alstmclassify, "alstmclassify", GST_RANK_NONE, GST_TYPE_ALSTM_CLASSIFY);

static void gst_alstmclassify_class_init(GstAlstmClassifyClass* klass) {
    gst_element_class_set_static_metadata(GST_ELEMENT_CLASS(klass), "A-LSTM emotion classifier",
                                          "Filter/Analyzer/Audio",
                                          "Classifies speech emotion from LLD features with the A-LSTM "
                                          "weighted-pooling RNN (Tao and Liu, ICASSP 2018)",
                                          "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        GST_ELEMENT_CLASS(klass), "example-launch-line",
        "gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! lldextract "
        "segmentation=vad ! alstmclassify ! emotionsink location=emotions.jsonl");
    gst_emotion_classifier_class_set_architecture(GST_EMOTION_CLASSIFIER_CLASS(klass), "alstm");
}

static void gst_alstmclassify_init(GstAlstmClassify* self) { (void)self; }
