/**
 * SECTION:element-emotionfuse
 * @title: emotionfuse
 *
 * Fuses the results of several emotion classifiers (alstmclassify, apcnnclassify, stlclassify,
 * ksmmtransformer) that listen to the same audio. Each request pad `sink_%u` takes one
 * classifier's results (other/tensors with a GstEmotionMeta); the lowest-numbered pad is the
 * reference, whose segments the output keeps. For each reference result the fused posteriors are
 *
 *   sum_i w_i * m_i / sum_i w_i,  m_i = the mean of input i's posteriors over the segment, each
 *   result weighted by its overlap (running time) with the segment,
 *
 * over the inputs with a result overlapping the segment: an input that skipped the segment or has
 * ended leaves its weight to the others. `weights` are normalised. Inputs may list their labels
 * in any order (the reference's order is kept); inputs with different label sets are an error.
 *
 * A reference result leaves once every other input has sent a result starting at or after its
 * end (or a GAP beyond it, or EOS); in a live pipeline it waits at most `timeout` past the inputs'
 * own latency and is then fused from what has arrived. The element adds `timeout` to the reported
 * latency. In a non-live pipeline an input's results may run up to an hour ahead of another's
 * (segmentations differ; the branches of a tee must not block each other): GstAggregator's
 * `latency` holds that hour until the element goes to PLAYING without having seen data, i.e. in
 * live pipelines; a `latency` set by the application is left alone.
 *
 * Output is that of a classifier, so emotionsink, subtitle muxers and applications work unchanged:
 * K posteriors as other/tensors with the reference segment's PTS/duration and a GstEmotionMeta
 * (model `fusion(A+B+...)`), or a line such as `angry (81%)` (`cue-format`) when downstream takes text/x-raw;
 * an element message `emotion` (fields `timestamp`, `stream-time`, `running-time`, `duration`, `segment-id`,
 * `label`, `confidence`, `labels`, `scores`, `model`, `uncertain`, `arousal`, `valence` and `arousal-level`
 * (from the fused posteriors), and `true-emotion` when the reference's segment event carried one); a tag
 * event with the dominant emotion. The reference's emotion-segment and epoch events are forwarded in order
 * with its results (the other inputs' copies are dropped), so `emotionsink report=`
 * evaluates the fused results.
 *
 * Pads are requested before the element starts and stay until it stops (a pad released while it
 * runs would be waited for). Results without GstEmotionMeta are an error; interim results (a
 * classifier's `interim`) are dropped: only final results are fused.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! tee name=t
 *   t. ! queue ! lldextract ! alstmclassify ! f.sink_0
 *   t. ! queue ! mulawspec ! apcnnclassify ! f.sink_1
 *   t. ! queue ! lldextract ! stlclassify ! f.sink_2
 *   emotionfuse name=f weights=1,1,2 ! emotionsink location=emotions.jsonl
 * ]|
 */
#include "gstemotionfuse.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gst/emotion/emotion.h>

#include "classifier-properties.h"
#include "fuse-processing.h"

GST_DEBUG_CATEGORY(emotion_fuse_debug);
GST_DEBUG_CATEGORY_EXTERN(emotion_classifier_debug); /* ResultPublisher's */
#define GST_CAT_DEFAULT emotion_fuse_debug

#define DEFAULT_WEIGHTS NULL
#define DEFAULT_TIMEOUT 1.0
/* Non-live pipelines: how far (running time) one input's results may run ahead of another's. A
 * non-live GstAggregator waits for data on every pad, and a pad holding a result blocks its
 * branch: with a tee upstream, a classifier that needs more audio for its first (longer) segment
 * would starve. GstAggregator's `latency` lets each pad queue that much instead. Live pipelines
 * need no such queue (the clock wakes the aggregator) and must not report it as latency. */
#define NON_LIVE_LAG (3600 * GST_SECOND)

enum {
    PROP_0,
    PROP_WEIGHTS,
    PROP_TIMEOUT,
    PROP_CUE_FORMAT,
    PROP_THRESHOLD,
};

using namespace emotion::gst;

struct _GstEmotionFuse {
    GstAggregator parent;

    /* settings, under the object lock */
    gchar* weights;
    gchar* cue_format;
    gdouble timeout;
    gdouble threshold;

