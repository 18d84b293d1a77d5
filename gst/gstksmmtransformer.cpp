/**
 * SECTION:element-ksmmtransformer
 * @title: ksmmtransformer
 *
 * Runs model M4 of MODELS.md (key-sparse multimodal transformer) on each audio segment together
 * with the words spoken in it. The `sink` pad takes the 36 LLD features of lldextract; the
 * request pad `text` takes `text/x-raw,format={utf8,pango-markup}`: subtitles through
 * `subparse`, the transcripts of `emodatasetsrc`'s `text` pad, or any speech-to-text element.
 *
 * Audio is the master stream. Segments come from emotion-segment-start/end events (lldextract
 * segmentation=vad, emodatasetsrc) or, when none arrive, fixed windows of `window` seconds
 * every `hop` seconds; a segment longer than `max-duration` is classified in parts. Unlike the
 * other classifiers it has no `interim` results: a segment is classified with its text, which a
 * segment still open does not have yet. A segment's
 * text is every text buffer whose running time overlaps the segment's (a line across two
 * segments counts for both; a buffer without duration counts where it starts), in order, as
 * lower-cased words looked up in the model's vocabulary and cut to the model's text length
 * (20 words). Pango markup is stripped and its entities decoded; invalid UTF-8 is replaced
 * (one warning per stream); only the first 64 KiB of a line are read.
 *
 * A segment is classified once its text is known: when a text buffer (or GAP event) at or after
 * the segment's end has arrived, when the text stream has ended, or, in a live pipeline, when
 * `text-timeout` has passed. Without a `text` pad, after the text stream's EOS, and for
 * segments no text overlaps, the text is masked and the model decides on audio alone. The
 * reported latency is the audio window plus `text-timeout`.
 *
 * Results are those of the other classifiers: K posteriors as other/tensors with the segment's
 * PTS/duration and a GstEmotionMeta (or a line such as `angry (81%)`, `cue-format`, when downstream takes
 * text/x-raw), an element message `emotion` (fields `timestamp`, `stream-time`, `running-time`,
 * `duration`, `segment-id`, `label`, `confidence`, `labels`, `scores`, `model`, `uncertain`,
 * `arousal`, `valence`, `arousal-level` (as the classifiers'), and `true-emotion` when the
 * segment event carried one) and a tag event with the dominant emotion. `threshold` and
 * `temperature` work as in the classifiers.
 * Segment events are forwarded after the segment's result.
 *
 * A segment or window of which less than `min-speech` (default 0.1) is speech by the energy VAD
 * gets no result (silence, stationary noise; also notes of music, whose voiced frames hold their
 * pitch); with `no-speech=tag` it gets an `emotion` message
 * with `label` "no-speech", `speech` (double, its speech fraction) and no `confidence`, `labels`
 * or `scores`, a "no-speech" line for text output, a GAP event for tensor output.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! lldextract
 * segmentation=vad ! ksmmtransformer name=m ! emotionsink location=emotions.jsonl  filesrc location=talk.srt
 * ! subparse ! m.text
 * ]|
 */
#include "gstksmmtransformer.h"

#include <memory>
#include <string>

#include <gst/emotion/emotion.h>

#include "architecture-caps.h"
#include "classifier-model.h"
#include "classifier-properties.h"
#include "classifier-training.h"
#include "ksmm-processing.h"
#include "models/ksmm_text.h"
#include "tensor-caps.h"

GST_DEBUG_CATEGORY(ksmm_transformer_debug);
GST_DEBUG_CATEGORY_EXTERN(emotion_classifier_debug); /* the shared helpers' */
#define GST_CAT_DEFAULT ksmm_transformer_debug

#define DEFAULT_TEXT_TIMEOUT 1.0

enum {
    PROP_0,
    PROP_TEXT_TIMEOUT,
    PROP_WORD_VECTORS,
    PROP_CLASSIFIER_FIRST, /* classifier-properties.h: model, threads, ..., mode=train */
};

using namespace emotion::gst;

/* The architecture this element runs: named once, the rest comes from its descriptor. */
static const emotion::models::Architecture& ksmm_architecture(void) {
    static const emotion::models::Architecture& architecture = emotion::models::architecture_named("ksmm");
    return architecture;
}

struct _GstKsmmTransformer {
    GstAggregator parent;

    GstAggregatorPad* audiopad;
    GstAggregatorPad* textpad; /* request pad, NULL when not requested */

