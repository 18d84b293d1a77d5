/* GstEmotionClassifier: see the header. Frames are kept only while a segment (or fallback window)
 * needs them, and a segment longer than max-duration is classified in parts, so memory stays
 * bounded on endless live streams (stream::SegmentCollector does both). */
#include "gstemotionclassifier.h"

#include <string>
#include <vector>

#include <gst/emotion/emotion.h>

#include "architecture-caps.h"
#include "classifier-model.h"
#include "classifier-properties.h"
#include "classifier-state.h"
#include "collector-input.h"
#include "models/classifier.h"
#include "segmentation.h"
#include "stream-time.h"
#include "tensor-caps.h"

GST_DEBUG_CATEGORY(emotion_classifier_debug);
#define GST_CAT_DEFAULT emotion_classifier_debug

enum {
    PROP_0,
    PROP_CLASSIFIER_FIRST, /* classifier-properties.h: all of them */
};

using namespace emotion::gst;

#define gst_emotion_classifier_parent_class parent_class
G_DEFINE_ABSTRACT_TYPE(GstEmotionClassifier, gst_emotion_classifier, GST_TYPE_ELEMENT);

static void gst_emotion_classifier_set_property(GObject* object, guint prop_id, const GValue* value,
                                                GParamSpec* pspec);
static void gst_emotion_classifier_get_property(GObject* object, guint prop_id, GValue* value,
                                                GParamSpec* pspec);
static void gst_emotion_classifier_finalize(GObject* object);
static void gst_emotion_classifier_constructed(GObject* object);
static GstStateChangeReturn gst_emotion_classifier_change_state(GstElement* element,
                                                                GstStateChange transition);
static GstFlowReturn gst_emotion_classifier_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer);
static gboolean gst_emotion_classifier_sink_event(GstPad* pad, GstObject* parent, GstEvent* event);
static gboolean gst_emotion_classifier_sink_query(GstPad* pad, GstObject* parent, GstQuery* query);
static gboolean gst_emotion_classifier_src_query(GstPad* pad, GstObject* parent, GstQuery* query);
static gboolean classifier_negotiate_output(GstEmotionClassifier* self);

static void gst_emotion_classifier_class_init(GstEmotionClassifierClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(emotion_classifier_debug, "emotionclassifier", 0, "emotion classifier base");

    gobject_class->set_property = gst_emotion_classifier_set_property;
    gobject_class->get_property = gst_emotion_classifier_get_property;
    gobject_class->finalize = gst_emotion_classifier_finalize;
    gobject_class->constructed = gst_emotion_classifier_constructed;
    element_class->change_state = GST_DEBUG_FUNCPTR(gst_emotion_classifier_change_state);

    classifier_properties_install(
        gobject_class, PROP_CLASSIFIER_FIRST,
        "Path of the model file (safetensors). Default: the shipped model of this "
        "architecture, searched in $GST_EMOTION_MODEL_PATH, then the installed models folder",
        "Length in seconds of the fixed windows classified when upstream sends no "
        "emotion-segment events (LLD input; mu-law input is already cut by mulawspec)");

    gst_type_mark_as_plugin_api(GST_TYPE_EMOTION_CLASSIFIER, (GstPluginAPIFlags)0);
    gst_type_mark_as_plugin_api(GST_TYPE_EMOTION_OPTIMIZER, (GstPluginAPIFlags)0);
    gst_type_mark_as_plugin_api(GST_TYPE_EMOTION_SCHEDULE, (GstPluginAPIFlags)0);
    gst_type_mark_as_plugin_api(GST_TYPE_EMOTION_CLASSIFIER_MODE, (GstPluginAPIFlags)0);
    gst_type_mark_as_plugin_api(GST_TYPE_EMOTION_NO_SPEECH, (GstPluginAPIFlags)0);
}

