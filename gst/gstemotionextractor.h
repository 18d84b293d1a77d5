/* GstEmotionExtractor: the base class of the feature extractors (lldextract, mulawspec). It takes
 * F32LE mono 16 kHz speech and does everything around the features: sink caps, DISCONT and GAP,
 * timestamps counted in samples (SampleClock), the latency query, upstream
 * `emotion-segment-start/end` events (forwarded in order, ended at every discontinuity),
 * stream-start/segment/gap/flush/EOS, and the lifetime of the processing state (READY->PAUSED to
 * PAUSED->READY). A subclass has its properties and makes its ExtractorProcessing, which turns
 * the samples it is handed into output buffers and stamps and pushes them with the helpers
 * below. */
#pragma once

#include <gst/gst.h>

#include <vector>

/* ExtractorProcessing::process() gets at most this many samples at once */
#define GST_EMOTION_EXTRACTOR_MAX_CHUNK 16000

namespace emotion::gst {

/* The feature computation of an extractor for one streaming session (READY->PAUSED to
 * PAUSED->READY). The base hands it the samples and tells it where stream parts begin and end;
 * it pushes its output with the gst_emotion_extractor_* helpers below. A stream part is the audio
 * between two discontinuities (DISCONT buffer, GAP event, new segment, stream start, flush,
 * EOS); its samples are counted from 0. */
class ExtractorProcessing {
public:
    virtual ~ExtractorProcessing() = default;

    /* A new stream begins. */
    virtual void stream_start() {}
    /* The next `count` (at most GST_EMOTION_EXTRACTOR_MAX_CHUNK) samples of the stream part,
     * finite or not. */
    virtual void process(const float* samples, size_t count) = 0;
    /* The stream part ends: push what it completes, end the element's own segments and start the
     * features afresh (the base then ends the open upstream segments). */
    virtual void drain() = 0;
    /* Flush: drop everything in flight without output and start the features afresh. */
    virtual void flush() = 0;
    /* An upstream segment start or end is about to be forwarded (never the end of a segment
     * already ended at a discontinuity); `first`: the first one of the stream. */
    virtual void upstream_segment(bool start G_GNUC_UNUSED, bool first G_GNUC_UNUSED) {}
};

} // namespace emotion::gst

G_BEGIN_DECLS

#define GST_TYPE_EMOTION_EXTRACTOR (gst_emotion_extractor_get_type())
#define GST_EMOTION_EXTRACTOR(obj)                                                                           \
    (G_TYPE_CHECK_INSTANCE_CAST((obj), GST_TYPE_EMOTION_EXTRACTOR, GstEmotionExtractor))
#define GST_EMOTION_EXTRACTOR_CLASS(klass)                                                                   \
    (G_TYPE_CHECK_CLASS_CAST((klass), GST_TYPE_EMOTION_EXTRACTOR, GstEmotionExtractorClass))
#define GST_EMOTION_EXTRACTOR_GET_CLASS(obj)                                                                 \
    (G_TYPE_INSTANCE_GET_CLASS((obj), GST_TYPE_EMOTION_EXTRACTOR, GstEmotionExtractorClass))

typedef struct _GstEmotionExtractor GstEmotionExtractor;
typedef struct _GstEmotionExtractorClass GstEmotionExtractorClass;
struct ExtractorState;

struct _GstEmotionExtractor {
    GstElement parent;

    GstPad* sinkpad;
    GstPad* srcpad;

    /* streaming state of the base, created in READY->PAUSED and destroyed in PAUSED->READY; only
     * the streaming thread touches it in between */
    struct ExtractorState* state;
};

struct _GstEmotionExtractorClass {
    GstElementClass parent_class;

    /* set by gst_emotion_extractor_class_set_output () */
    gsize buffer_bytes; /* one output buffer */
    guint pool_buffers; /* output buffers the pool keeps */
    guint frame_hop;    /* input samples from one output frame to the next */
    guint history;      /* samples before the current position whose time may still
                         * be asked for (a frame or segment not yet complete) */

    /* READY->PAUSED: the processing of the coming streams with the current settings (copied
     * under the object lock); NULL after posting an error. The base deletes it in PAUSED->READY. */
    emotion::gst::ExtractorProcessing* (*start)(GstEmotionExtractor* self);
    /* the latency the element adds with the current settings (optional, default 0) */
    GstClockTime (*latency)(GstEmotionExtractor* self);
};

GType gst_emotion_extractor_get_type(void);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GstEmotionExtractor, gst_object_unref)

G_END_DECLS

/* For subclass class_init: the src pad template (fixed tensor caps of `dimensions`, innermost
 * first, at fps_n/fps_d) and the output buffers: `pool_buffers` kept in a pool, frames
 * `frame_hop` samples apart, timestamps needed up to `history` samples back. */
void gst_emotion_extractor_class_set_output(GstEmotionExtractorClass* klass,
                                            const std::vector<int>& dimensions, int fps_n, int fps_d,
                                            guint pool_buffers, guint frame_hop, guint history);

/* --- for ExtractorProcessing, on the streaming thread ------------------------------------- */

/* Samples of the stream part so far (in process(): including the chunk being processed),
 * counted from its start or the last restart. */
guint64 gst_emotion_extractor_position(GstEmotionExtractor* self);
/* The current position becomes sample 0 (an upstream segment or utterance starts here); the
 * timestamps go on where they are. */
void gst_emotion_extractor_restart(GstEmotionExtractor* self);
/* TRUE once an upstream segment event has arrived in this stream. */
gboolean gst_emotion_extractor_upstream_segments_seen(GstEmotionExtractor* self);

/* An output buffer of buffer_bytes (from the pool when it has one free). */
GstBuffer* gst_emotion_extractor_new_buffer(GstEmotionExtractor* self);
/* Timestamps `buffer` as covering `frames` frames from frame `first_frame` of the part: PTS,
 * duration, offset first_frame, offset-end first_frame + frames, and DISCONT on the first
 * buffer of a stream part. */
void gst_emotion_extractor_stamp(GstEmotionExtractor* self, GstBuffer* buffer, guint64 first_frame,
                                 guint64 frames);
/* Output, in order: queued buffers go out together (one buffer list) at the end of each
 * ExtractorProcessing::process() call and before any buffer pushed or event sent. */
void gst_emotion_extractor_queue(GstEmotionExtractor* self, GstBuffer* buffer);
void gst_emotion_extractor_push(GstEmotionExtractor* self, GstBuffer* buffer);
/* A NULL event is skipped. */
void gst_emotion_extractor_push_event(GstEmotionExtractor* self, GstEvent* event);
/* Pushes every event of `events` in order and empties it. */
void gst_emotion_extractor_push_events(GstEmotionExtractor* self, std::vector<GstEvent*>& events);

/* Non-finite input: `nonfinite_samples` samples (counted since the processing was made) were
 * replaced by 0, and `replaced_values` output values since the last call as `replaced_as` says
 * ("feature values by 0"). Posts one warning per stream. */
void gst_emotion_extractor_report_nonfinite(GstEmotionExtractor* self, guint64 nonfinite_samples,
                                            gsize replaced_values, const gchar* replaced_as);