    /* settings, under the object lock */
    ClassifierSettings* settings;
    gdouble text_timeout;
    gchar* word_vectors;

    /* processing state, created in start(), destroyed in stop() */
    KsmmProcessing* state;
    /* whether this element set GstAggregator's `latency` for a pipeline that is not live */
    gboolean queue_widened;
};

#define gst_ksmm_transformer_parent_class parent_class
G_DEFINE_TYPE(GstKsmmTransformer, gst_ksmm_transformer, GST_TYPE_AGGREGATOR);
GST_ELEMENT_REGISTER_DEFINE(ksmmtransformer, "ksmmtransformer", GST_RANK_NONE, GST_TYPE_KSMM_TRANSFORMER);

static GstStaticPadTemplate text_template =
    GST_STATIC_PAD_TEMPLATE("text", GST_PAD_SINK, GST_PAD_REQUEST,
                            GST_STATIC_CAPS("text/x-raw, format = (string) { utf8, pango-markup }"));

static void gst_ksmm_transformer_set_property(GObject* object, guint prop_id, const GValue* value,
                                              GParamSpec* pspec);
static void gst_ksmm_transformer_get_property(GObject* object, guint prop_id, GValue* value,
                                              GParamSpec* pspec);
static void gst_ksmm_transformer_finalize(GObject* object);
static gboolean gst_ksmm_transformer_start(GstAggregator* agg);
static gboolean gst_ksmm_transformer_stop(GstAggregator* agg);
static GstFlowReturn gst_ksmm_transformer_flush(GstAggregator* agg);
static GstFlowReturn gst_ksmm_transformer_aggregate(GstAggregator* agg, gboolean timeout);
static GstClockTime gst_ksmm_transformer_get_next_time(GstAggregator* agg);
static gboolean gst_ksmm_transformer_sink_event(GstAggregator* agg, GstAggregatorPad* pad, GstEvent* event);
static gboolean gst_ksmm_transformer_negotiate(GstAggregator* agg);
static GstAggregatorPad* gst_ksmm_transformer_create_new_pad(GstAggregator* agg, GstPadTemplate* templ,
                                                             const gchar* req_name, const GstCaps* caps);
static void gst_ksmm_transformer_release_pad(GstElement* element, GstPad* pad);
static gboolean gst_ksmm_transformer_src_query(GstAggregator* agg, GstQuery* query);

