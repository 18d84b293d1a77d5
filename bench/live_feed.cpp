#include "live_feed.h"

#include <gst/emotion/emotion-events.h>

#include <algorithm>

namespace bench {

void wait_until(GstElement* pipeline, GstClockTime running_time) {
    GstClock* clock = gst_element_get_clock(pipeline);
    GstClockID id = gst_clock_new_single_shot_id(clock, gst_element_get_base_time(pipeline) + running_time);
    gst_clock_id_wait(id, nullptr);
    gst_clock_id_unref(id);
    gst_object_unref(clock);
}

namespace {

// Sends the segment events due before the sample `from` (utterance starts and ends at or before
// it); serialized events sent to an appsrc are queued in order with its buffers.
void mark_segments(GstElement* src, const std::vector<Utterance>& utterances, size_t from, size_t* next_start,
                   size_t* next_end) {
    auto sample = [](double seconds) { return size_t(seconds * 16000 + 0.5); };
    while (*next_end < *next_start && sample(utterances[*next_end].end) <= from) {
        const std::string id = "u" + std::to_string(*next_end);
        gst_element_send_event(src, gst_emotion_event_new_segment_end(id.c_str()));
        ++*next_end;
    }
    if (*next_start < utterances.size() && sample(utterances[*next_start].start) <= from) {
        const std::string id = "u" + std::to_string(*next_start);
        gst_element_send_event(src, gst_emotion_event_new_segment_start(id.c_str(), NULL));
        ++*next_start;
    }
}

} // namespace

void feed_audio(GstElement* pipeline, GstAppSrc* src, const std::vector<int16_t>& pcm,
                const std::vector<Utterance>* utterances) {
    const size_t chunk = 320; // 20 ms
    size_t next_start = 0, next_end = 0;
    for (size_t i = 0; i + chunk <= pcm.size(); i += chunk) {
        const GstClockTime pts = gst_util_uint64_scale(i, GST_SECOND, 16000);
        const GstClockTime duration = gst_util_uint64_scale(chunk, GST_SECOND, 16000);
        wait_until(pipeline, pts + duration); // a capture card delivers a buffer once it is full
        if (utterances) mark_segments(GST_ELEMENT(src), *utterances, i, &next_start, &next_end);
        GstBuffer* buffer = gst_buffer_new_allocate(nullptr, chunk * sizeof(float), nullptr);
        GstMapInfo map;
        gst_buffer_map(buffer, &map, GST_MAP_WRITE);
        auto* out = reinterpret_cast<float*>(map.data);
        for (size_t k = 0; k < chunk; ++k) out[k] = pcm[i + k] / 32768.0f;
        gst_buffer_unmap(buffer, &map);
        GST_BUFFER_PTS(buffer) = pts;
        GST_BUFFER_DURATION(buffer) = duration;
        if (gst_app_src_push_buffer(src, buffer) != GST_FLOW_OK) return;
    }
    if (utterances) mark_segments(GST_ELEMENT(src), *utterances, SIZE_MAX, &next_start, &next_end);
    gst_app_src_end_of_stream(src);
}

void feed_text(GstElement* pipeline, GstAppSrc* src, const std::vector<Utterance>& lines, double until,
               double delay) {
    for (const auto& line : lines) {
        if (line.end > until) break;
        wait_until(pipeline, GstClockTime((line.end + delay) * GST_SECOND));
        GstBuffer* buffer = gst_buffer_new_memdup(line.text.data(), line.text.size());
        GST_BUFFER_PTS(buffer) = GstClockTime(line.start * GST_SECOND);
        GST_BUFFER_DURATION(buffer) = GstClockTime((line.end - line.start) * GST_SECOND);
        if (gst_app_src_push_buffer(src, buffer) != GST_FLOW_OK) return;
    }
    gst_app_src_end_of_stream(src);
}

double reported_latency(GstElement* pipeline, const char* element, bool* live) {
    GstQuery* query = gst_query_new_latency();
    gboolean is_live = FALSE;
    GstClockTime min_latency = 0, max_latency = 0;
    GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), element);
    GstPad* pad = gst_element_get_static_pad(e, "src");
    if (gst_pad_query(pad, query)) gst_query_parse_latency(query, &is_live, &min_latency, &max_latency);
    gst_object_unref(pad);
    gst_object_unref(e);
    gst_query_unref(query);
    *live = is_live;
    return double(min_latency) / GST_SECOND;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * (v.size() - 1) + 0.5))];
}

} // namespace bench
