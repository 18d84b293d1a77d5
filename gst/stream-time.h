/* GstClockTime and the stream layer's time (src/stream/time.h: signed nanoseconds with their own
 * "no time"), converted where an element hands timestamps to a core object and back. */
#pragma once

#include <gst/gst.h>

#include "stream/time.h"

namespace emotion::gst {

inline stream::Time stream_time(GstClockTime t) {
    return GST_CLOCK_TIME_IS_VALID(t) ? (stream::Time)t : stream::kNoTime;
}

inline GstClockTime clock_time(stream::Time t) {
    return stream::has_time(t) ? (GstClockTime)t : GST_CLOCK_TIME_NONE;
}

} // namespace emotion::gst
