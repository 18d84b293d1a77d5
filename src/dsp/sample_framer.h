// Audio that arrives in buffers of any size, cut into windows of `window` samples every `hop`
// samples: window i covers samples [i hop, i hop + window) counted from the last reset, whatever
// the buffers' sizes. Non-finite samples become 0 and are counted. The samples kept for the next
// window stay under one window plus one piece of kPiece samples, however large a buffer is.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace emotion::dsp {

class SampleFramer {
public:
    static constexpr size_t kPiece = 64 * 1024;

    SampleFramer(size_t window, size_t hop) : window_(window), hop_(hop) {}

    // Calls on_window(const float* samples) for every window that `samples` complete, in order.
    template <class F> void push(const float* samples, size_t count, F&& on_window);
    // Drops the samples of the incomplete window; windows count again from here.
    void reset() {
        pending_.clear();
        samples_pushed_ = 0;
    }

    uint64_t samples_pushed() const { return samples_pushed_; } // since reset
    uint64_t nonfinite_samples() const { return nonfinite_; }   // since construction

private:
    size_t window_, hop_;
    std::vector<float> pending_; // samples not yet consumed by a complete window
    uint64_t samples_pushed_ = 0, nonfinite_ = 0;
};

template <class F> void SampleFramer::push(const float* samples, size_t count, F&& on_window) {
    for (size_t begin = 0; begin < count; begin += kPiece) {
        const size_t end = std::min(count, begin + kPiece);
        for (size_t i = begin; i < end; ++i) {
            float v = samples[i];
            if (!std::isfinite(v)) {
                v = 0.0f;
                ++nonfinite_;
            }
            pending_.push_back(v);
        }
        size_t start = 0;
        for (; start + window_ <= pending_.size(); start += hop_) on_window(pending_.data() + start);
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(start));
    }
    samples_pushed_ += count;
}

} // namespace emotion::dsp
