// Zero-padded batches of sequences, x [B, T, F] with lengths[b] real frames (pack_padded_sequence
// semantics), as the recurrent layers and the attention pooling read them: the check of such an
// input, and the copies between frame order and a direction's step order. In direction d a
// sequence of length L runs its steps t = 0 .. L-1 over frame t (d = 0, forward) or frame
// L-1-t (d = 1, reverse).
#pragma once

#include <string>
#include <vector>

#include "nn/tensor.h"

namespace emotion::nn {

// std::invalid_argument, naming `who` and calling x `what`, unless x is [B, T, features], there
// are B lengths and each is in [1, T].
void check_padded_batch(const std::string& who, const Tensor& x, int64_t features,
                        const std::vector<int>& lengths, const char* what = "input");

// The frame that step t of direction d reads in a sequence of length L.
inline int64_t frame_of_step(int d, int64_t t, int64_t L) { return d == 0 ? t : L - 1 - t; }

// One direction's step-ordered copy of columns [offset, offset + n) of frame-ordered rows:
// steps[b, t] = frames[b, frame_of_step(d, t, L_b), offset ..] for t < L_b, 0 for the steps after
// (up to steps_per_item). frames has T rows of `width` floats per item, steps has
// steps_per_item rows of n floats.
void to_step_order(const float* frames, int64_t T, int64_t width, int64_t offset, int64_t n, int d,
                   const std::vector<int>& lengths, float* steps, int64_t steps_per_item);

// The layer output y [B, T, dirs * H] from each direction's step-ordered rows (steps[d]:
// steps_per_item rows of H floats per item), direction d in columns [d H, (d + 1) H); 0 at the
// padded frames.
void to_frame_order(const float* const* steps, int dirs, int64_t steps_per_item,
                    const std::vector<int>& lengths, int64_t T, int64_t H, float* y);

// Each item's last real step: out[b] = steps[b, L_b - 1] (rows of H floats).
void last_steps(const float* steps, int64_t steps_per_item, const std::vector<int>& lengths, int64_t H,
                float* out);

} // namespace emotion::nn
