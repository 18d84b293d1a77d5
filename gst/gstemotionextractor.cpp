/* GstEmotionExtractor: see the header. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstemotionextractor.h"

#include <gst/emotion/emotion-events.h>

#include <cstdint>
#include <memory>

#include "audio-framing.h"
#include "dsp/lld.h"
#include "segmentation.h"
#include "tensor-caps.h"

GST_DEBUG_CATEGORY_STATIC(emotion_extractor_debug);
#define GST_CAT_DEFAULT emotion_extractor_debug

#define SAMPLE_RATE emotion::dsp::kSampleRate
#define CHUNK_SAMPLES GST_EMOTION_EXTRACTOR_MAX_CHUNK

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("audio/x-raw, format = (string) F32LE, rate = (int) 16000, "
                                            "channels = (int) 1, layout = (string) interleaved"));

struct ExtractorState {
    ExtractorState() : clock(SAMPLE_RATE) {}

    std::unique_ptr<emotion::gst::ExtractorProcessing> processing; /* the subclass's */
    emotion::gst::SampleClock clock;
    emotion::gst::UpstreamSegments upstream;
    GstBufferPool* pool = nullptr;   /* output buffers, recycled */
    GstBufferList* queued = nullptr; /* buffers not pushed yet */
    std::vector<float> scratch;      /* zeros for GAP buffers, aligned copies */
    std::vector<GstEvent*> events;

    uint64_t position = 0; /* samples since the stream part (or the last restart) */
    bool discont = true;   /* flag the next buffer DISCONT */
    bool warned = false;   /* non-finite warning posted in this stream */
    uint64_t nonfinite_reported = 0;
    GstFlowReturn flow = GST_FLOW_OK; /* the first failure of the current input buffer */
};

#define gst_emotion_extractor_parent_class parent_class
G_DEFINE_ABSTRACT_TYPE(GstEmotionExtractor, gst_emotion_extractor, GST_TYPE_ELEMENT);

static void gst_emotion_extractor_constructed(GObject* object);
static GstStateChangeReturn gst_emotion_extractor_change_state(GstElement* element,
                                                               GstStateChange transition);
static GstFlowReturn gst_emotion_extractor_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer);
static gboolean gst_emotion_extractor_sink_event(GstPad* pad, GstObject* parent, GstEvent* event);
static gboolean gst_emotion_extractor_src_query(GstPad* pad, GstObject* parent, GstQuery* query);

static void gst_emotion_extractor_class_init(GstEmotionExtractorClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);

    gobject_class->constructed = gst_emotion_extractor_constructed;
    element_class->change_state = GST_DEBUG_FUNCPTR(gst_emotion_extractor_change_state);
    gst_element_class_add_static_pad_template(element_class, &sink_template);

    GST_DEBUG_CATEGORY_INIT(emotion_extractor_debug, "emotionextractor", 0, "feature extractor base");
    gst_type_mark_as_plugin_api(GST_TYPE_EMOTION_EXTRACTOR, (GstPluginAPIFlags)0);
}

void gst_emotion_extractor_class_set_output(GstEmotionExtractorClass* klass,
                                            const std::vector<int>& dimensions, int fps_n, int fps_d,
                                            guint pool_buffers, guint frame_hop, guint history) {
    GstCaps* caps = emotion::gst::tensor_caps_new(dimensions, fps_n, fps_d);
    gsize values = 1;

    gst_element_class_add_pad_template(GST_ELEMENT_CLASS(klass),
                                       gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
    gst_caps_unref(caps);
    for (int d : dimensions) values *= (gsize)d;
    klass->buffer_bytes = values * sizeof(float);
    klass->pool_buffers = pool_buffers;
    klass->frame_hop = frame_hop;
    klass->history = history;
}

static void gst_emotion_extractor_init(GstEmotionExtractor* self) { self->state = NULL; }

/* The src pad comes from the subclass's template, which instance init cannot see yet. */
static void gst_emotion_extractor_constructed(GObject* object) {
    GstEmotionExtractor* self = GST_EMOTION_EXTRACTOR(object);
    GstElementClass* klass = GST_ELEMENT_GET_CLASS(self);

    G_OBJECT_CLASS(parent_class)->constructed(object);

    self->sinkpad = gst_pad_new_from_template(gst_element_class_get_pad_template(klass, "sink"), "sink");
    gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_emotion_extractor_chain));
    gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_emotion_extractor_sink_event));
    gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);

    self->srcpad = gst_pad_new_from_template(gst_element_class_get_pad_template(klass, "src"), "src");
    gst_pad_set_query_function(self->srcpad, GST_DEBUG_FUNCPTR(gst_emotion_extractor_src_query));
    gst_pad_use_fixed_caps(self->srcpad);
    gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}