static void gst_ksmm_transformer_class_init(GstKsmmTransformerClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstAggregatorClass* agg_class = GST_AGGREGATOR_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(ksmm_transformer_debug, "ksmmtransformer", 0,
                            "key-sparse multimodal transformer");
    GST_DEBUG_CATEGORY_INIT(emotion_classifier_debug, "emotionclassifier", 0, "emotion classifier base");

    gobject_class->set_property = gst_ksmm_transformer_set_property;
    gobject_class->get_property = gst_ksmm_transformer_get_property;
    gobject_class->finalize = gst_ksmm_transformer_finalize;
    element_class->release_pad = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_release_pad);
    agg_class->start = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_start);
    agg_class->stop = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_stop);
    agg_class->flush = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_flush);
    agg_class->aggregate = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_aggregate);
    agg_class->sink_event = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_sink_event);
    agg_class->negotiate = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_negotiate);
    agg_class->create_new_pad = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_create_new_pad);
    agg_class->src_query = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_src_query);
    agg_class->get_next_time = GST_DEBUG_FUNCPTR(gst_ksmm_transformer_get_next_time);

    classifier_properties_install(
        gobject_class, PROP_CLASSIFIER_FIRST,
        "Path of the ksmm model file (safetensors, with its vocabulary). Default: the shipped "
        "model, searched in $GST_EMOTION_MODEL_PATH, then the installed models folder",
        "Length in seconds of the fixed windows classified when upstream sends no "
        "emotion-segment events",
        false /* no interim results: a segment waits for its text, which an open one lacks */);
    const GParamFlags flags =
        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
    g_object_class_install_property(
        gobject_class, PROP_TEXT_TIMEOUT,
        g_param_spec_double(
            "text-timeout", "Text timeout",
            "Live pipelines: seconds a segment waits after its end for late text (speech-to-text "
            "lags behind the audio) before it is classified with the text that has arrived; "
            "added to the reported latency",
            0.0, 60.0, DEFAULT_TEXT_TIMEOUT, flags));
    g_object_class_install_property(
        gobject_class, PROP_WORD_VECTORS,
        g_param_spec_string(
            "word-vectors", "Word vectors",
            "mode=train, new model: the words and vectors of the text branch, an embedding table "
            "(emotion-embeddings) or a text branch pretrained on text alone (emotion-pretrain-text, "
            "whose weights then start the text branch)",
            NULL, flags));

    GstCaps* caps = architecture_sink_caps(ksmm_architecture());
    gst_element_class_add_pad_template(
        element_class,
        gst_pad_template_new_with_gtype("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps, GST_TYPE_AGGREGATOR_PAD));
    gst_caps_unref(caps);
    gst_element_class_add_static_pad_template_with_gtype(element_class, &text_template,
                                                         GST_TYPE_AGGREGATOR_PAD);
    caps = gst_caps_from_string("other/tensors,format=static,num_tensors=1,types=float32; "
                                "text/x-raw,format=utf8");
    gst_element_class_add_pad_template(
        element_class,
        gst_pad_template_new_with_gtype("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps, GST_TYPE_AGGREGATOR_PAD));
    gst_caps_unref(caps);

    gst_element_class_set_static_metadata(
        element_class, "Key-sparse multimodal transformer emotion classifier", "Filter/Analyzer/Audio",
        "Classifies speech emotion from LLD features and the aligned text (subtitles, "
        "transcripts) with the key-sparse multimodal transformer (Chen et al., ICASSP 2022)",
        "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        element_class, "example-launch-line",
        "gst-launch-1.0 filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! "
        "lldextract segmentation=vad ! ksmmtransformer name=m ! emotionsink "
        "location=emotions.jsonl  filesrc location=talk.srt ! subparse ! m.text");
}

static void gst_ksmm_transformer_init(GstKsmmTransformer* self) {
    GstElementClass* klass = GST_ELEMENT_GET_CLASS(self);
    self->settings = new ClassifierSettings();
    self->text_timeout = DEFAULT_TEXT_TIMEOUT;
    self->word_vectors = NULL;
    self->state = NULL;
    self->textpad = NULL;

    GstPadTemplate* templ = gst_element_class_get_pad_template(klass, "sink");
    self->audiopad = GST_AGGREGATOR_PAD(g_object_new(GST_TYPE_AGGREGATOR_PAD, "name", "sink", "direction",
                                                     GST_PAD_SINK, "template", templ, NULL));
    gst_element_add_pad(GST_ELEMENT(self), GST_PAD(self->audiopad));
}

static void gst_ksmm_transformer_finalize(GObject* object) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(object);
    delete self->state;
    delete self->settings;
    g_free(self->word_vectors);
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_ksmm_transformer_set_property(GObject* object, guint prop_id, const GValue* value,
                                              GParamSpec* pspec) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(object);
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_TEXT_TIMEOUT: self->text_timeout = g_value_get_double(value); break;
    case PROP_WORD_VECTORS:
        g_free(self->word_vectors);
        self->word_vectors = g_value_dup_string(value);
        break;
    default:
        if (!classifier_properties_set(*self->settings, PROP_CLASSIFIER_FIRST, prop_id, value))
            G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_ksmm_transformer_get_property(GObject* object, guint prop_id, GValue* value,
                                              GParamSpec* pspec) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(object);
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_TEXT_TIMEOUT: g_value_set_double(value, self->text_timeout); break;
    case PROP_WORD_VECTORS: g_value_set_string(value, self->word_vectors); break;
    default:
        if (!classifier_properties_get(*self->settings, PROP_CLASSIFIER_FIRST, prop_id, value))
            G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    GST_OBJECT_UNLOCK(self);
}

/* ---- pads ------------------------------------------------------------------------------- */

/* One `text` pad at most: the words of a segment come from one stream. */
static GstAggregatorPad* gst_ksmm_transformer_create_new_pad(GstAggregator* agg, GstPadTemplate* templ,
                                                             const gchar* req_name, const GstCaps* caps) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(agg);
    (void)req_name;
    (void)caps;
    GST_OBJECT_LOCK(self);
    if (self->textpad) {
        GST_OBJECT_UNLOCK(self);
        GST_WARNING_OBJECT(self, "ksmmtransformer has one text pad; it is already requested");
        return NULL;
    }
    self->textpad = GST_AGGREGATOR_PAD(g_object_new(GST_TYPE_AGGREGATOR_PAD, "name", "text", "direction",
                                                    GST_PAD_SINK, "template", templ, NULL));
    GST_OBJECT_UNLOCK(self);
    return self->textpad;
}

static void gst_ksmm_transformer_release_pad(GstElement* element, GstPad* pad) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(element);
    GST_OBJECT_LOCK(self);
    if (GST_PAD(self->textpad) == pad) self->textpad = NULL;
    GST_OBJECT_UNLOCK(self);
    GST_ELEMENT_CLASS(parent_class)->release_pad(element, pad);
}