    /* processing state, created in start(), destroyed in stop() */
    FuseProcessing* state;
    gint queues_ahead; /* atomic: `latency` is NON_LIVE_LAG, set by queue_ahead() */
    gint had_data;     /* atomic: a result arrived since start() */
};

#define gst_emotion_fuse_parent_class parent_class
G_DEFINE_TYPE(GstEmotionFuse, gst_emotion_fuse, GST_TYPE_AGGREGATOR);
GST_ELEMENT_REGISTER_DEFINE(emotionfuse, "emotionfuse", GST_RANK_NONE, GST_TYPE_EMOTION_FUSE);

#define RESULT_CAPS "other/tensors,format=static,num_tensors=1,types=float32"

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST, GST_STATIC_CAPS(RESULT_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(RESULT_CAPS "; text/x-raw,format=utf8"));

static void gst_emotion_fuse_set_property(GObject* object, guint prop_id, const GValue* value,
                                          GParamSpec* pspec);
static void gst_emotion_fuse_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);
static void gst_emotion_fuse_finalize(GObject* object);
static gboolean gst_emotion_fuse_start(GstAggregator* agg);
static gboolean gst_emotion_fuse_stop(GstAggregator* agg);
static GstFlowReturn gst_emotion_fuse_flush(GstAggregator* agg);
static GstFlowReturn gst_emotion_fuse_aggregate(GstAggregator* agg, gboolean timeout);
static GstClockTime gst_emotion_fuse_get_next_time(GstAggregator* agg);
static gboolean gst_emotion_fuse_sink_event(GstAggregator* agg, GstAggregatorPad* pad, GstEvent* event);
static gboolean gst_emotion_fuse_negotiate(GstAggregator* agg);
static gboolean gst_emotion_fuse_src_query(GstAggregator* agg, GstQuery* query);
static GstAggregatorPad* gst_emotion_fuse_create_new_pad(GstAggregator* agg, GstPadTemplate* templ,
                                                         const gchar* req_name, const GstCaps* caps);
static GstStateChangeReturn gst_emotion_fuse_change_state(GstElement* element, GstStateChange transition);

static void gst_emotion_fuse_class_init(GstEmotionFuseClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstAggregatorClass* agg_class = GST_AGGREGATOR_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(emotion_fuse_debug, "emotionfuse", 0, "emotion classifier fusion");
    GST_DEBUG_CATEGORY_INIT(emotion_classifier_debug, "emotionclassifier", 0, "emotion classifier base");

    gobject_class->set_property = gst_emotion_fuse_set_property;
    gobject_class->get_property = gst_emotion_fuse_get_property;
    gobject_class->finalize = gst_emotion_fuse_finalize;
    element_class->change_state = GST_DEBUG_FUNCPTR(gst_emotion_fuse_change_state);
    agg_class->start = GST_DEBUG_FUNCPTR(gst_emotion_fuse_start);
    agg_class->stop = GST_DEBUG_FUNCPTR(gst_emotion_fuse_stop);
    agg_class->flush = GST_DEBUG_FUNCPTR(gst_emotion_fuse_flush);
    agg_class->aggregate = GST_DEBUG_FUNCPTR(gst_emotion_fuse_aggregate);
    agg_class->get_next_time = GST_DEBUG_FUNCPTR(gst_emotion_fuse_get_next_time);
    agg_class->sink_event = GST_DEBUG_FUNCPTR(gst_emotion_fuse_sink_event);
    agg_class->negotiate = GST_DEBUG_FUNCPTR(gst_emotion_fuse_negotiate);
    agg_class->src_query = GST_DEBUG_FUNCPTR(gst_emotion_fuse_src_query);
    agg_class->create_new_pad = GST_DEBUG_FUNCPTR(gst_emotion_fuse_create_new_pad);

    const GParamFlags flags =
        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
    g_object_class_install_property(
        gobject_class, PROP_WEIGHTS,
        g_param_spec_string("weights", "Weights",
                            "Comma-separated weight of each input in pad order (sink_0 first), e.g. "
                            "\"1,1,2\": one positive number per sink pad, normalised to sum 1. "
                            "Default (NULL): equal weights",
                            DEFAULT_WEIGHTS, flags));
    g_object_class_install_property(
        gobject_class, PROP_TIMEOUT,
        g_param_spec_double(
            "timeout", "Timeout",
            "Live pipelines: seconds a reference result waits, beyond the inputs' own latency, for the "
            "other inputs' results before it is fused from those that have arrived; added to "
            "the reported latency",
            0.0, 60.0, DEFAULT_TIMEOUT, flags));
    g_object_class_install_property(
        gobject_class, PROP_CUE_FORMAT,
        g_param_spec_string(
            "cue-format", "Cue format",
            "Text output (text/x-raw, e.g. a subtitle track): the line of each fused result, "
            "with the placeholders {label}, {percent}, {confidence} and {segment}, as the "
            "classifiers' and emotionsink's cue-format; an unknown placeholder is an error at "
            "start. Empty: the default",
            emotion::io::kDefaultCueFormat, flags));
    threshold_property_install(gobject_class, PROP_THRESHOLD);

    gst_element_class_add_static_pad_template_with_gtype(element_class, &sink_template,
                                                         GST_TYPE_AGGREGATOR_PAD);
    gst_element_class_add_static_pad_template_with_gtype(element_class, &src_template,
                                                         GST_TYPE_AGGREGATOR_PAD);
    gst_element_class_set_static_metadata(
        element_class, "Emotion classifier fusion", "Filter/Analyzer/Audio",
        "Fuses the results of several emotion classifiers over the same audio: posteriors averaged by "
        "time overlap and weights, in the segments of the first input",
        "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        element_class, "example-launch-line",
        "gst-launch-1.0 filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! tee name=t "
        "t. ! queue ! lldextract ! alstmclassify ! f.sink_0  t. ! queue ! mulawspec ! apcnnclassify ! "
        "f.sink_1  t. ! queue ! lldextract ! stlclassify ! f.sink_2  emotionfuse name=f weights=1,1,2 ! "
        "emotionsink location=emotions.jsonl");
}