void gst_emotion_classifier_class_set_architecture(GstEmotionClassifierClass* klass,
                                                   const gchar* architecture) {
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    try {
        klass->architecture = &emotion::models::architecture_named(architecture);
    } catch (const std::exception& e) {
        g_error("%s", e.what()); /* a subclass names an architecture the registry lacks */
    }
    GstCaps* caps = architecture_sink_caps(*klass->architecture);
    gst_element_class_add_pad_template(element_class,
                                       gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
    gst_caps_unref(caps);

    caps = gst_caps_from_string("other/tensors,format=static,num_tensors=1,types=float32; "
                                "text/x-raw,format=utf8");
    gst_element_class_add_pad_template(element_class,
                                       gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
    gst_caps_unref(caps);
}

static void gst_emotion_classifier_init(GstEmotionClassifier* self) {
    self->settings = new ClassifierSettings();
    self->state = NULL;
}

/* The pads come from the subclass's templates, which instance init cannot see yet. */
static void gst_emotion_classifier_constructed(GObject* object) {
    GstEmotionClassifier* self = GST_EMOTION_CLASSIFIER(object);
    GstElementClass* klass = GST_ELEMENT_GET_CLASS(self);

    G_OBJECT_CLASS(parent_class)->constructed(object);

    self->sinkpad = gst_pad_new_from_template(gst_element_class_get_pad_template(klass, "sink"), "sink");
    gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_emotion_classifier_chain));
    gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_emotion_classifier_sink_event));
    gst_pad_set_query_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_emotion_classifier_sink_query));
    gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);

    self->srcpad = gst_pad_new_from_template(gst_element_class_get_pad_template(klass, "src"), "src");
    gst_pad_set_query_function(self->srcpad, GST_DEBUG_FUNCPTR(gst_emotion_classifier_src_query));
    gst_pad_use_fixed_caps(self->srcpad);
    gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}

