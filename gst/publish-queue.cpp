#include "publish-queue.h"

namespace emotion::gst {

bool PublishQueue::over_bound() const {
    return (max_messages_ && size() > max_messages_) || (max_bytes_ && bytes_ > max_bytes_);
}

size_t PublishQueue::push(std::string payload) {
    bytes_ += payload.size();
    waiting_.push_back(std::move(payload));
    size_t dropped = 0;
    while (over_bound() && !waiting_.empty()) {
        bytes_ -= waiting_.front().size();
        waiting_.pop_front();
        dropped++;
    }
    return dropped;
}

void PublishQueue::mark_in_flight(int mid) {
    in_flight_.emplace(next_sequence_++, std::make_pair(mid, std::move(waiting_.front())));
    waiting_.pop_front();
}

bool PublishQueue::acknowledge(int mid) {
    for (auto it = in_flight_.begin(); it != in_flight_.end(); ++it) {
        if (it->second.first != mid) continue;
        bytes_ -= it->second.second.size();
        in_flight_.erase(it);
        return true;
    }
    return false;
}

void PublishQueue::return_in_flight() {
    for (auto it = in_flight_.rbegin(); it != in_flight_.rend(); ++it)
        waiting_.push_front(std::move(it->second.second));
    in_flight_.clear();
}

} // namespace emotion::gst
