// A zero-padded batch of sequences packed step by step, the longest sequence first (PyTorch's
// PackedSequence): the rows of step t are the count(t) sequences longer than t, in one contiguous
// block, so a recurrent layer's per-step products run on exactly the sequences still running
// and its whole-sequence products on exactly the real frames, never on padding.
//
// Position r of every step block holds the same sequence, item(r) (lengths in decreasing order,
// ties in batch order), so step t - o of that sequence is row first_row(t - o) + r. One packing
// serves both directions of a bidirectional layer: in direction d, step t of a sequence of
// length L reads frame frame_of_step(d, t, L) (nn/padded_sequences.h).
#pragma once

#include <cstdint>
#include <vector>

namespace emotion::nn {

class PackedSteps {
public:
    // Lengths >= 1 (check_padded_batch has checked them).
    void pack(const std::vector<int>& lengths);

    int64_t batch() const { return static_cast<int64_t>(lengths_.size()); }
    int64_t steps() const { return static_cast<int64_t>(counts_.size()); } // the longest length
    int64_t rows() const { return rows_; }                                 // sum of the lengths
    int64_t count(int64_t t) const { return counts_[t]; }
    int64_t first_row(int64_t t) const { return first_rows_[t]; }
    int item(int64_t r) const { return items_[r]; }

    // rows[first_row(t) + r, 0 .. n) = frames[item(r), frame_of_step(d, t, L), offset .. offset + n)
    // for every step of every sequence; frames has T rows of `width` floats per item.
    void gather(const float* frames, int64_t T, int64_t width, int64_t offset, int64_t n, int d,
                float* rows) const;
    // The reverse: the real frames' columns [offset, offset + n) set to (or, with add, increased
    // by) their rows. Padded frames are not touched.
    void scatter(const float* rows, int64_t n, int d, float* frames, int64_t T, int64_t width, int64_t offset,
                 bool add) const;
    // frames [B, T, n] = the forward direction's rows of each real frame plus the reverse
    // direction's (when given), 0 at the padded frames: a bidirectional layer's input gradient.
    // Sequences in parallel when there are more than four.
    void sum_directions(const float* forward, const float* reverse, int64_t n, float* frames,
                        int64_t T) const;
    // out[b] = the row of sequence b's last step (batch order, n floats each).
    void last_rows(const float* rows, int64_t n, float* out) const;

private:
    std::vector<int> lengths_;
    std::vector<int> items_;           // batch index at each block position, longest first
    std::vector<int64_t> counts_;      // per step
    std::vector<int64_t> first_rows_;  // per step
    std::vector<int64_t> last_row_of_; // per batch index
    int64_t rows_ = 0;
};

} // namespace emotion::nn