static void gst_emotion_fuse_init(GstEmotionFuse* self) {
    self->weights = g_strdup(DEFAULT_WEIGHTS);
    self->cue_format = g_strdup(emotion::io::kDefaultCueFormat);
    self->timeout = DEFAULT_TIMEOUT;
    self->state = NULL;
    self->queues_ahead = FALSE;
    self->had_data = FALSE;
}

static void gst_emotion_fuse_finalize(GObject* object) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(object);
    delete self->state;
    g_free(self->weights);
    g_free(self->cue_format);
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_emotion_fuse_set_property(GObject* object, guint prop_id, const GValue* value,
                                          GParamSpec* pspec) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(object);
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_WEIGHTS:
        g_free(self->weights);
        self->weights = g_value_dup_string(value);
        break;
    case PROP_TIMEOUT: self->timeout = g_value_get_double(value); break;
    case PROP_CUE_FORMAT:
        g_free(self->cue_format);
        self->cue_format = g_value_dup_string(value);
        break;
    case PROP_THRESHOLD: self->threshold = g_value_get_double(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_emotion_fuse_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(object);
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_WEIGHTS: g_value_set_string(value, self->weights); break;
    case PROP_TIMEOUT: g_value_set_double(value, self->timeout); break;
    case PROP_CUE_FORMAT: g_value_set_string(value, self->cue_format); break;
    case PROP_THRESHOLD: g_value_set_double(value, self->threshold); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

/* ---- pads ------------------------------------------------------------------------------- */

/* The inputs are fixed when the element starts: a later pad would have no weight. */
static GstAggregatorPad* gst_emotion_fuse_create_new_pad(GstAggregator* agg, GstPadTemplate* templ,
                                                         const gchar* req_name, const GstCaps* caps) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(agg);
    if (self->state) {
        GST_WARNING_OBJECT(self, "emotionfuse takes its sink pads before it starts");
        return NULL;
    }
    return GST_AGGREGATOR_CLASS(parent_class)->create_new_pad(agg, templ, req_name, caps);
}

static guint pad_number(GstPad* pad) {
    const gchar* name = GST_PAD_NAME(pad);
    return g_str_has_prefix(name, "sink_") ? (guint)g_ascii_strtoull(name + 5, NULL, 10) : G_MAXUINT;
}

