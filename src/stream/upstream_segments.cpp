#include "stream/upstream_segments.h"

#include <algorithm>
#include <cstddef>

namespace emotion::stream {

namespace {
constexpr size_t kMaxTracked = 64; // upstream segment ids remembered at most
} // namespace

void UpstreamSegments::reset() {
    seen_ = false;
    open_ids_.clear();
    closed_ids_.clear();
}

void UpstreamSegments::flush() {
    open_ids_.clear();
    closed_ids_.clear();
}

bool UpstreamSegments::on_start(const std::string& id) {
    seen_ = true;
    // a reused id starts afresh
    closed_ids_.erase(std::remove(closed_ids_.begin(), closed_ids_.end(), id), closed_ids_.end());
    open_ids_.push_back(id);
    if (open_ids_.size() > kMaxTracked) open_ids_.erase(open_ids_.begin());
    return true;
}

bool UpstreamSegments::on_end(const std::string& id) {
    seen_ = true;
    auto closed = std::find(closed_ids_.begin(), closed_ids_.end(), id);
    if (closed != closed_ids_.end()) {
        closed_ids_.erase(closed);
        return false;
    }
    auto open = std::find(open_ids_.begin(), open_ids_.end(), id);
    if (open != open_ids_.end()) open_ids_.erase(open);
    return true;
}

void UpstreamSegments::close(std::vector<std::string>& ended) {
    for (const std::string& id : open_ids_) {
        ended.push_back(id);
        closed_ids_.push_back(id);
    }
    open_ids_.clear();
    if (closed_ids_.size() > kMaxTracked)
        closed_ids_.erase(closed_ids_.begin(), closed_ids_.begin() + static_cast<std::ptrdiff_t>(
                                                                         closed_ids_.size() - kMaxTracked));
}

} // namespace emotion::stream