/* --- output, in order ------------------------------------------------------------------- */

static void record_flow(ExtractorState* st, GstFlowReturn ret) {
    if (ret != GST_FLOW_OK && st->flow == GST_FLOW_OK) st->flow = ret;
}

static void push_queued(GstEmotionExtractor* self) {
    ExtractorState* st = self->state;
    GstBufferList* list = st->queued;

    if (list == NULL) return;
    st->queued = NULL;
    record_flow(st, gst_pad_push_list(self->srcpad, list));
}

void gst_emotion_extractor_queue(GstEmotionExtractor* self, GstBuffer* buffer) {
    ExtractorState* st = self->state;

    if (st->queued == NULL) st->queued = gst_buffer_list_new_sized(128);
    gst_buffer_list_add(st->queued, buffer);
}

void gst_emotion_extractor_push(GstEmotionExtractor* self, GstBuffer* buffer) {
    push_queued(self);
    record_flow(self->state, gst_pad_push(self->srcpad, buffer));
}

void gst_emotion_extractor_push_event(GstEmotionExtractor* self, GstEvent* event) {
    if (event == NULL) return;
    push_queued(self);
    GST_DEBUG_OBJECT(self, "pushing %" GST_PTR_FORMAT, event);
    gst_pad_push_event(self->srcpad, event);
}

void gst_emotion_extractor_push_events(GstEmotionExtractor* self, std::vector<GstEvent*>& events) {
    for (GstEvent* event : events) gst_emotion_extractor_push_event(self, event);
    events.clear();
}

GstBuffer* gst_emotion_extractor_new_buffer(GstEmotionExtractor* self) {
    GstBuffer* buffer = NULL;

    if (gst_buffer_pool_acquire_buffer(self->state->pool, &buffer, NULL) != GST_FLOW_OK)
        buffer = gst_buffer_new_allocate(NULL, GST_EMOTION_EXTRACTOR_GET_CLASS(self)->buffer_bytes, NULL);
    return buffer;
}

void gst_emotion_extractor_stamp(GstEmotionExtractor* self, GstBuffer* buffer, guint64 first_frame,
                                 guint64 frames) {
    ExtractorState* st = self->state;
    guint hop = GST_EMOTION_EXTRACTOR_GET_CLASS(self)->frame_hop;

    GST_BUFFER_PTS(buffer) = st->clock.time_at(first_frame * hop);
    GST_BUFFER_DURATION(buffer) = st->clock.duration(frames * hop);
    GST_BUFFER_OFFSET(buffer) = first_frame;
    GST_BUFFER_OFFSET_END(buffer) = first_frame + frames;
    if (st->discont) {
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
        st->discont = false;
    }
}

void gst_emotion_extractor_report_nonfinite(GstEmotionExtractor* self, guint64 nonfinite_samples,
                                            gsize replaced_values, const gchar* replaced_as) {
    ExtractorState* st = self->state;

    if (nonfinite_samples == st->nonfinite_reported && replaced_values == 0) return;
    if (!st->warned) {
        st->warned = true;
        GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("The audio contains NaN or infinite samples."),
                            ("%" G_GUINT64_FORMAT
                             " non-finite samples were replaced by 0 and %" G_GSIZE_FORMAT
                             " non-finite %s; further ones in this stream are not reported",
                             nonfinite_samples - st->nonfinite_reported, replaced_values, replaced_as));
    }
    st->nonfinite_reported = nonfinite_samples;
}

/* --- stream parts ----------------------------------------------------------------------- */

guint64 gst_emotion_extractor_position(GstEmotionExtractor* self) { return self->state->position; }

void gst_emotion_extractor_restart(GstEmotionExtractor* self) {
    ExtractorState* st = self->state;

    st->clock.rebase(st->position);
    st->position = 0;
}

gboolean gst_emotion_extractor_upstream_segments_seen(GstEmotionExtractor* self) {
    return self->state->upstream.seen();
}