/* The sink pads by their number (sink_0 first), with references. */
static std::vector<GstAggregatorPad*> sorted_sink_pads(GstEmotionFuse* self) {
    std::vector<GstAggregatorPad*> pads;
    GST_OBJECT_LOCK(self);
    for (GList* l = GST_ELEMENT(self)->sinkpads; l; l = l->next)
        pads.push_back(GST_AGGREGATOR_PAD(gst_object_ref(l->data)));
    GST_OBJECT_UNLOCK(self);
    std::sort(pads.begin(), pads.end(), [](GstAggregatorPad* a, GstAggregatorPad* b) {
        return pad_number(GST_PAD(a)) < pad_number(GST_PAD(b));
    });
    return pads;
}

/* ---- start / stop ----------------------------------------------------------------------- */

/* NON_LIVE_LAG as GstAggregator's `latency` from the start until the element goes to PLAYING
 * without having seen a result (change_state): non-live data flows in PAUSED already (a sink
 * prerolls), live data only in PLAYING. A latency the user set is kept. */
static void queue_ahead(GstEmotionFuse* self, bool on) {
    guint64 latency = 0;
    g_object_get(self, "latency", &latency, NULL);
    if (on && latency == 0) {
        g_atomic_int_set(&self->queues_ahead, TRUE);
        g_atomic_int_set(&self->had_data, FALSE);
        g_object_set(self, "latency", (guint64)NON_LIVE_LAG, NULL);
    } else if (!on && g_atomic_int_get(&self->queues_ahead)) {
        g_atomic_int_set(&self->queues_ahead, FALSE);
        g_object_set(self, "latency", (guint64)0, NULL);
    }
}

static gboolean saw_data(GstEmotionFuse* self) {
    if (g_atomic_int_get(&self->had_data)) return TRUE;
    gboolean queued = FALSE;
    GST_OBJECT_LOCK(self);
    for (GList* l = GST_ELEMENT(self)->sinkpads; l; l = l->next)
        queued |= gst_aggregator_pad_has_buffer(GST_AGGREGATOR_PAD(l->data));
    GST_OBJECT_UNLOCK(self);
    return queued;
}

static GstStateChangeReturn gst_emotion_fuse_change_state(GstElement* element, GstStateChange transition) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(element);
    if (transition == GST_STATE_CHANGE_PAUSED_TO_PLAYING && !saw_data(self)) queue_ahead(self, false);
    return GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
}

static gboolean gst_emotion_fuse_start(GstAggregator* agg) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(agg);
    GST_OBJECT_LOCK(self);
    const std::string weights_text = self->weights ? self->weights : "";
    const double timeout = self->timeout;
    const std::string cue_format =
        self->cue_format && *self->cue_format ? self->cue_format : emotion::io::kDefaultCueFormat;
    const double threshold = self->threshold;
    GST_OBJECT_UNLOCK(self);
    if (!cue_format_usable(GST_ELEMENT(self), cue_format)) return FALSE;

    std::vector<GstAggregatorPad*> pads = sorted_sink_pads(self);
    std::unique_ptr<FuseProcessing> state;
    try {
        if (pads.empty())
            throw std::invalid_argument("emotionfuse has no sink pads (request sink_0, sink_1, ...)");
        std::vector<double> weights(pads.size(), 1.0);
        if (!weights_text.empty()) weights = emotion::stream::parse_fusion_weights(weights_text);
        if (weights.size() != pads.size())
            throw std::invalid_argument("'weights' has " + std::to_string(weights.size()) + " values for " +
                                        std::to_string(pads.size()) + " sink pads");
        state = std::make_unique<FuseProcessing>(agg, pads, weights);
        state->results.cue_format = cue_format;
        state->results.threshold = threshold;
    } catch (const std::exception& e) {
        if (!state)
            for (GstAggregatorPad* pad : pads) gst_object_unref(pad);
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Cannot fuse with weights '%s'.", weights_text.c_str()),
                          ("%s", e.what()));
        return FALSE;
    }
    const GstClockTime timeout_ns = (GstClockTime)(timeout * GST_SECOND);
    gst_aggregator_set_latency(agg, timeout_ns, timeout_ns);
    queue_ahead(self, true);
    delete self->state;
    self->state = state.release();
    return TRUE;
}

static gboolean gst_emotion_fuse_stop(GstAggregator* agg) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(agg);
    queue_ahead(self, false);
    delete self->state;
    self->state = NULL;
    return TRUE;
}

