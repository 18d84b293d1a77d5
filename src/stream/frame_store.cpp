#include "stream/frame_store.h"

#include <algorithm>

namespace emotion::stream {

void FrameStore::reset() {
    frames_.clear();
    starts_.clear();
    base_ = 0;
    next_ = 0;
}

void FrameStore::append(const float* values, size_t count, Time start, Time duration) {
    if (has_time(duration) && count > 0) frame_duration_ = duration / static_cast<Time>(count);
    frames_.insert(frames_.end(), values, values + count * static_cast<size_t>(frame_size_));
    for (size_t i = 0; i < count; ++i)
        starts_.push_back(has_time(start) ? start + static_cast<Time>(i) * frame_duration_ : kNoTime);
    next_ += static_cast<int64_t>(count);
}

void FrameStore::trim(int64_t keep) {
    keep = std::min(keep, next_);
    const int64_t drop = keep - base_;
    // erasing from the front moves what stays: only when it is a large share (or a large chunk)
    if (drop <= 0 || (drop < 1024 && drop * 2 < static_cast<int64_t>(starts_.size()))) return;
    frames_.erase(frames_.begin(), frames_.begin() + drop * frame_size_);
    starts_.erase(starts_.begin(), starts_.begin() + drop);
    base_ = keep;
}

Time FrameStore::end_of(int64_t last) const {
    const Time end = starts_[static_cast<size_t>(last - 1 - base_)];
    return has_time(end) ? end + frame_duration_ : end;
}

} // namespace emotion::stream
