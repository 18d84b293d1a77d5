// The input of a classifier element, collected into what it classifies - without GStreamer.
//
// Upstream marks segments (emotion-segment-start/end events: start_segment, end_segment); while it
// sends none, frames are cut into fixed fallback windows. A segment longer than max-duration is
// published in parts "<id>.0", "<id>.1", ... as it grows, so memory stays bounded on endless
// streams: only the frames an open segment, window or ready part still needs are kept.
//
// Two kinds of input (ItemKind): LLD frames, of which a segment is a span, read in place when it
// is ready; or whole segments (mu-law spectrograms cut by mulawspec), which an upstream segment (an
// utterance) collects and which stand alone outside any.
//
// The element feeds input and events in stream order and after each call takes the ready parts
// with next_part(), in order, to classify or to learn from.
//
// Interim parts (CollectorSettings::interim > 0): while an upstream segment is open, every
// `interim` seconds since its (current) part began or its last interim part, the part so far is
// ready too, marked interim; the part itself is still cut and published as without them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "stream/fixed_windows.h"
#include "stream/frame_store.h"
#include "stream/time.h"

namespace emotion::stream {

// What an emotion-segment-start event says of its segment, as plain strings (empty: absent).
struct SegmentLabels {
    std::string id;
    std::string true_emotion, speaker, gender, split, text;
};

enum class ItemKind {
    Frame,        // LLD frames: a segment is a span of them
    WholeSegment, // mu-law segments: an upstream segment collects them, none is cut
};

struct CollectorSettings {
    ItemKind items = ItemKind::Frame;
    int item_size = 36; // floats per frame or whole segment
    // Input no upstream segment covers is published too: in fixed windows of `window` seconds
    // every `hop` seconds (frames, until a segment event arrives in the stream) or one by one
    // (whole segments). Off: it is dropped (mode=train: unlabelled input teaches nothing).
    bool cover_unsegmented = true;
    double window = 3.0;
    double hop = 3.0;
    // A segment longer than this (seconds) is published in parts as it grows.
    double max_duration = 30.0;
    // > 0: an open upstream segment also gives an interim part (the part so far) every `interim`
    // seconds, checked once per input buffer. 0: none. Fallback windows never do.
    double interim = 0.0;
};

// One result's worth of input: a finished segment, a part of a long one, a fallback window or a
// whole segment standing alone.
struct Part {
    // The result's id: the segment's, "<id>.<k>" for the parts of a long one, "w<n>" for a
    // window, "s<n>" for a whole segment standing alone.
    std::string id;
    SegmentLabels segment; // the upstream segment's id and labels; windows, alone: the id only
    Time start = kNoTime, end = kNoTime;
    // Frames: `frame_count` frames in place (valid until the collector's next call); an upstream
    // segment may have none, and then no times.
    const float* frames = nullptr;
    int64_t frame_count = 0;
    // Whole segments, in order (maybe none).
    std::vector<std::vector<float>> items;
    // An interim part: the open part from its start up to the newest input, with the id the
    // part has so far ("<id>", or "<id>.<k>" once max-duration has cut k parts); its final
    // result follows.
    bool interim = false;
};

class SegmentCollector {
public:
    explicit SegmentCollector(const CollectorSettings& settings);

    // `count` items of `item_size` floats that start at `start` and last `duration` together
    // (kNoTime: unknown). Whole segments all get the span of the buffer they came in.
    void add(const float* values, size_t count, Time start, Time duration);
    // An upstream segment starts before the next item; from now on this stream has no fallback
    // windows. Returns false when a segment with its id was open: that one starts afresh.
    bool start_segment(SegmentLabels labels);
    // The end of upstream segment `id`: its (last) part is ready. False when it is not open.
    bool end_segment(const std::string& id);
    // End of stream: every open segment ends, then (no segment events) the last, shorter window.
    void finish();
    // A new stream: what was collected is dropped and segment events are awaited afresh. Ids of
    // windows and whole segments alone go on counting.
    void start_stream();
    // Flush: what was collected is dropped; a segment never spans a flush.
    void flush();

    // Takes the next ready part, in the order they became ready. False when there is none; the
    // frames no one needs any more are then dropped.
    bool next_part(Part* part);

    // An upstream segment event has arrived in this stream.
    bool upstream_segments_seen() const { return upstream_seen_; }
    // The start of the oldest frame still held for an open segment, window or ready part
    // (kNoTime when none is).
    Time first_needed_start() const;
    // Frames so far in this stream, and those held in memory.
    int64_t frames() const { return store_.next(); }
    int64_t frames_held() const { return store_.next() - store_.first(); }

private:
    struct OpenSegment {
        SegmentLabels labels;
        int64_t first_frame = 0;             // frames: where the current part starts
        int parts = 0;                       // parts already ready
        Time start = kNoTime, end = kNoTime; // whole segments: span of the current part's items
        std::vector<std::vector<float>> items;
        // interim parts: where the time to the next one counts from (frames; whole segments: time)
        int64_t interim_frame = 0;
        Time interim_time = kNoTime;
    };
    struct Ready {
        Part part;
        int64_t first = 0, last = 0; // frames [first, last) of the store
    };

    bool windows_active() const;
    void add_frames(const float* values, size_t count, Time start, Time duration);
    void add_whole_segment(const float* values, Time start, Time end);
    void advance_windows(int64_t frames);
    void queue_window(const FixedWindows::Window& window);
    void queue_span(Part part, int64_t first, int64_t last);
    void finish_part(OpenSegment& segment, bool partial);
    void queue_interim(OpenSegment& segment);
    std::string part_id(const OpenSegment& segment, bool partial) const;
    int64_t first_needed_frame() const;
    void reset();

    CollectorSettings settings_;
    int64_t max_frames_;
    Time max_duration_;
    int64_t interim_frames_; // 0: no interim parts
    Time interim_time_;
    FrameStore store_;
    FixedWindows windows_;
    int64_t windows_origin_ = 0; // store index of the windows' frame 0
    bool upstream_seen_ = false;
    std::vector<OpenSegment> open_;
    std::deque<Ready> ready_;
    uint64_t alone_count_ = 0;
    std::vector<FixedWindows::Window> ended_; // scratch
};

} // namespace emotion::stream