/* The text pad, with a reference, or NULL. */
static GstAggregatorPad* text_pad(GstKsmmTransformer* self) {
    GST_OBJECT_LOCK(self);
    GstAggregatorPad* pad = self->textpad ? GST_AGGREGATOR_PAD(gst_object_ref(self->textpad)) : NULL;
    GST_OBJECT_UNLOCK(self);
    return pad;
}

/* ---- start / stop ----------------------------------------------------------------------- */

/* What the training code (classifier-training.h) uses of this element. A new model gets its
 * vocabulary and word vectors (and a pretrained text branch) from `word_vectors`. */
static TrainingHost training_host(GstKsmmTransformer* self, KsmmProcessing* state,
                                  const std::string& word_vectors) {
    TrainingHost host;
    host.element = GST_ELEMENT(self);
    host.architecture = &ksmm_architecture();
    host.threads = locked_value(GST_ELEMENT(self), &self->settings->threads);
    host.use_model = [state](const emotion::models::Classifier& c, const std::string& name) {
        state->name_model(c, name);
    };
    host.create_model = [word_vectors](emotion::nn::Context& context, const nlohmann::json& config,
                                       emotion::nn::Rng& rng, emotion::models::ModelInfo& info) {
        return emotion::models::create_ksmm_model(context, config, word_vectors, rng, info);
    };
    host.negotiate_output = [self, state] {
        return state->negotiated || gst_ksmm_transformer_negotiate(GST_AGGREGATOR(self));
    };
    host.preroll_downstream = [self] {
        GstAggregator* agg = GST_AGGREGATOR(self);
        GstSegment segment;
        GST_OBJECT_LOCK(self);
        gst_segment_copy_into(&GST_AGGREGATOR_PAD(agg->srcpad)->segment, &segment);
        GST_OBJECT_UNLOCK(self);
        gst_pad_push_event(agg->srcpad, gst_event_new_gap(segment.start, GST_CLOCK_TIME_NONE));
    };
    return host;
}

static gboolean gst_ksmm_transformer_start(GstAggregator* agg) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(agg);

    GST_OBJECT_LOCK(self);
    const ClassifierSettings settings = *self->settings;
    const double text_timeout = self->text_timeout;
    const std::string word_vectors = self->word_vectors ? self->word_vectors : "";
    GST_OBJECT_UNLOCK(self);

    if (!classifier_settings_check(GST_ELEMENT(self), settings)) return FALSE;
    auto state = std::make_unique<KsmmProcessing>(agg, self->audiopad, settings, &self->settings->threads,
                                                  text_timeout);
    state->results.cue_format = settings.cue_format;
    if (settings.train()) {
        if (settings.model.empty() && word_vectors.empty()) {
            GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                              ("mode=train needs 'word-vectors' (an "
                               "embedding table or a pretrained text branch) for a new model, or a starting "
                               "'model'."),
                              ("make a table with emotion-embeddings"));
            return FALSE;
        }
        state->training = training_prepare(training_host(self, state.get(), word_vectors), settings.training);
        if (!state->training) return FALSE;
    }
    /* infer: the model is required (default: the shipped one); train: an optional start. */
    if (!settings.train() || !settings.model.empty()) {
        std::string name;
        auto classifier =
            load_classifier(GST_ELEMENT(self), ksmm_architecture(), settings.model, settings.threads, &name);
        if (!classifier) return FALSE;
        /* The loader has checked that the vocabulary has one word per embedding row. */
        try {
            if (state->training)
                training_start_from(*state->training, std::move(classifier));
            else
                state->use_classifier(std::move(classifier), name);
        } catch (const std::exception& e) {
            GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                              ("Model '%s' has no usable vocabulary.", name.c_str()), ("%s", e.what()));
            return FALSE;
        }
    }
    gst_aggregator_set_latency(agg, state->min_latency(), state->max_latency());

    delete self->state;
    self->state = state.release();
    return TRUE;
}

static gboolean gst_ksmm_transformer_stop(GstAggregator* agg) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(agg);
    delete self->state;
    self->state = NULL;
    if (self->queue_widened) g_object_set(self, "latency", G_GUINT64_CONSTANT(0), NULL);
    self->queue_widened = FALSE;
    return TRUE;
}