/* A flush drops what waits: segments never span a flush. */
static GstFlowReturn gst_emotion_fuse_flush(GstAggregator* agg) {
    FuseProcessing* state = GST_EMOTION_FUSE(agg)->state;
    if (state) state->flush();
    return GST_FLOW_OK;
}

/* ---- output ----------------------------------------------------------------------------- */

/* Caps once the labels are known (the reference's first result); until then nothing leaves. */
static gboolean gst_emotion_fuse_negotiate(GstAggregator* agg) {
    FuseProcessing* state = GST_EMOTION_FUSE(agg)->state;
    return !state || state->negotiate();
}

static gboolean gst_emotion_fuse_src_query(GstAggregator* agg, GstQuery* query) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(agg);
    FuseProcessing* state = self->state;
    if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS && state && state->has_labels()) {
        set_caps_query_result(query, state->results.all_caps());
        return TRUE;
    }
    if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY && g_atomic_int_get(&self->queues_ahead)) {
        /* a live pipeline asks before this element goes to PLAYING (and ends the queue ahead) */
        gboolean live = FALSE;
        GstClockTime min = 0, max = GST_CLOCK_TIME_NONE;
        gboolean ok = GST_AGGREGATOR_CLASS(parent_class)->src_query(agg, query);
        gst_query_parse_latency(query, &live, &min, &max);
        if (ok && live) {
            if (GST_CLOCK_TIME_IS_VALID(max)) max -= std::min<GstClockTime>(max, NON_LIVE_LAG);
            gst_query_set_latency(query, live, min - std::min<GstClockTime>(min, NON_LIVE_LAG), max);
        }
        return ok;
    }
    return GST_AGGREGATOR_CLASS(parent_class)->src_query(agg, query);
}

/* ---- input ------------------------------------------------------------------------------ */

static GstFlowReturn gst_emotion_fuse_aggregate(GstAggregator* agg, gboolean timeout) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(agg);
    FuseProcessing* state = self->state;
    if (!state) return GST_FLOW_FLUSHING;
    g_atomic_int_set(&self->had_data, TRUE);
    GstFlowReturn ret = state->take_queued();
    if (ret != GST_FLOW_OK) return ret;
    /* live: the first waiting result's time (get_next_time) plus the latency has passed */
    if (timeout) state->force_first();
    ret = state->push_ready();
    if (ret != GST_FLOW_OK) return ret;
    return state->finished() ? GST_FLOW_EOS : GST_FLOW_OK;
}

/* Live pipelines: wake when the first waiting reference result's time (plus the latency) is up. */
static GstClockTime gst_emotion_fuse_get_next_time(GstAggregator* agg) {
    FuseProcessing* state = GST_EMOTION_FUSE(agg)->state;
    return state ? state->next_time() : GST_CLOCK_TIME_NONE;
}

/* ---- events ----------------------------------------------------------------------------- */

static bool is_emotion_event(GstEvent* event) {
    return gst_emotion_event_is_segment_start(event) || gst_emotion_event_is_segment_end(event) ||
           gst_emotion_event_is_epoch_start(event) || gst_emotion_event_is_epoch_end(event);
}

static gboolean gst_emotion_fuse_sink_event(GstAggregator* agg, GstAggregatorPad* pad, GstEvent* event) {
    GstEmotionFuse* self = GST_EMOTION_FUSE(agg);
    FuseProcessing* state = self->state;
    if (!state) return GST_AGGREGATOR_CLASS(parent_class)->sink_event(agg, pad, event);
    const bool reference = state->input_of(pad) == 0;

    if (is_emotion_event(event)) {
        /* the reference's copy travels with its results; the other inputs' are duplicates */
        if (!reference) {
            gst_event_unref(event);
            return TRUE;
        }
        state->take_reference_event(event);
        return TRUE;
    }
    switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: /* the output caps follow the labels */
    case GST_EVENT_TAG: /* the dominant emotion is the fused one's */ gst_event_unref(event); return TRUE;
    case GST_EVENT_SEGMENT:
        if (reference && !take_aggregator_segment(agg, state->results, event, "results")) {
            gst_event_unref(event);
            return FALSE;
        }
        break;
    case GST_EVENT_STREAM_START:
        if (reference) state->results.reset_dominant();
        break;
    default: break;
    }
    return GST_AGGREGATOR_CLASS(parent_class)->sink_event(agg, pad, event);
}
