#include "segmentation.h"

#include <gst/emotion/emotion-events.h>

#include "property-helpers.h"

GType gst_emotion_segmentation_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_EMOTION_SEGMENTATION_NONE, "No segment events of its own", "none"},
        {GST_EMOTION_SEGMENTATION_VAD, "Speech segments by voice activity detection", "vad"},
        {GST_EMOTION_SEGMENTATION_WINDOW, "Fixed windows of window seconds every hop seconds", "window"},
        {0, NULL, NULL},
    };
    return emotion::gst::register_enum_once(&type, "GstEmotionSegmentation", values);
}

namespace emotion::gst {

namespace {

GstEvent* start_event(const std::string& id) {
    return gst_emotion_event_new_segment_start(id.c_str(), NULL, NULL);
}

GstEvent* end_event(const std::string& id) { return gst_emotion_event_new_segment_end(id.c_str()); }

} // namespace

emotion::stream::SegmentLabels segment_labels(GstEvent* event) {
    emotion::stream::SegmentLabels labels;
    const gchar* id = gst_emotion_event_get_segment_id(event);
    labels.id = id ? id : "";
    for (auto field : {std::make_pair("emotion", &labels.true_emotion),
                       std::make_pair("speaker", &labels.speaker), std::make_pair("gender", &labels.gender),
                       std::make_pair("split", &labels.split), std::make_pair("text", &labels.text)})
        if (const gchar* value = gst_emotion_event_get_field(event, field.first)) *field.second = value;
    return labels;
}

WindowSegmenter::WindowSegmenter(int64_t window_frames, int64_t hop_frames, std::string prefix)
    : windows_(window_frames, hop_frames, std::move(prefix)) {}

void WindowSegmenter::start() {
    windows_.drop_open();
    windows_.restart_ids();
}

void WindowSegmenter::frame(std::vector<GstEvent*>& before, std::vector<GstEvent*>& after) {
    started_.clear();
    ended_.clear();
    windows_.frame(&started_, &ended_);
    for (const auto& w : started_) before.push_back(start_event(w.id));
    for (const auto& w : ended_) after.push_back(end_event(w.id));
}

void WindowSegmenter::close(std::vector<GstEvent*>& events) {
    ended_.clear();
    windows_.close(&ended_);
    for (const auto& w : ended_) events.push_back(end_event(w.id));
}

VadSegmenter::VadSegmenter(const emotion::dsp::VadSettings& settings, std::string prefix)
    : segments_(settings, std::move(prefix)) {}

void VadSegmenter::translate(std::vector<GstEvent*>& marks) {
    using Kind = emotion::stream::SegmentMark::Kind;
    for (const auto& m : marks_)
        marks.push_back(m.kind == Kind::Start ? start_event(m.id)
                        : m.kind == Kind::End ? end_event(m.id)
                                              : nullptr);
    marks_.clear();
}

void VadSegmenter::push(double frame_energy, std::vector<GstEvent*>& marks) {
    segments_.push(frame_energy, marks_);
    translate(marks);
}

void VadSegmenter::close(std::vector<GstEvent*>& marks, GstEvent** end) {
    emotion::stream::SegmentMark last;
    segments_.close(marks_, &last);
    translate(marks);
    *end = last.kind == emotion::stream::SegmentMark::Kind::End ? end_event(last.id) : nullptr;
}

bool UpstreamSegments::on_event(GstEvent* event) {
    const gchar* id = gst_emotion_event_get_segment_id(event);
    const std::string key = id ? id : "";
    return gst_emotion_event_is_segment_start(event) ? ids_.on_start(key) : ids_.on_end(key);
}

void UpstreamSegments::close(std::vector<GstEvent*>& events) {
    ended_.clear();
    ids_.close(ended_);
    for (const std::string& id : ended_) events.push_back(end_event(id));
}

} // namespace emotion::gst
