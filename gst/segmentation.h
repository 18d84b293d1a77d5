/* Segment events and the stream layer (src/stream/), which decides where segments start and end:
 * for the feature extractors, the `segmentation` enum and the marks of fixed windows, VAD segments
 * and upstream-segment bookkeeping as `emotion-segment-start/end` events
 * (gst-libs/gst/emotion/emotion-events.h); for the classifiers, what a start event says.
 *
 * Every class here produces segment events in frame order: the caller pushes the events returned
 * "before" a frame ahead of that frame, and those returned "after" it behind it. */
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <string>
#include <vector>

#include "stream/fixed_windows.h"
#include "stream/segment_collector.h"
#include "stream/speech_segments.h"
#include "stream/time.h"
#include "stream/upstream_segments.h"

G_BEGIN_DECLS

/**
 * GstEmotionSegmentation:
 * @GST_EMOTION_SEGMENTATION_NONE: no segment events of the element's own
 * @GST_EMOTION_SEGMENTATION_VAD: one segment per stretch of speech (voice activity detection)
 * @GST_EMOTION_SEGMENTATION_WINDOW: fixed windows of `window` seconds every `hop` seconds
 *
 * How an element marks segments when upstream sends no `emotion-segment-start/end` events.
 */
typedef enum {
    GST_EMOTION_SEGMENTATION_NONE,
    GST_EMOTION_SEGMENTATION_VAD,
    GST_EMOTION_SEGMENTATION_WINDOW,
} GstEmotionSegmentation;

#define GST_TYPE_EMOTION_SEGMENTATION (gst_emotion_segmentation_get_type())
GType gst_emotion_segmentation_get_type(void);

G_END_DECLS

namespace emotion::gst {

/* Ranges and defaults of the `window` and `hop` properties (seconds) of window segmentation. */
constexpr double kSegmentWindowMin = 0.1;
constexpr double kSegmentWindowMax = 3600.0;
constexpr double kSegmentWindowDefault = 3.0;
constexpr double kSegmentHopMin = 0.01;
constexpr double kSegmentHopMax = 3600.0;
constexpr double kSegmentHopDefault = 1.5;

/* Frames (10 ms) in `seconds`, rounded, at least 1. */
using emotion::stream::seconds_to_frames;

/* The id and fields of an emotion-segment-start event, for the classifiers' segment collector. */
emotion::stream::SegmentLabels segment_labels(GstEvent* event);

/* Fixed windows (stream::FixedWindows) as segment events: a window's start event goes before its
 * first frame and its end event after its last one; overlapping windows interleave. Ids ("w0",
 * "w1", ...) go on across discontinuities; only start() restarts them. */
class WindowSegmenter {
public:
    WindowSegmenter(int64_t window_frames, int64_t hop_frames, std::string prefix = "w");

    /* New stream: ids restart at 0. */
    void start();
    /* Segment events around the next frame (frames are numbered from the last close()). */
    void frame(std::vector<GstEvent*>& before, std::vector<GstEvent*>& after);
    /* End of a stream part (discontinuity, EOS): end events of the open windows, which may be
     * shorter than `window`; the next frame is frame 0 again. */
    void close(std::vector<GstEvent*>& events);
    bool open() const { return windows_.open(); }

private:
    emotion::stream::FixedWindows windows_;
    std::vector<emotion::stream::FixedWindows::Window> started_, ended_;
};

/* Speech segments (stream::SpeechSegments) as segment events. Decisions come
 * lookahead_frames() late, so the caller holds its frames back: push() returns one mark per
 * frame that has become decided (in order), which is the event to push before that frame
 * (start of a speech segment, end of one, or nullptr). */
class VadSegmenter {
public:
    explicit VadSegmenter(const emotion::dsp::VadSettings& settings = {}, std::string prefix = "vad");

    int lookahead_frames() const { return segments_.lookahead_frames(); }
    /* New stream: ids restart at 0. */
    void start() { segments_.start(); }
    void push(double frame_energy, std::vector<GstEvent*>& marks);
    /* End of a stream part: marks of every frame still undecided, then `end` is the end event of
     * the open segment (nullptr when none); the VAD starts afresh. */
    void close(std::vector<GstEvent*>& marks, GstEvent** end);
    bool open() const { return segments_.open(); }

private:
    void translate(std::vector<GstEvent*>& marks);

    emotion::stream::SpeechSegments segments_;
    std::vector<emotion::stream::SegmentMark> marks_;
};

/* Upstream segment events of one stream (stream::UpstreamSegments). Once one has arrived, an
 * element's own segmentation is off. Segments never span a discontinuity: close() ends the open
 * ones there, and the upstream end events of those segments are dropped when they arrive later. */
class UpstreamSegments {
public:
    /* New stream: no upstream segments seen. */
    void reset() { ids_.reset(); }
    /* Flush: every open segment is void (downstream flushes too); seen() stays. */
    void flush() { ids_.flush(); }
    /* True once any upstream segment event has arrived in this stream. */
    bool seen() const { return ids_.seen(); }
    bool open() const { return ids_.open(); }
    /* Records an upstream start or end event; false when the event must be dropped (the end of
     * a segment this element already ended at a discontinuity). */
    bool on_event(GstEvent* event);
    /* End events of the open upstream segments (discontinuity, EOS). */
    void close(std::vector<GstEvent*>& events);

private:
    emotion::stream::UpstreamSegments ids_;
    std::vector<std::string> ended_;
};

} // namespace emotion::gst