/* GstAggregator queues one buffer per pad when its latency is 0, so with a source that is not
 * live (a file, a dataset) every LLD frame (100 a second) woke the aggregate thread and blocked
 * the upstream thread until it was taken: two context switches per frame, a fifth of the CPU
 * time of the file pipeline. Not live, latency means nothing but the queue's depth: a second of
 * frames lets them be taken a hundred at a time. Live, and when the application has set
 * `latency` itself, nothing changes. */
static void widen_queue_when_not_live(GstKsmmTransformer* self) {
    static const guint64 kNotLiveQueue = GST_SECOND;
    GstQuery* query = gst_query_new_latency();
    gboolean live = TRUE; /* unanswered: leave the queue as it is */
    if (gst_pad_peer_query(GST_PAD(self->audiopad), query)) gst_query_parse_latency(query, &live, NULL, NULL);
    gst_query_unref(query);
    guint64 latency = 0;
    g_object_get(self, "latency", &latency, NULL);
    if (live || latency != 0) return;
    g_object_set(self, "latency", kNotLiveQueue, NULL);
    self->queue_widened = TRUE;
}

/* A segment never spans a flush: what was collected is dropped. */
static GstFlowReturn gst_ksmm_transformer_flush(GstAggregator* agg) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(agg);
    if (self->state) self->state->flush();
    return GST_FLOW_OK;
}

/* ---- output ----------------------------------------------------------------------------- */

static gboolean gst_ksmm_transformer_negotiate(GstAggregator* agg) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(agg);
    KsmmProcessing* state = self->state;
    if (!state || !negotiate_aggregator_output(agg, state->results)) return FALSE;
    state->negotiated = true;
    return TRUE;
}

static gboolean gst_ksmm_transformer_src_query(GstAggregator* agg, GstQuery* query) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(agg);
    if (GST_QUERY_TYPE(query) == GST_QUERY_CAPS && self->state) {
        set_caps_query_result(query, self->state->results.all_caps());
        return TRUE;
    }
    return GST_AGGREGATOR_CLASS(parent_class)->src_query(agg, query);
}

/* Takes the text that starts before the audio consumed so far (all of it once the audio has
 * ended); returns whether the text stream is complete (absent or at EOS). */
static bool take_texts(GstKsmmTransformer* self, bool audio_eos) {
    GstAggregatorPad* pad = text_pad(self);
    if (!pad) return true;
    const bool done =
        self->state->text.take(GST_ELEMENT(self), pad, self->state->audio_position(), audio_eos);
    gst_object_unref(pad);
    return done;
}

static GstFlowReturn gst_ksmm_transformer_aggregate(GstAggregator* agg, G_GNUC_UNUSED gboolean timeout) {
    /* Whether a segment may leave is the clock's decision (publish_ready), whoever woke us. */
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(agg);
    KsmmProcessing* state = self->state;
    GstFlowReturn ret = GST_FLOW_OK;
    if (!state) return GST_FLOW_FLUSHING;
    if (state->text.unreadable()) return GST_FLOW_ERROR; /* posted when it was found */
    /* Training from scratch has no model, so no output caps, until its first epoch. */
    if (state->has_model() && !state->negotiated && !gst_ksmm_transformer_negotiate(agg))
        return GST_FLOW_NOT_NEGOTIATED;
    if (state->training && training_stopped(*state->training)) {
        /* Early stopping: what is still queued is not needed; the source is told by the EOS. */
        state->finish_training();
        return GST_FLOW_EOS;
    }

    /* All the audio there is: live, a silent text stream wakes this only every poll interval. */
    GstBuffer* audio;
    bool took_audio = false;
    while ((audio = gst_aggregator_pad_pop_buffer(self->audiopad)) != NULL) {
        took_audio = true;
        ret = state->take_audio(audio);
        gst_buffer_unref(audio);
        if (ret != GST_FLOW_OK) return ret;
    }
    const bool audio_eos =
        gst_aggregator_pad_is_eos(self->audiopad) && !gst_aggregator_pad_has_buffer(self->audiopad);
    const bool text_done = take_texts(self, audio_eos);
    ret = state->publish_ready(text_done);
    if (ret != GST_FLOW_OK) return ret;
    state->schedule_poll(took_audio);
    if (audio_eos && !state->waiting()) {
        state->finish_training();
        return GST_FLOW_EOS;
    }
    return GST_FLOW_OK;
}

