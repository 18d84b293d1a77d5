// Late fusion of emotion classifiers by time overlap. Several inputs (classifiers over the same
// audio) report result spans: [start, end) with posteriors over a label set. Input 0 is the
// reference: each of its spans becomes one fused span with the same times, whose posteriors are
//
//   sum_i w_i * m_i / sum_i w_i   over the inputs i with a span overlapping the reference span,
//   m_i = sum_j overlap_ij * p_ij / sum_j overlap_ij   (input i's spans j, weighted by overlap;
//                                                     for the reference, its span alone).
//
// An input with no overlapping span drops out of that sum, so its weight goes to the others
// (a model that skipped a segment, or ended early, never drags the result toward zero). Weights
// are normalised; any positive values work. Spans of the other inputs that no reference span
// overlaps are not reported: the reference decides the segmentation of the output.
//
// Inputs may name their labels in any order (they are reordered to the reference's); different
// label sets are an error. A reference span is ready once every other input has reported a span
// starting at or after its end, or has ended (end_input), or a deadline passes (live pipelines):
// results of one input arrive in order of their start, and windows of one input may overlap.
#pragma once

#include <cstdint>
#include <deque>
#include <stdexcept>
#include <string>
#include <vector>

#include "stream/time.h"

namespace emotion::stream {

struct ResultSpan {
    Time start = 0, end = 0;
    std::vector<float> posteriors; // in the order of the input's labels
};

struct FusedSpan {
    uint64_t sequence = 0; // the reference span's number, from add()
    Time start = 0, end = 0;
    std::vector<float> posteriors; // in the reference's label order
    int inputs = 0;                // how many inputs overlapped (the reference included)
};

// Inputs that classify different emotions cannot be fused.
struct LabelMismatch : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// Weights, one per input, each finite and > 0 (std::invalid_argument otherwise): an input that
// should not count is not connected. "1,1,2" and "1, 1 ,2" parse alike.
std::vector<double> parse_fusion_weights(const std::string& text);

class ResultFusion {
public:
    explicit ResultFusion(std::vector<double> weights);

    size_t inputs() const { return weights_.size(); }
    const std::vector<std::string>& labels() const { return inputs_[0].labels; }

    // The labels of `input`'s posteriors; LabelMismatch when another input has a different set.
    void set_labels(size_t input, const std::vector<std::string>& labels);
    // A result of `input` (set_labels first). For the reference, returns its span's sequence
    // number (0, 1, ...); for the others 0.
    uint64_t add(size_t input, ResultSpan span);
    // `input` has nothing more before `time` (a gap in its stream).
    void advance(size_t input, Time time);
    // `input` has ended: the reference spans no longer wait for it.
    void end_input(size_t input);
    bool ended(size_t input) const { return inputs_[input].ended; }

    // The reference spans that are ready, in order; with a `deadline`, also those that end at or
    // before it, fused from what has arrived. Spans no pending reference span can overlap are
    // forgotten, so memory stays bounded on an endless stream.
    std::vector<FusedSpan> take_ready(Time deadline = kNoTime);
    // Whether reference spans wait for other inputs; the end of the first one.
    bool waiting() const { return !pending_.empty(); }
    Time first_pending_end() const { return pending_.empty() ? kNoTime : pending_.front().span.end; }

    // A flush: every span is dropped, the inputs are open again; labels are kept.
    void flush();

private:
    struct Input {
        std::vector<std::string> labels;
        std::vector<size_t> to_reference; // position of each reference label in this input's
        std::deque<ResultSpan> spans;     // other inputs: spans not yet forgotten
        Time complete_until = kNoTime;    // no span starting before this is still to come
        bool ended = false;
    };
    struct Pending {
        uint64_t sequence;
        ResultSpan span;
    };

    bool ready(const Pending& p) const;
    FusedSpan fuse(const Pending& p) const;
    void forget_before(Time time);

    std::vector<double> weights_;
    std::vector<Input> inputs_;
    std::deque<Pending> pending_;
    uint64_t next_sequence_ = 0;
    Time last_reference_start_ = kNoTime;
};

} // namespace emotion::stream
