// Streaming mu-law spectrogram segments (shared/reference/mulaw/README.md). Each frame's
// |FFT_1600| bins 0..399 go into a ring of the last `segment_frames` columns, stored by
// frequency row so that a segment is copied out row by row; segment j is emitted as soon as
// its last frame exists, and finish() emits the zero-padded tail segments.
#include "dsp/mulaw.h"

#include "dsp/fft.h"
#include "dsp/mulaw_math.h"
#include "dsp/sample_framer.h"
#include "dsp/vector_math.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <stdexcept>

namespace emotion::dsp {

struct MulawSegmenter::State {
    int segment_frames, hop_frames;
    RealFft fft{kMulawFft};
    std::vector<float> window;                 // symmetric Hamming, 640
    std::vector<float> padded;                 // windowed frame + zeros, 1600
    std::vector<std::complex<float>> spectrum; // 801
    std::vector<float> magnitude;              // 400, of the newest frame
    std::vector<float> ring;                   // [400][segment_frames], column = frame % size
    std::vector<float> column_min, column_max; // per ring column
    std::vector<float> values;                 // the emitted segment
    SampleFramer framer{kMulawFrame, kMulawHop};
    int64_t frames = 0;       // T so far
    int64_t next_segment = 0; // j of the next segment to emit

    State(int frames_per_segment, int hop)
        : segment_frames(frames_per_segment), hop_frames(hop), window(kMulawFrame), padded(kMulawFft, 0.0f),
          spectrum(kMulawFft / 2 + 1), magnitude(kMulawBins),
          ring(static_cast<size_t>(kMulawBins) * frames_per_segment),
          column_min(static_cast<size_t>(frames_per_segment)),
          column_max(static_cast<size_t>(frames_per_segment)), values(ring.size()) {
        const double pi = 3.14159265358979323846;
        for (int n = 0; n < kMulawFrame; ++n)
            window[n] = static_cast<float>(0.54 - 0.46 * std::cos(2.0 * pi * n / (kMulawFrame - 1)));
    }

    int64_t segment_start(int64_t j) const { return j * hop_frames; }

    void add_frame(const float* x) {
        for (int n = 0; n < kMulawFrame; ++n) padded[n] = window[n] * x[n];
        fft.forward(padded.data(), spectrum.data());
        complex_magnitudes(spectrum.data(), kMulawBins, magnitude.data());
        const size_t column = static_cast<size_t>(frames % segment_frames);
        for (int k = 0; k < kMulawBins; ++k)
            ring[static_cast<size_t>(k) * segment_frames + column] = magnitude[k];
        range_nonnegative(magnitude.data(), kMulawBins, column_min[column], column_max[column]);
        ++frames;
    }

    // Segment j from the ring; columns at or past frame `frames` are zero padding.
    void emit_segment(int64_t j, const Callback& emit) {
        const int64_t first = segment_start(j);
        const size_t width = static_cast<size_t>(segment_frames);
        const size_t real = static_cast<size_t>(std::clamp<int64_t>(frames - first, 0, segment_frames));
        const size_t offset = static_cast<size_t>(first % segment_frames);
        // The ring holds the segment's real columns from `offset` on, wrapping at `width`.
        const size_t head = std::min(real, width - offset), tail = real - head;

        float m = real < width ? 0.0f : column_min[offset], top = 0.0f;
        for (size_t c = 0; c < real; ++c) {
            const size_t column = (offset + c) % width;
            m = std::min(m, column_min[column]);
            top = std::max(top, column_max[column]);
        }
        const float range = top - m;
        if (range > 0.0f) {
            // y = 2 (S - m) / (M - m) - 1 = S * scale + offset
            const float scale = 2.0f / range, shift = -2.0f * m / range - 1.0f;
            float padding = 0.0f;
            mulaw_compand(&padding, &padding, 1, scale, shift);
            for (int k = 0; k < kMulawBins; ++k) {
                const float* row = ring.data() + static_cast<size_t>(k) * width;
                float* dst = values.data() + static_cast<size_t>(k) * width;
                mulaw_compand(row + offset, dst, head, scale, shift);
                mulaw_compand(row, dst + head, tail, scale, shift);
                std::fill(dst + real, dst + width, padding);
            }
        } else {
            std::fill(values.begin(), values.end(), -1.0f);
        }
        emit(Segment{j, first, static_cast<int64_t>(real), values.data()});
    }
};

MulawSegmenter::MulawSegmenter(int segment_frames, int hop_frames) {
    if (segment_frames < 1 || hop_frames < 1 || hop_frames > segment_frames)
        throw std::invalid_argument("MulawSegmenter: need 1 <= hop_frames <= segment_frames");
    state_ = std::make_unique<State>(segment_frames, hop_frames);
}
MulawSegmenter::~MulawSegmenter() = default;
MulawSegmenter::MulawSegmenter(MulawSegmenter&&) noexcept = default;
MulawSegmenter& MulawSegmenter::operator=(MulawSegmenter&&) noexcept = default;

void MulawSegmenter::reset() {
    State& s = *state_;
    s.framer.reset();
    s.frames = 0;
    s.next_segment = 0;
}

void MulawSegmenter::push(const float* samples, size_t count, const Callback& emit) {
    State& s = *state_;
    s.framer.push(samples, count, [&](const float* frame) {
        s.add_frame(frame);
        // A segment is complete once its last frame exists.
        if (s.frames == s.segment_start(s.next_segment) + s.segment_frames)
            s.emit_segment(s.next_segment++, emit);
    });
}

void MulawSegmenter::finish(const Callback& emit) {
    State& s = *state_;
    if (s.frames > 0) {
        // Segments up to and including the first j with s_j + segment_frames >= T; those
        // already complete were emitted by push().
        while (s.next_segment == 0 || s.segment_start(s.next_segment - 1) + s.segment_frames < s.frames) {
            s.emit_segment(s.next_segment++, emit);
        }
    }
    reset();
}

uint64_t MulawSegmenter::samples_pushed() const { return state_->framer.samples_pushed(); }
uint64_t MulawSegmenter::nonfinite_samples() const { return state_->framer.nonfinite_samples(); }

std::vector<std::vector<float>> mulaw_segments(const float* x, size_t count, int hop_frames) {
    MulawSegmenter segmenter(kMulawSegmentFrames, hop_frames);
    std::vector<std::vector<float>> segments;
    const auto keep = [&](const MulawSegmenter::Segment& segment) {
        segments.emplace_back(segment.values,
                              segment.values + static_cast<size_t>(kMulawBins) * kMulawSegmentFrames);
    };
    segmenter.push(x, count, keep);
    segmenter.finish(keep);
    return segments;
}

} // namespace emotion::dsp