/* End of a stream part (DISCONT, GAP event, new segment, stream start, EOS): the subclass
 * pushes what the part completes, every open segment ends, and the next buffer starts afresh. */
static void end_stream_part(GstEmotionExtractor* self) {
    ExtractorState* st = self->state;

    st->processing->drain();
    st->upstream.close(st->events);
    gst_emotion_extractor_push_events(self, st->events);
    push_queued(self);

    st->position = 0;
    st->clock.reset();
    st->discont = true;
}

/* Flush: everything in flight is dropped. */
static void flush_stream(GstEmotionExtractor* self) {
    ExtractorState* st = self->state;

    if (st->queued) {
        gst_buffer_list_unref(st->queued);
        st->queued = NULL;
    }
    st->upstream.flush();
    st->processing->flush();

    st->position = 0;
    st->clock.reset();
    st->discont = true;
    st->flow = GST_FLOW_OK;
}

static void start_stream(GstEmotionExtractor* self) {
    ExtractorState* st = self->state;

    if (st->position > 0) end_stream_part(self);
    st->upstream.reset();
    st->warned = false;
    st->processing->stream_start();
}

/* An upstream segment start or end: recorded, shown to the subclass, forwarded in order. */
static void upstream_segment_event(GstEmotionExtractor* self, GstEvent* event) {
    ExtractorState* st = self->state;
    bool first = !st->upstream.seen();

    if (!st->upstream.on_event(event)) {
        GST_DEBUG_OBJECT(self, "dropping the end of a segment already ended");
        gst_event_unref(event);
        return;
    }
    st->processing->upstream_segment(gst_emotion_event_is_segment_start(event), first);
    gst_emotion_extractor_push_event(self, event);
}

/* --- streaming -------------------------------------------------------------------------- */

static void process_samples(GstEmotionExtractor* self, const float* samples, size_t count) {
    ExtractorState* st = self->state;
    GstEmotionExtractorClass* klass = GST_EMOTION_EXTRACTOR_GET_CLASS(self);

    while (count > 0) {
        size_t n = MIN(count, (size_t)CHUNK_SAMPLES);

        st->position += n;
        st->processing->process(samples, n);
        push_queued(self);
        samples += n;
        count -= n;
    }
    /* keeps the clock's memory bounded */
    st->clock.discard_before(st->position > klass->history ? st->position - klass->history : 0);
}

static GstFlowReturn gst_emotion_extractor_chain(GstPad* pad G_GNUC_UNUSED, GstObject* parent,
                                                 GstBuffer* buffer) {
    GstEmotionExtractor* self = GST_EMOTION_EXTRACTOR(parent);
    ExtractorState* st = self->state;
    if (G_UNLIKELY(st == NULL)) {
        gst_buffer_unref(buffer);
        return GST_FLOW_FLUSHING;
    }
    st->flow = GST_FLOW_OK;

    GST_LOG_OBJECT(self, "%" GST_PTR_FORMAT, buffer);
    if (GST_BUFFER_IS_DISCONT(buffer) && st->position > 0) {
        GST_DEBUG_OBJECT(self, "discontinuity after %" G_GUINT64_FORMAT " samples", st->position);
        end_stream_part(self);
    }
    st->clock.observe(GST_BUFFER_PTS(buffer), st->position);

    bool ok = emotion::gst::feed_f32_samples(
        GST_ELEMENT(self), buffer, st->scratch, CHUNK_SAMPLES,
        [self](const float* samples, size_t count) { process_samples(self, samples, count); });
    gst_buffer_unref(buffer);
    return ok ? st->flow : GST_FLOW_ERROR;
}

