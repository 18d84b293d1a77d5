#include "stream/segment_collector.h"

#include <algorithm>
#include <utility>

namespace emotion::stream {

SegmentCollector::SegmentCollector(const CollectorSettings& settings)
    : settings_(settings), max_frames_(frames_within(settings.max_duration)),
      max_duration_(seconds_to_time(settings.max_duration)),
      interim_frames_(settings.interim > 0.0 ? seconds_to_frames(settings.interim) : 0),
      interim_time_(seconds_to_time(settings.interim)), store_(settings.item_size),
      windows_(seconds_to_frames(settings.window), seconds_to_frames(settings.hop)) {}

bool SegmentCollector::windows_active() const {
    return settings_.items == ItemKind::Frame && settings_.cover_unsegmented && !upstream_seen_;
}

void SegmentCollector::add(const float* values, size_t count, Time start, Time duration) {
    if (settings_.items == ItemKind::Frame) {
        add_frames(values, count, start, duration);
        return;
    }
    const Time end = has_time(start) && has_time(duration) ? start + duration : kNoTime;
    for (size_t i = 0; i < count; ++i)
        add_whole_segment(values + i * static_cast<size_t>(settings_.item_size), start, end);
}

void SegmentCollector::add_frames(const float* values, size_t count, Time start, Time duration) {
    store_.append(values, count, start, duration);
    if (windows_active()) {
        advance_windows(static_cast<int64_t>(count));
        return;
    }
    // checked once per buffer: a part holds at least max-duration, plus the rest of its buffer
    for (OpenSegment& segment : open_) {
        if (store_.next() - segment.first_frame >= max_frames_) finish_part(segment, true);
        if (interim_frames_ > 0 && store_.next() - segment.interim_frame >= interim_frames_)
            queue_interim(segment);
    }
}

void SegmentCollector::add_whole_segment(const float* values, Time start, Time end) {
    std::vector<float> item(values, values + settings_.item_size);
    if (open_.empty()) {
        if (!settings_.cover_unsegmented) return;
        Part alone;
        alone.id = "s" + std::to_string(alone_count_++);
        alone.segment.id = alone.id;
        alone.start = start;
        alone.end = end;
        alone.items.push_back(std::move(item));
        queue_span(std::move(alone), store_.next(), store_.next());
        return;
    }
    for (OpenSegment& segment : open_) {
        if (!has_time(segment.start)) segment.start = start;
        segment.end = end;
        segment.items.push_back(item);
        if (has_time(segment.start) && has_time(end) && end - segment.start > max_duration_)
            finish_part(segment, true);
        if (interim_frames_ > 0 && !segment.items.empty() && has_time(end)) {
            if (!has_time(segment.interim_time)) segment.interim_time = segment.start;
            if (has_time(segment.interim_time) && end - segment.interim_time >= interim_time_)
                queue_interim(segment);
        }
    }
}

void SegmentCollector::advance_windows(int64_t frames) {
    ended_.clear();
    for (int64_t i = 0; i < frames; ++i) windows_.frame(nullptr, &ended_);
    for (const auto& window : ended_) queue_window(window);
}

void SegmentCollector::queue_window(const FixedWindows::Window& window) {
    Part part;
    part.id = window.id;
    part.segment.id = window.id;
    queue_span(std::move(part), windows_origin_ + window.first, windows_origin_ + window.last);
}

void SegmentCollector::queue_span(Part part, int64_t first, int64_t last) {
    if (last > first) {
        part.start = store_.start_of(first);
        part.end = store_.end_of(last);
    }
    ready_.push_back({std::move(part), first, last});
}

std::string SegmentCollector::part_id(const OpenSegment& segment, bool partial) const {
    if (!partial && segment.parts == 0) return segment.labels.id;
    return segment.labels.id + "." + std::to_string(segment.parts);
}

void SegmentCollector::finish_part(OpenSegment& segment, bool partial) {
    Part part;
    part.id = part_id(segment, partial);
    segment.parts++;
    part.segment = segment.labels;
    if (settings_.items == ItemKind::Frame) {
        queue_span(std::move(part), segment.first_frame, store_.next());
        segment.first_frame = store_.next();
        segment.interim_frame = store_.next();
        return;
    }
    part.start = segment.start;
    part.end = segment.end;
    part.items = std::move(segment.items);
    segment.items.clear();
    segment.start = kNoTime;
    segment.interim_time = kNoTime;
    queue_span(std::move(part), store_.next(), store_.next());
}

void SegmentCollector::queue_interim(OpenSegment& segment) {
    Part part;
    part.id = part_id(segment, false);
    part.segment = segment.labels;
    part.interim = true;
    if (settings_.items == ItemKind::Frame) {
        segment.interim_frame = store_.next();
        queue_span(std::move(part), segment.first_frame, store_.next());
        return;
    }
    segment.interim_time = segment.end;
    part.start = segment.start;
    part.end = segment.end;
    part.items = segment.items; // a copy: the segment goes on collecting
    queue_span(std::move(part), store_.next(), store_.next());
}

bool SegmentCollector::start_segment(SegmentLabels labels) {
    if (!upstream_seen_) {
        // upstream segments take over: the windows begun so far are dropped
        upstream_seen_ = true;
        windows_.drop_open();
        windows_origin_ = store_.next();
    }
    OpenSegment segment;
    segment.labels = std::move(labels);
    segment.first_frame = store_.next();
    segment.interim_frame = store_.next();
    auto existing = std::find_if(open_.begin(), open_.end(),
                                 [&](const OpenSegment& s) { return s.labels.id == segment.labels.id; });
    if (existing != open_.end()) {
        *existing = std::move(segment);
        return false;
    }
    open_.push_back(std::move(segment));
    return true;
}

bool SegmentCollector::end_segment(const std::string& id) {
    auto it =
        std::find_if(open_.begin(), open_.end(), [&](const OpenSegment& s) { return s.labels.id == id; });
    if (it == open_.end()) return false;
    finish_part(*it, false);
    open_.erase(it);
    return true;
}

void SegmentCollector::finish() {
    for (OpenSegment& segment : open_) finish_part(segment, false);
    open_.clear();
    if (windows_active()) {
        ended_.clear();
        windows_.close_rest(&ended_);
        for (const auto& window : ended_) queue_window(window);
        windows_origin_ = store_.next();
    }
}

void SegmentCollector::reset() {
    store_.reset();
    open_.clear();
    windows_.drop_open();
    windows_origin_ = 0;
    ready_.clear();
}

void SegmentCollector::start_stream() {
    reset();
    upstream_seen_ = false;
}

void SegmentCollector::flush() { reset(); }

bool SegmentCollector::next_part(Part* part) {
    if (ready_.empty()) {
        store_.trim(first_needed_frame());
        return false;
    }
    Ready& ready = ready_.front();
    *part = std::move(ready.part);
    part->frame_count = ready.last - ready.first;
    part->frames = part->frame_count > 0 ? store_.frame(ready.first) : nullptr;
    ready_.pop_front();
    return true;
}

int64_t SegmentCollector::first_needed_frame() const {
    int64_t first = store_.next();
    for (const OpenSegment& segment : open_) first = std::min(first, segment.first_frame);
    if (windows_active()) first = std::min(first, windows_origin_ + windows_.first_open_frame());
    for (const Ready& ready : ready_)
        if (ready.last > ready.first) first = std::min(first, ready.first);
    return first;
}

Time SegmentCollector::first_needed_start() const {
    const int64_t first = first_needed_frame();
    return first < store_.next() ? store_.start_of(first) : kNoTime;
}

} // namespace emotion::stream
