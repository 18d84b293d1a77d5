/* The classification result a buffer carries (GstEmotionMeta), as the io layer's Result that the
 * result writers format. Shared by emotionsink and emotionpublish so that both write the same
 * schema: a field added here reaches the files and the MQTT messages alike. */
#pragma once

#include <gst/gst.h>

#include <gst/emotion/emotion.h>

#include "io/results.h"

namespace emotion::gst {

/* The result of `meta` on `buffer`, timed in the stream time of `segment` (start and duration in
 * seconds, negative when unknown). The true label is left empty: only the caller knows it. */
io::Result result_from_meta(const GstEmotionMeta* meta, GstBuffer* buffer, const GstSegment* segment);

} // namespace emotion::gst
