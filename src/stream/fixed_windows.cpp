#include "stream/fixed_windows.h"

#include <algorithm>

namespace emotion::stream {

FixedWindows::FixedWindows(int64_t window_frames, int64_t hop_frames, std::string prefix)
    : window_(std::max<int64_t>(1, window_frames)), hop_(std::max<int64_t>(1, hop_frames)),
      prefix_(std::move(prefix)) {}

void FixedWindows::restart_ids() { next_id_ = 0; }

void FixedWindows::restart_sequence() {
    open_.clear();
    next_frame_ = 0;
    covered_ = 0;
}

void FixedWindows::frame(std::vector<Window>* started, std::vector<Window>* ended) {
    const int64_t f = next_frame_++;
    if (f % hop_ == 0) {
        open_.push_back({prefix_ + std::to_string(next_id_++), f, f + window_});
        if (started) started->push_back(open_.back());
    }
    while (!open_.empty() && open_.front().last == f + 1) {
        covered_ = open_.front().last;
        if (ended) ended->push_back(std::move(open_.front()));
        open_.pop_front();
    }
}

void FixedWindows::close(std::vector<Window>* ended) {
    for (Window& w : open_) {
        w.last = next_frame_;
        if (ended) ended->push_back(std::move(w));
    }
    restart_sequence();
}

void FixedWindows::close_rest(std::vector<Window>* ended) {
    const bool rest = !open_.empty() && next_frame_ > covered_;
    if (rest) {
        Window w = std::move(open_.front());
        open_.pop_front();
        w.last = next_frame_;
        if (ended) ended->push_back(std::move(w));
    }
    drop_open();
}

void FixedWindows::drop_open() {
    // the open windows took the newest ids: the next window gets the first of them
    next_id_ -= open_.size();
    restart_sequence();
}

} // namespace emotion::stream
