// The frames of a stream that segments still need, with their start times. Frames are numbered
// from the stream start (or the last reset), so segments refer to them by index while older ones
// are dropped; reading a frame gives a pointer into the store (no copy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "stream/time.h"

namespace emotion::stream {

class FrameStore {
public:
    explicit FrameStore(int frame_size = 36) : frame_size_(frame_size) {}

    // Frame 0 again, nothing stored.
    void reset();
    // Appends `count` frames of `frame_size` floats that start at `start` and last `duration`
    // together (either may be kNoTime: the frames then have no start, or last as long as the last
    // frames whose duration was known, 10 ms at first).
    void append(const float* values, size_t count, Time start, Time duration);
    // Drops the frames before `keep` (in chunks, so amortised O(1) per frame).
    void trim(int64_t keep);

    int frame_size() const { return frame_size_; }
    // Index of the next frame to arrive: frames [first(), next()) are stored.
    int64_t next() const { return next_; }
    int64_t first() const { return base_; }
    // Frame `index` in [first(), next()); frames up to next() follow it in memory.
    const float* frame(int64_t index) const { return frames_.data() + (index - base_) * frame_size_; }
    // The start of frame `first`, and the end of the span [first, last) (last > first).
    Time start_of(int64_t first) const { return starts_[static_cast<size_t>(first - base_)]; }
    Time end_of(int64_t last) const;

private:
    int frame_size_;
    std::vector<float> frames_;
    std::vector<Time> starts_;
    int64_t base_ = 0;
    int64_t next_ = 0;
    Time frame_duration_ = kSecond / kFramesPerSecond;
};

} // namespace emotion::stream
