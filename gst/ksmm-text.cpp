/* KsmmText: see the header. */
#include "ksmm-text.h"

#include <algorithm>

#include "text-markup.h"

GST_DEBUG_CATEGORY_EXTERN(ksmm_transformer_debug);
#define GST_CAT_DEFAULT ksmm_transformer_debug

namespace emotion::gst {

KsmmText::~KsmmText() { gst_clear_buffer(&held_); }

void KsmmText::reset() {
    lines_.clear();
    gst_clear_buffer(&held_);
    known_ = 0;
}

/* One text buffer (or GAP buffer) of the text pad. */
void KsmmText::take_line(GstElement* element, GstAggregatorPad* pad, GstBuffer* buffer) {
    GstClockTime pts = GST_BUFFER_PTS(buffer), duration = GST_BUFFER_DURATION(buffer);
    GST_OBJECT_LOCK(pad);
    GstClockTime start = gst_segment_to_running_time(&pad->segment, GST_FORMAT_TIME, pts);
    GstClockTime end = GST_CLOCK_TIME_IS_VALID(duration)
                           ? gst_segment_to_running_time(&pad->segment, GST_FORMAT_TIME, pts + duration)
                           : start;
    GST_OBJECT_UNLOCK(pad);
    if (!GST_CLOCK_TIME_IS_VALID(start)) {
        GST_DEBUG_OBJECT(element, "text buffer without a running time (outside the segment): "
                                  "dropped");
        return;
    }
    if (!GST_CLOCK_TIME_IS_VALID(end) || end < start) end = start;
    /* Text arrives in order: nothing later starts before this one (or before a gap's end). */
    const bool gap = GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP) || gst_buffer_get_size(buffer) == 0;
    known_ = std::max(known_, gap ? end : start);
    if (gap) return;

    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return;
    PlainText plain = plain_text((const char*)map.data, map.size, markup_);
    gst_buffer_unmap(buffer, &map);
    if (plain.repaired && !warned_utf8_) {
        GST_ELEMENT_WARNING(element, STREAM, DECODE,
                            ("The text stream is not valid UTF-8; "
                             "invalid bytes were replaced."),
                            ("first at %" GST_TIME_FORMAT, GST_TIME_ARGS(pts)));
        warned_utf8_ = true;
    }
    if (plain.truncated && !warned_long_) {
        GST_ELEMENT_WARNING(element, STREAM, FORMAT,
                            ("A text line is longer than %zu bytes; only "
                             "its start is read.",
                             kMaxTextLineBytes),
                            ("at %" GST_TIME_FORMAT, GST_TIME_ARGS(pts)));
        warned_long_ = true;
    }
    GST_LOG_OBJECT(element, "text %" GST_TIME_FORMAT "-%" GST_TIME_FORMAT ": '%s'", GST_TIME_ARGS(start),
                   GST_TIME_ARGS(end), plain.text.c_str());
    lines_.push_back({start, end, std::move(plain.text)});
}

bool KsmmText::take(GstElement* element, GstAggregatorPad* pad, GstClockTime audio_rt, bool audio_eos) {
    GstBuffer* buffer;
    while ((buffer = gst_aggregator_pad_peek_buffer(pad)) != NULL) {
        GST_OBJECT_LOCK(pad);
        GstClockTime start =
            gst_segment_to_running_time(&pad->segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
        GST_OBJECT_UNLOCK(pad);
        if (!audio_eos && GST_CLOCK_TIME_IS_VALID(start) && start > audio_rt) {
            /* Future text: it says the stream holds nothing else before its start. */
            known_ = std::max(known_, start);
            gst_buffer_unref(buffer);
            break;
        }
        if (buffer != held_) take_line(element, pad, buffer);
        /* The line stays on its pad until the audio has passed its end (see the header). */
        GST_OBJECT_LOCK(pad);
        GstClockTime end =
            GST_BUFFER_DURATION_IS_VALID(buffer)
                ? gst_segment_to_running_time(&pad->segment, GST_FORMAT_TIME,
                                              GST_BUFFER_PTS(buffer) + GST_BUFFER_DURATION(buffer))
                : start;
        GST_OBJECT_UNLOCK(pad);
        if (!audio_eos && GST_CLOCK_TIME_IS_VALID(end) && end > audio_rt) {
            if (buffer != held_) gst_buffer_replace(&held_, buffer);
            gst_buffer_unref(buffer);
            break;
        }
        gst_clear_buffer(&held_);
        gst_buffer_unref(buffer);
        gst_aggregator_pad_drop_buffer(pad);
    }
    return gst_aggregator_pad_is_eos(pad) && !gst_aggregator_pad_has_buffer(pad);
}

std::vector<int> KsmmText::words(GstClockTime start, GstClockTime end, const text::Vocabulary& vocabulary,
                                 size_t text_len) const {
    std::vector<int> ids;
    if (!GST_CLOCK_TIME_IS_VALID(start) || !GST_CLOCK_TIME_IS_VALID(end)) return ids;
    for (const auto& line : lines_) {
        const bool overlaps = line.end > line.start ? line.start < end && line.end > start
                                                    : line.start >= start && line.start < end;
        if (!overlaps) continue;
        for (int id : vocabulary.ids(line.text, text_len)) {
            if (ids.size() >= text_len) return ids;
            ids.push_back(id);
        }
    }
    return ids;
}

void KsmmText::forget_before(GstClockTime oldest) {
    while (!lines_.empty() && (lines_.front().end < oldest ||
                               (lines_.front().end == oldest && lines_.front().end > lines_.front().start)))
        lines_.pop_front();
}

} // namespace emotion::gst