/* Live pipelines: GstAggregator calls aggregate when every pad has data, or at the returned
 * running time plus the whole latency (KsmmProcessing::next_time). */
static GstClockTime gst_ksmm_transformer_get_next_time(GstAggregator* agg) {
    KsmmProcessing* state = GST_KSMM_TRANSFORMER(agg)->state;
    return state ? state->next_time() : GST_CLOCK_TIME_NONE;
}

/* ---- events ----------------------------------------------------------------------------- */

static gboolean check_audio_caps(GstKsmmTransformer* self, GstCaps* caps) {
    std::vector<int> dims;
    if (!tensor_caps_parse(caps, &dims)) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Input is not a single float32 tensor."),
                          ("caps %" GST_PTR_FORMAT, caps));
        return FALSE;
    }
    const emotion::models::Architecture& architecture = ksmm_architecture();
    if (!architecture_accepts_dimensions(architecture, dims)) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                          ("Input features do not match the model: the stream has tensors of dimensions %s, "
                           "model '%s' takes %s (%s of %s).",
                           dimensions_text(dims).c_str(), self->state->results.model_name().c_str(),
                           dimensions_text(architecture.caps_dimensions).c_str(),
                           architecture.features.describe().c_str(), architecture.features_element.c_str()),
                          (NULL));
        return FALSE;
    }
    return TRUE;
}

static gboolean audio_event(GstKsmmTransformer* self, GstAggregatorPad* pad, GstEvent* event) {
    KsmmProcessing* state = self->state;
    GstAggregator* agg = GST_AGGREGATOR(self);

    if (gst_emotion_event_is_segment_start(event) || gst_emotion_event_is_segment_end(event) ||
        gst_emotion_event_is_epoch_start(event) || gst_emotion_event_is_epoch_end(event)) {
        state->take_event(event);
        return TRUE;
    }
    switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
        GstCaps* caps;
        gst_event_parse_caps(event, &caps);
        gboolean ok = check_audio_caps(self, caps);
        gst_event_unref(event);
        return ok;
    }
    case GST_EVENT_SEGMENT:
        if (!take_aggregator_segment(agg, state->results, event, "features")) {
            gst_event_unref(event);
            return FALSE;
        }
        break;
    case GST_EVENT_STREAM_START:
        state->start_stream();
        if (!self->queue_widened) widen_queue_when_not_live(self);
        break;
    case GST_EVENT_EOS: state->end_of_audio(); break;
    default: break;
    }
    return GST_AGGREGATOR_CLASS(parent_class)->sink_event(agg, pad, event);
}

static gboolean gst_ksmm_transformer_sink_event(GstAggregator* agg, GstAggregatorPad* pad, GstEvent* event) {
    GstKsmmTransformer* self = GST_KSMM_TRANSFORMER(agg);
    KsmmProcessing* state = self->state;
    if (!state) return GST_AGGREGATOR_CLASS(parent_class)->sink_event(agg, pad, event);
    if (pad == self->audiopad) return audio_event(self, pad, event);

    /* the text pad: its caps say whether lines are markup; other events stay here */
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
        GstCaps* caps;
        gst_event_parse_caps(event, &caps);
        const gchar* format = gst_structure_get_string(gst_caps_get_structure(caps, 0), "format");
        state->text.set_markup(g_strcmp0(format, "pango-markup") == 0);
        gst_event_unref(event);
        return TRUE;
    }
    if (GST_EVENT_TYPE(event) == GST_EVENT_SEGMENT) {
        const GstSegment* segment;
        gst_event_parse_segment(event, &segment);
        if (segment->format != GST_FORMAT_TIME) {
            GST_ELEMENT_ERROR(self, STREAM, FORMAT, ("The text stream is not in a TIME segment."),
                              ("segment %" GST_SEGMENT_FORMAT, segment));
            state->text.set_unreadable(); /* aggregate stops: its buffers flooded CRITICALs */
            gst_event_unref(event);
            return FALSE;
        }
    }
    if (gst_emotion_event_is_segment_start(event) || gst_emotion_event_is_segment_end(event) ||
        gst_emotion_event_is_epoch_start(event) || gst_emotion_event_is_epoch_end(event)) {
        /* emodatasetsrc sends its events on both pads; the audio pad's copy is forwarded. */
        gst_event_unref(event);
        return TRUE;
    }
    return GST_AGGREGATOR_CLASS(parent_class)->sink_event(agg, pad, event);
}
