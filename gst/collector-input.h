/* The feature input of the classifiers and ksmmtransformer: the float items of an input buffer
 * (LLD frames or mu-law segments), timed by the buffer, into their segment collector
 * (stream::SegmentCollector). Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <cstddef>

#include "stream/segment_collector.h"

namespace emotion::gst {

/* Adds the items of `buffer`, `item_size` floats each, to `segments`. A buffer that cannot be read
 * or is not a whole number of items is a stream error posted by `element`: returns false. */
bool add_buffer_items(GstElement* element, GstBuffer* buffer, size_t item_size,
                      stream::SegmentCollector& segments);

} // namespace emotion::gst
