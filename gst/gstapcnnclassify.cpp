/**
 * SECTION:element-apcnnclassify
 * @title: apcnnclassify
 *
 * Runs model M2 of MODELS.md on the 400 x 200 mu-law spectrogram segments of mulawspec. When segment events
 * delimit utterances, the utterance's result is the mean of its 2 s segments' posteriors, as in the paper
 * (use mulawspec hop=0.4 for the paper's inference hop); without them each 2 s segment is a result of its
 * own.
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
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! mulawspec hop=0.4 !
 * apcnnclassify ! emotionsink location=emotions.srt format=srt
 * ]|
 */
#include "gstapcnnclassify.h"

struct _GstApcnnClassify {
    GstEmotionClassifier parent;
};

G_DEFINE_TYPE(GstApcnnClassify, gst_apcnnclassify, GST_TYPE_EMOTION_CLASSIFIER);
GST_ELEMENT_REGISTER_DEFINE(apcnnclassify, "apcnnclassify", GST_RANK_NONE, GST_TYPE_APCNN_CLASSIFY);

static void gst_apcnnclassify_class_init(GstApcnnClassifyClass* klass) {
    gst_element_class_set_static_metadata(GST_ELEMENT_CLASS(klass),
                                          "Attention-pooling CNN emotion classifier", "Filter/Analyzer/Audio",
                                          "Classifies speech emotion from mu-law spectrogram segments with "
                                          "the attention-pooling CNN (Li et al., Interspeech 2018)",
                                          "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        GST_ELEMENT_CLASS(klass), "example-launch-line",
        "gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! mulawspec "
        "hop=0.4 ! apcnnclassify ! emotionsink location=emotions.srt format=srt");
    gst_emotion_classifier_class_set_architecture(GST_EMOTION_CLASSIFIER_CLASS(klass), "apcnn");
}

static void gst_apcnnclassify_init(GstApcnnClassify* self) { (void)self; }