static void gst_emotion_classifier_finalize(GObject* object) {
    GstEmotionClassifier* self = GST_EMOTION_CLASSIFIER(object);

    delete self->state;
    delete self->settings;
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_emotion_classifier_set_property(GObject* object, guint prop_id, const GValue* value,
                                                GParamSpec* pspec) {
    GstEmotionClassifier* self = GST_EMOTION_CLASSIFIER(object);

    GST_OBJECT_LOCK(self);
    if (!classifier_properties_set(*self->settings, PROP_CLASSIFIER_FIRST, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    GST_OBJECT_UNLOCK(self);
}

static void gst_emotion_classifier_get_property(GObject* object, guint prop_id, GValue* value,
                                                GParamSpec* pspec) {
    GstEmotionClassifier* self = GST_EMOTION_CLASSIFIER(object);

    GST_OBJECT_LOCK(self);
    if (!classifier_properties_get(*self->settings, PROP_CLASSIFIER_FIRST, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
    GST_OBJECT_UNLOCK(self);
}

/* ---- model loading ---------------------------------------------------------------------- */

/* What the training code (classifier-training.h) uses of this element. */
static TrainingHost training_host(GstEmotionClassifier* self, ClassifierState* state) {
    TrainingHost host;
    host.element = GST_ELEMENT(self);
    host.architecture = state->architecture;
    host.threads = locked_value(GST_ELEMENT(self), &self->settings->threads);
    host.use_model = [state](const emotion::models::Classifier& c, const std::string& name) {
        state->results.set_model(c.info().labels, name, c.info().temperature);
    };
    host.negotiate_output = [self, state] {
        return state->output_negotiated || classifier_negotiate_output(self);
    };
    host.preroll_downstream = [self, state] {
        if (state->output_negotiated && !state->segment_pending)
            gst_pad_push_event(self->srcpad,
                               gst_event_new_gap(state->results.segment.start, GST_CLOCK_TIME_NONE));
    };
    return host;
}

/* Loads the model (infer: required; train: the optional starting point). */
static gboolean gst_emotion_classifier_start(GstEmotionClassifier* self) {
    const emotion::models::Architecture& architecture = *GST_EMOTION_CLASSIFIER_GET_CLASS(self)->architecture;
    const ClassifierSettings settings = classifier_settings_copy(GST_ELEMENT(self), *self->settings);

    if (!classifier_settings_check(GST_ELEMENT(self), settings)) return FALSE;
    auto state = std::make_unique<ClassifierState>();
    state->results.cue_format = settings.cue_format;
    state->architecture = &architecture;
    state->lld = architecture.features.kind == emotion::models::FeatureKind::Lld;
    state->frame_size = architecture.item_size();
    state->segments = std::make_unique<emotion::stream::SegmentCollector>(settings.collector(architecture));
    state->speech = std::make_unique<SpeechGate>(settings, state->lld);
    state->results.threshold = settings.threshold;
    state->results.temperature = settings.temperature;
    state->results.balance = settings.balance == GST_EMOTION_BALANCE_SPEAKER;

    if (settings.train()) {
        state->training = training_prepare(training_host(self, state.get()), settings.training);
        if (!state->training) return FALSE;
    }
    /* infer: the model is required (default: the shipped one); train: an optional start. */
    if (!settings.train() || !settings.model.empty()) {
        std::string name;
        auto classifier =
            load_classifier(GST_ELEMENT(self), architecture, settings.model, settings.threads, &name);
        if (!classifier) return FALSE;
        if (state->training)
            training_start_from(*state->training, std::move(classifier));
        else
            state->set_classifier(std::move(classifier), name);
    }

    delete self->state;
    self->state = state.release();
    return TRUE;
}

static GstStateChangeReturn gst_emotion_classifier_change_state(GstElement* element,
                                                                GstStateChange transition) {
    GstEmotionClassifier* self = GST_EMOTION_CLASSIFIER(element);

    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !gst_emotion_classifier_start(self))
        return GST_STATE_CHANGE_FAILURE;

    GstStateChangeReturn ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);

    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
        delete self->state;
        self->state = NULL;
    }
    return ret;
}

/* ---- results ---------------------------------------------------------------------------- */

/* Output caps once a model exists (train mode builds it at the first epoch). */
static gboolean classifier_negotiate_output(GstEmotionClassifier* self) {
    ClassifierState* state = self->state;
    GstCaps* peer = gst_pad_peer_query_caps(self->srcpad, NULL);
    GstCaps* caps = state->results.choose_caps(GST_ELEMENT(self), peer);
    gst_caps_unref(peer);
    if (!caps) return FALSE;
    gboolean ok = gst_pad_set_caps(self->srcpad, caps);
    gst_caps_unref(caps);
    state->output_negotiated = ok;
    if (ok && state->segment_pending) {
        state->segment_pending = false;
        gst_pad_push_event(self->srcpad, gst_event_new_segment(&state->results.segment));
    }
    return ok;
}

static GstFlowReturn publish(GstEmotionClassifier* self, const emotion::stream::Part& part,
                             const std::vector<float>& scores) {
    ClassifierState* state = self->state;
    if (!state->output_negotiated && !classifier_negotiate_output(self)) return GST_FLOW_NOT_NEGOTIATED;
    GstEvent* tag;
    GstBuffer* buffer =
        state->results.publish(GST_ELEMENT(self), part.id, clock_time(part.start), clock_time(part.end),
                               scores, part.segment.true_emotion, &tag, part.interim, part.segment.speaker);
    if (tag) gst_pad_push_event(self->srcpad, tag);
    return gst_pad_push(self->srcpad, buffer);
}

/* A part with too little speech: nothing, or (no-speech=tag) a no-speech result. */
static GstFlowReturn publish_no_speech(GstEmotionClassifier* self, const emotion::stream::Part& part,
                                       double speech) {
    ClassifierState* state = self->state;
    if (!state->speech->tag()) return GST_FLOW_OK;
    if (!state->output_negotiated && !classifier_negotiate_output(self)) return GST_FLOW_NOT_NEGOTIATED;
    GstEvent* gap;
    GstBuffer* buffer = state->results.publish_no_speech(GST_ELEMENT(self), part.id, clock_time(part.start),
                                                         clock_time(part.end), speech, &gap, part.interim);
    if (gap) gst_pad_push_event(self->srcpad, gap);
    return buffer ? gst_pad_push(self->srcpad, buffer) : GST_FLOW_OK;
}

/* Runs the model on a part: its LLD frames, or its mu-law segments (one utterance). */
static GstFlowReturn classify(GstEmotionClassifier* self, const emotion::stream::Part& part) {
    ClassifierState* state = self->state;
    if (state->lld && part.frame_count < state->classifier->min_frames()) {
        if (!state->warned_short)
            GST_INFO_OBJECT(self,
                            "segment %s has %d frames, fewer than the model needs (%d): "
                            "no result",
                            part.id.c_str(), (int)part.frame_count, state->classifier->min_frames());
        state->warned_short = true;
        return GST_FLOW_OK;
    }
    if (!state->lld && part.items.empty()) return GST_FLOW_OK;
    double speech = 0.0;
    if (state->lld && !state->speech->passes(part.frames, part.frame_count, state->frame_size, &speech))
        return publish_no_speech(self, part, speech);
    std::vector<float> scores;
    GST_OBJECT_LOCK(self);
    state->classifier->set_threads(self->settings->threads);
    GST_OBJECT_UNLOCK(self);
    try {
        if (state->lld) {
            scores = state->classifier->classify_frames(part.frames, (int)part.frame_count,
                                                        part.segment.speaker, part.interim);
        } else {
            std::vector<const float*> segments;
            for (const auto& values : part.items) segments.push_back(values.data());
            scores = state->classifier->classify_segments(segments, part.segment.speaker, part.interim);
        }
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, STREAM, FAILED, ("Classification failed."), ("%s", e.what()));
        return GST_FLOW_ERROR;
    }
    return publish(self, part, scores);
}

/* mode=train: the part's frames (LLD: one example) or mu-law segments (one each). */
static LabelledSegment labelled_segment(ClassifierState* state, emotion::stream::Part& part) {
    LabelledSegment labelled;
    labelled.id = part.segment.id;
    labelled.split = part.segment.split;
    labelled.true_emotion = part.segment.true_emotion;
    labelled.speaker = part.segment.speaker;
    labelled.gender = part.segment.gender;
    if (state->lld) {
        if (part.frame_count > 0) {
            emotion::train::Example e;
            e.frames = (int)part.frame_count;
            e.features.assign(part.frames, part.frames + (size_t)e.frames * state->frame_size);
            labelled.parts.push_back(std::move(e));
        }
    } else {
        for (auto& values : part.items) {
            emotion::train::Example e;
            e.frames = 1;
            e.features = std::move(values);
            labelled.parts.push_back(std::move(e));
        }
    }
    return labelled;
}

/* Classifies (mode=train: learns from) the parts the collector has ready, in order. A failure
 * stops it unless `to_the_end` (EOS: every open segment is still published). */
static GstFlowReturn take_parts(GstEmotionClassifier* self, bool to_the_end = false) {
    ClassifierState* state = self->state;
    GstFlowReturn ret = GST_FLOW_OK;
    emotion::stream::Part part;
    while ((ret == GST_FLOW_OK || to_the_end) && state->segments->next_part(&part)) {
        if (state->training)
            ret = training_add(*state->training, labelled_segment(state, part));
        else
            ret = classify(self, part);
    }
    return ret;
}

/* ---- input ------------------------------------------------------------------------------- */

static GstFlowReturn gst_emotion_classifier_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
    GstEmotionClassifier* self = GST_EMOTION_CLASSIFIER(parent);
    ClassifierState* state = self->state;
    (void)pad;

    if (!state) {
        gst_buffer_unref(buffer);
        return GST_FLOW_FLUSHING;
    }
    if (state->training && training_stopped(*state->training)) {
        /* Early stopping: tell the dataset source to end the stream. */
        gst_buffer_unref(buffer);
        return GST_FLOW_EOS;
    }
    /* LLD frames go into the collector's store; mu-law segments are each a whole segment */
    const bool added = add_buffer_items(GST_ELEMENT(self), buffer, state->frame_size, *state->segments);
    gst_buffer_unref(buffer);
    return added ? take_parts(self) : GST_FLOW_ERROR;
}

