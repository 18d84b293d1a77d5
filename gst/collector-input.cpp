/* Buffers into a segment collector: see the header. */
#include "collector-input.h"

#include "stream-time.h"

GST_DEBUG_CATEGORY_EXTERN(emotion_classifier_debug);
#define GST_CAT_DEFAULT emotion_classifier_debug

namespace emotion::gst {

bool add_buffer_items(GstElement* element, GstBuffer* buffer, size_t item_size,
                      stream::SegmentCollector& segments) {
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        GST_ELEMENT_ERROR(element, STREAM, FAILED, ("Cannot read an input buffer."), (NULL));
        return false;
    }
    const size_t item_bytes = sizeof(float) * item_size;
    if (map.size % item_bytes != 0) {
        gst_buffer_unmap(buffer, &map);
        GST_ELEMENT_ERROR(element, STREAM, FORMAT,
                          ("Input buffer of %" G_GSIZE_FORMAT " bytes is not "
                           "a whole number of %" G_GSIZE_FORMAT "-byte feature frames.",
                           map.size, item_bytes),
                          (NULL));
        return false;
    }
    segments.add(reinterpret_cast<const float*>(map.data), map.size / item_bytes,
                 stream_time(GST_BUFFER_PTS(buffer)), stream_time(GST_BUFFER_DURATION(buffer)));
    gst_buffer_unmap(buffer, &map);
    return true;
}

} // namespace emotion::gst
