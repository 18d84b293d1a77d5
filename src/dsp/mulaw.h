// The mu-law spectrogram segments of the attention-pooling CNN (shared/reference/mulaw/README.md):
// 640-sample Hamming frames at a 160 hop, |FFT_1600| bins 0..399, segments of 200 frames,
// per-segment min-max scaling to [-1, 1], then mu-law (mu = 255). A segment is stored
// [400 rows (frequency), 200 columns (frames)], row-major.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace emotion::dsp {

constexpr int kMulawFrame = 640;
constexpr int kMulawHop = 160;
constexpr int kMulawFft = 1600;
constexpr int kMulawBins = 400;
constexpr int kMulawSegmentFrames = 200;

// Streaming segmenter. Segment j holds frames [hop_frames j, hop_frames j + 200) of the current
// utterance (frames counted from the last reset). Complete segments are emitted as soon as their
// frames exist; finish() emits the final, zero-padded ones exactly as the reference spec does.
class MulawSegmenter {
public:
    struct Segment {
        int64_t index;       // j
        int64_t first_frame; // s_j
        int64_t real_frames; // frames of real audio (the rest is padding)
        const float* values; // 400 x 200, valid during the callback
    };
    using Callback = std::function<void(const Segment&)>;

    explicit MulawSegmenter(int segment_frames = kMulawSegmentFrames, int hop_frames = 100);
    ~MulawSegmenter();
    MulawSegmenter(MulawSegmenter&&) noexcept;
    MulawSegmenter& operator=(MulawSegmenter&&) noexcept;

    void reset(); // new utterance, nothing emitted
    void push(const float* samples, size_t count, const Callback& emit);
    void finish(const Callback& emit);  // end of utterance: padded tail segments,
                                        // then a new utterance as after reset()
    uint64_t samples_pushed() const;    // since reset
    uint64_t nonfinite_samples() const; // since construction

private:
    struct State;
    std::unique_ptr<State> state_;
};

// Whole-signal convenience (tests, tools): all segments of x.
std::vector<std::vector<float>> mulaw_segments(const float* x, size_t count, int hop_frames = 100);

} // namespace emotion::dsp