static gboolean gst_emotion_extractor_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
    GstEmotionExtractor* self = GST_EMOTION_EXTRACTOR(parent);
    ExtractorState* st = self->state;

    GST_LOG_OBJECT(self, "%" GST_PTR_FORMAT, event);
    if (st == NULL) return gst_pad_event_default(pad, parent, event);

    switch (GST_EVENT_TYPE(event)) {
    case GST_EVENT_CAPS: {
        GstCaps* caps;
        gboolean ret;

        gst_event_parse_caps(event, &caps);
        ret = emotion::gst::accept_speech_caps(GST_ELEMENT(self), self->srcpad, caps, SAMPLE_RATE,
                                               gst_pad_get_pad_template_caps(self->srcpad));
        gst_event_unref(event);
        return ret;
    }
    case GST_EVENT_STREAM_START: start_stream(self); return gst_pad_push_event(self->srcpad, event);
    case GST_EVENT_SEGMENT:
    case GST_EVENT_GAP:
        if (st->position > 0) end_stream_part(self);
        return gst_pad_push_event(self->srcpad, event);
    case GST_EVENT_EOS: end_stream_part(self); return gst_pad_push_event(self->srcpad, event);
    case GST_EVENT_FLUSH_STOP: flush_stream(self); return gst_pad_push_event(self->srcpad, event);
    case GST_EVENT_CUSTOM_DOWNSTREAM:
        if (gst_emotion_event_is_segment_start(event) || gst_emotion_event_is_segment_end(event)) {
            upstream_segment_event(self, event);
            return TRUE;
        }
        return gst_pad_event_default(pad, parent, event);
    default: return gst_pad_event_default(pad, parent, event);
    }
}

static gboolean gst_emotion_extractor_src_query(GstPad* pad, GstObject* parent, GstQuery* query) {
    GstEmotionExtractor* self = GST_EMOTION_EXTRACTOR(parent);
    GstEmotionExtractorClass* klass = GST_EMOTION_EXTRACTOR_GET_CLASS(self);

    switch (GST_QUERY_TYPE(query)) {
    case GST_QUERY_LATENCY: {
        gboolean live;
        GstClockTime min, max, ours;

        if (!gst_pad_peer_query(self->sinkpad, query)) return FALSE;
        gst_query_parse_latency(query, &live, &min, &max);
        ours = klass->latency ? klass->latency(self) : 0;
        GST_DEBUG_OBJECT(self, "adding %" GST_TIME_FORMAT " of latency", GST_TIME_ARGS(ours));
        min += ours;
        if (GST_CLOCK_TIME_IS_VALID(max)) max += ours;
        gst_query_set_latency(query, live, min, max);
        return TRUE;
    }
    default: return gst_pad_query_default(pad, parent, query);
    }
}

/* --- state ------------------------------------------------------------------------------ */

static gboolean gst_emotion_extractor_start(GstEmotionExtractor* self) {
    GstEmotionExtractorClass* klass = GST_EMOTION_EXTRACTOR_GET_CLASS(self);
    ExtractorState* st = new ExtractorState();
    GstStructure* config;
    GstCaps* caps;

    st->pool = gst_buffer_pool_new();
    config = gst_buffer_pool_get_config(st->pool);
    caps = gst_pad_get_pad_template_caps(self->srcpad);
    gst_buffer_pool_config_set_params(config, caps, klass->buffer_bytes, klass->pool_buffers, 0);
    gst_caps_unref(caps);
    if (!gst_buffer_pool_set_config(st->pool, config) || !gst_buffer_pool_set_active(st->pool, TRUE)) {
        gst_object_unref(st->pool);
        delete st;
        GST_ELEMENT_ERROR(self, RESOURCE, FAILED, (NULL), ("Could not set up a buffer pool"));
        return FALSE;
    }
    /* the processing may use the helpers from its constructor on */
    self->state = st;
    st->processing.reset(klass->start(self));
    if (!st->processing) {
        self->state = NULL;
        gst_buffer_pool_set_active(st->pool, FALSE);
        gst_object_unref(st->pool);
        delete st;
        return FALSE;
    }
    return TRUE;
}

static void gst_emotion_extractor_stop(GstEmotionExtractor* self) {
    ExtractorState* st = self->state;

    if (st == NULL) return;
    st->processing.reset();
    self->state = NULL;
    if (st->queued) gst_buffer_list_unref(st->queued);
    gst_buffer_pool_set_active(st->pool, FALSE);
    gst_object_unref(st->pool);
    delete st;
}

static GstStateChangeReturn gst_emotion_extractor_change_state(GstElement* element,
                                                               GstStateChange transition) {
    GstEmotionExtractor* self = GST_EMOTION_EXTRACTOR(element);
    GstStateChangeReturn ret;

    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !gst_emotion_extractor_start(self))
        return GST_STATE_CHANGE_FAILURE;

    ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);

    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY ||
        (transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret == GST_STATE_CHANGE_FAILURE))
        gst_emotion_extractor_stop(self);
    return ret;
}
