// Time in the stream layer: integer nanoseconds (GstClockTime's unit, without GStreamer) with a
// "no time" value, and the 10 ms frames of the LLD features that segments and windows count in.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace emotion::stream {

using Time = int64_t; // nanoseconds
constexpr Time kNoTime = std::numeric_limits<Time>::min();
constexpr Time kSecond = 1000000000;

inline bool has_time(Time t) { return t != kNoTime; }

// LLD frames per second (a 10 ms hop).
constexpr int kFramesPerSecond = 100;

// The frames in `seconds`, rounded, at least 1: window and hop lengths.
inline int64_t seconds_to_frames(double seconds) {
    return std::max<int64_t>(1, static_cast<int64_t>(std::llround(seconds * kFramesPerSecond)));
}

// The whole frames that fit in `seconds` (rounded down): the longest span a part may hold.
inline int64_t frames_within(double seconds) { return static_cast<int64_t>(seconds * kFramesPerSecond); }

// `seconds` as nanoseconds, rounded down.
inline Time seconds_to_time(double seconds) { return static_cast<Time>(seconds * kSecond); }

} // namespace emotion::stream