static gboolean check_input_caps(GstEmotionClassifier* self, GstCaps* caps) {
    ClassifierState* state = self->state;
    std::vector<int> dims;
    if (!state) return FALSE;
    const emotion::models::Architecture& architecture = *state->architecture;
    if (!emotion::gst::tensor_caps_parse(caps, &dims)) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Input is not a single float32 tensor."),
                          ("caps %" GST_PTR_FORMAT, caps));
        return FALSE;
    }
    if (!architecture_accepts_dimensions(architecture, dims)) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION,
                          ("Input features do not match the model: the stream has tensors of dimensions %s, "
                           "model '%s' takes %s (%s).",
                           dimensions_text(dims).c_str(),
                           state->results.model_name().empty() ? architecture.name.c_str()
                                                               : state->results.model_name().c_str(),
                           dimensions_text(architecture.caps_dimensions).c_str(),
                           architecture.features.describe().c_str()),
                          (NULL));
        return FALSE;
    }
    return TRUE;
}

static gboolean handle_segment_start(GstEmotionClassifier* self, GstEvent* event) {
    emotion::stream::SegmentLabels labels = segment_labels(event);
    if (!self->state->segments->start_segment(labels))
        GST_WARNING_OBJECT(self, "segment %s started twice; restarting it", labels.id.c_str());
    return gst_pad_push_event(self->srcpad, event);
}

