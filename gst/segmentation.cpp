#include "segmentation.h"

#include <gst/emotion/emotion-events.h>

#include <algorithm>
#include <cmath>

GType
gst_emotion_segmentation_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_EMOTION_SEGMENTATION_NONE, "No segment events of its own", "none"},
    {GST_EMOTION_SEGMENTATION_VAD, "Speech segments by voice activity detection", "vad"},
    {GST_EMOTION_SEGMENTATION_WINDOW, "Fixed windows of window seconds every hop seconds",
        "window"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstEmotionSegmentation", values);
    g_once_init_leave (&type, t);
  }
  return (GType) type;
}

namespace emotion::gst {

namespace {
constexpr size_t kMaxTracked = 64; /* upstream segment ids remembered at most */
} // namespace

int64_t seconds_to_frames(double seconds) {
    return std::max<int64_t>(1, static_cast<int64_t>(std::llround(seconds * 100.0)));
}

WindowSegmenter::WindowSegmenter(int64_t window_frames, int64_t hop_frames, std::string prefix)
    : window_(std::max<int64_t>(1, window_frames)), hop_(std::max<int64_t>(1, hop_frames)),
      prefix_(std::move(prefix)) {}

WindowSegmenter::~WindowSegmenter() = default;

void WindowSegmenter::start() {
    next_frame_ = 0;
    next_id_ = 0;
    open_.clear();
}

void WindowSegmenter::frame(std::vector<GstEvent*>& before, std::vector<GstEvent*>& after) {
    const int64_t f = next_frame_++;
    if (f % hop_ == 0) {
        Window w{f, prefix_ + std::to_string(next_id_++)};
        before.push_back(gst_emotion_event_new_segment_start(w.id.c_str(), NULL, NULL));
        open_.push_back(std::move(w));
    }
    /* windows start in order and have the same length, so they also end in order */
    while (!open_.empty() && open_.front().first_frame + window_ - 1 == f) {
        after.push_back(gst_emotion_event_new_segment_end(open_.front().id.c_str()));
        open_.pop_front();
    }
}

void WindowSegmenter::close(std::vector<GstEvent*>& events) {
    for (const Window& w : open_) events.push_back(gst_emotion_event_new_segment_end(w.id.c_str()));
    open_.clear();
    next_frame_ = 0;
}

VadSegmenter::VadSegmenter(const emotion::dsp::VadSettings& settings, std::string prefix)
    : vad_(settings), prefix_(std::move(prefix)) {}

VadSegmenter::~VadSegmenter() = default;

void VadSegmenter::start() {
    vad_.reset();
    next_id_ = 0;
    open_ = false;
    open_id_.clear();
}

void VadSegmenter::mark(const std::vector<bool>& decided, std::vector<GstEvent*>& marks) {
    for (bool speech : decided) {
        GstEvent* event = nullptr;
        if (speech && !open_) {
            open_id_ = prefix_ + std::to_string(next_id_++);
            open_ = true;
            event = gst_emotion_event_new_segment_start(open_id_.c_str(), NULL, NULL);
        } else if (!speech && open_) {
            open_ = false;
            event = gst_emotion_event_new_segment_end(open_id_.c_str());
        }
        marks.push_back(event);
    }
}

void VadSegmenter::push(double frame_energy, std::vector<GstEvent*>& marks) {
    decided_.clear();
    vad_.push(frame_energy, decided_);
    mark(decided_, marks);
}

void VadSegmenter::close(std::vector<GstEvent*>& marks, GstEvent** end) {
    decided_.clear();
    vad_.flush(decided_);
    mark(decided_, marks);
    *end = nullptr;
    if (open_) {
        *end = gst_emotion_event_new_segment_end(open_id_.c_str());
        open_ = false;
    }
    vad_.reset();
}

void UpstreamSegments::reset() {
    seen_ = false;
    open_ids_.clear();
    closed_ids_.clear();
}

void UpstreamSegments::flush() {
    open_ids_.clear();
    closed_ids_.clear();
}

bool UpstreamSegments::on_event(GstEvent* event) {
    const gchar* id = gst_emotion_event_get_segment_id(event);
    std::string key = id ? id : "";
    seen_ = true;
    if (gst_emotion_event_is_segment_start(event)) {
        /* a reused id starts afresh */
        closed_ids_.erase(std::remove(closed_ids_.begin(), closed_ids_.end(), key),
                          closed_ids_.end());
        open_ids_.push_back(key);
        /* bounded: an upstream that never ends its segments cannot grow this without limit */
        if (open_ids_.size() > kMaxTracked) open_ids_.erase(open_ids_.begin());
        return true;
    }
    auto closed = std::find(closed_ids_.begin(), closed_ids_.end(), key);
    if (closed != closed_ids_.end()) {
        closed_ids_.erase(closed);
        return false;
    }
    auto open = std::find(open_ids_.begin(), open_ids_.end(), key);
    if (open != open_ids_.end()) open_ids_.erase(open);
    return true;
}

void UpstreamSegments::close(std::vector<GstEvent*>& events) {
    for (const std::string& id : open_ids_) {
        events.push_back(gst_emotion_event_new_segment_end(id.c_str()));
        closed_ids_.push_back(id);
    }
    open_ids_.clear();
    /* bounded: an upstream that never sends the ends cannot grow this without limit */
    if (closed_ids_.size() > kMaxTracked)
        closed_ids_.erase(closed_ids_.begin(), closed_ids_.begin() +
                                                   static_cast<ptrdiff_t>(closed_ids_.size() - kMaxTracked));
}

} // namespace emotion::gst
