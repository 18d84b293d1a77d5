// Inverted dropout (PyTorch nn.Dropout): in Train mode each element is kept with probability
// 1 - p and scaled by 1 / (1 - p); in Infer mode (or p = 0) the layer is the identity.
//
// One mask, two ways to apply it: as a layer with its own output tensor (forward / backward), or
// in place on a buffer the caller owns (forward_in_place / backward_in_place: the encoder layers
// and M4's head, where Infer mode then copies nothing). The mask is one byte per element from
// dropout_keep_mask, which attention also uses for its weights.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/parameter.h"
#include "nn/rng.h"
#include "nn/tensor.h"

namespace emotion::nn {

// Dropout keep mask: keep[i] = 1 with probability 1 - p, else 0. The masks are large (B * heads *
// Tq * Tk for attention), so one draw of `rng` seeds a fast splitmix64 stream instead of a draw
// per element.
void dropout_keep_mask(std::vector<uint8_t>& keep, int64_t n, float p, Rng& rng);
// Elements [begin, begin + n) of the mask that dropout_keep_mask draws when `rng.next()` returns
// `seed`, into keep[0, n): a large mask regenerated block by block instead of kept (attention).
void dropout_keep_mask_range(uint8_t* keep, uint64_t seed, int64_t begin, int64_t n, float p);

class Dropout {
public:
    // p in [0, 1]. The generator must outlive the layer (the model's training Rng); it may be
    // null for a layer that never runs in Train mode with p > 0.
    Dropout(float p, Rng& rng) : Dropout(p, &rng) {}
    Dropout(float p, Rng* rng);

    float p() const { return p_; }

    const Tensor& forward(const Tensor& x, Mode mode = Mode::Infer);
    // dx = dy * mask of the last forward (identity after an Infer-mode or p = 0 forward).
    const Tensor& backward(const Tensor& dy);

    // The same on n values in place.
    void forward_in_place(float* x, int64_t n, Mode mode);
    void backward_in_place(float* dy, int64_t n) const;

    // The scale per element of the last Train-mode forward: 0 or 1/(1-p), in the shape of the
    // last forward's tensor ([n] after an in-place forward; empty when it was the identity).
    Tensor mask() const;

private:
    float p_;
    Rng* rng_;
    bool active_ = false; // the last forward dropped (Train mode, p > 0)
    float scale_ = 1.0f;
    std::vector<uint8_t> keep_;
    Tensor output_, grad_input_;
};

} // namespace emotion::nn