static gboolean handle_segment_end(GstEmotionClassifier* self, GstEvent* event) {
    const gchar* id = gst_emotion_event_get_segment_id(event);
    GstFlowReturn ret = GST_FLOW_OK;
    if (!self->state->segments->end_segment(id ? id : ""))
        GST_DEBUG_OBJECT(self, "end of unknown segment %s", id);
    else
        ret = take_parts(self);
    gboolean forwarded = gst_pad_push_event(self->srcpad, event);
    return ret == GST_FLOW_OK || ret == GST_FLOW_FLUSHING ? forwarded : FALSE;
}

/* EOS: the open segments are published (or learnt from), then the last fallback window. */
static void finish_stream(GstEmotionClassifier* self) {
    ClassifierState* state = self->state;
    state->segments->finish();
    take_parts(self, true);
    if (state->training) training_finish(*state->training);
}

static gboolean gst_emotion_classifier_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
    GstEmotionClassifier* self = GST_EMOTION_CLASSIFIER(parent);
    ClassifierState* state = self->state;

    if (!state) return gst_pad_event_default(pad, parent, event);

    if (gst_emotion_event_is_segment_start(event)) return handle_segment_start(self, event);
    if (gst_emotion_event_is_segment_end(event)) return handle_segment_end(self, event);
    if (state->training && gst_emotion_event_is_epoch_start(event)) {
        if (!training_epoch_start(*state->training, event)) {
            gst_event_unref(event);
            return FALSE;
        }
        return gst_pad_push_event(self->srcpad, event);
    }
    if (state->training && gst_emotion_event_is_epoch_end(event)) {
        training_epoch_end(*state->training);
        return gst_pad_push_event(self->srcpad, event);
    }

    switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
        GstCaps* caps;
        gst_event_parse_caps(event, &caps);
        gboolean ok = check_input_caps(self, caps);
        gst_event_unref(event);
        /* Training from scratch has no model, so no output caps, until the first epoch. */
        if (!state->has_model()) return ok;
        return ok && (state->output_negotiated || classifier_negotiate_output(self));
    }
    case GST_EVENT_SEGMENT:
        gst_event_copy_segment(event, &state->results.segment);
        if (!state->output_negotiated) {
            /* Sticky order: the segment follows the caps, which wait for the model. */
            state->segment_pending = true;
            gst_event_unref(event);
            return TRUE;
        }
        break;
    case GST_EVENT_STREAM_START:
        state->segments->start_stream();
        state->results.reset_dominant();
        /* speaker-normalised models and balance: another recording, other voices */
        if (state->classifier) state->classifier->forget_speakers();
        state->results.forget_speakers();
        break;
    case GST_EVENT_FLUSH_STOP:
        /* A segment never spans a flush: what was collected is dropped. A seek may go back:
         * speaker statistics would hold audio from after it. */
        state->segments->flush();
        if (state->classifier) state->classifier->forget_speakers();
        state->results.forget_speakers();
        break;
    case GST_EVENT_EOS: finish_stream(self); break;
    default: break;
    }
    return gst_pad_event_default(pad, parent, event);
}

static gboolean gst_emotion_classifier_sink_query(GstPad* pad, GstObject* parent, GstQuery* query) {
    return gst_pad_query_default(pad, parent, query);
}

static gboolean gst_emotion_classifier_src_query(GstPad* pad, GstObject* parent, GstQuery* query) {
    GstEmotionClassifier* self = GST_EMOTION_CLASSIFIER(parent);

    switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_LATENCY: {
        if (!gst_pad_peer_query(self->sinkpad, query)) return FALSE;
        gboolean live;
        GstClockTime min, max;
        gst_query_parse_latency(query, &live, &min, &max);
        GST_OBJECT_LOCK(self);
        /* A result leaves when its segment ends: one window, at most max-duration. */
        GstClockTime window = (GstClockTime)(self->settings->window * GST_SECOND);
        GstClockTime longest = (GstClockTime)(self->settings->max_duration * GST_SECOND);
        GST_OBJECT_UNLOCK(self);
        min += window;
        if (GST_CLOCK_TIME_IS_VALID(max)) max += longest;
        gst_query_set_latency(query, live, min, max);
        return TRUE;
    }
    case GST_QUERY_CAPS:
        set_caps_query_result(query, self->state && self->state->has_model()
                                         ? self->state->results.all_caps()
                                         : gst_pad_get_pad_template_caps(pad));
        return TRUE;
    default: return gst_pad_query_default(pad, parent, query);
    }
}
