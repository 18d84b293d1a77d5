// Scratch tensors shared by every layer of one model (one Workspace per Context): buffers that
// live only within one layer call, or from one call to the next call of the layer that reads
// them, which per-layer members kept once for every layer. Training M4 at batch 32 kept 1.9 GB
// of such buffers beside its activations; shared, they are one layer's worth.
//
// A slot's contents are valid until the next use of the same slot on the same Context; the
// comments say who writes each slot and who reads it last. Layers on one Context run one at a
// time (nn/context.h), so no two calls overlap.
#pragma once

#include <array>
#include <cstddef>

#include "nn/tensor.h"

namespace emotion::nn {

enum class Scratch : size_t {
    // Forward, encoder layers (nn/encoder_layer.h), dead once the attention forward returns.
    LayerQuery, // KsmmLayer: x0 + positions, the attention's query (and key, value for self)
    LayerKey,   // KsmmLayer cross: k0 + positions, the attention's key
    // MultiheadAttention, within one forward or backward: a chunk of [Tq, Tk] blocks of P, of
    // the weights W'', of the dropout mask (bytes) and of d W'' (backward: one per thread).
    AttentionProbs,
    AttentionWeights,
    AttentionDropoutMask,
    AttentionGradWeights,
    // Key-sparse forward: per block of a chunk, the value rows of the kept keys [kept, head_dim].
    AttentionKeptValues,
    // MultiheadAttention::forward's output y, read by the caller (PostLnTail) right after.
    AttentionOutput,
    TailSum, // PostLnTail::forward: r + a, then x1 + f: LayerNorm inputs (it keeps x-hat)
    // Backward of PostLnTail; grad_residual / grad_attention are read after the attention backward.
    TailGradSum,
    TailGradFfn,
    TailGradHidden,
    TailGradX1,
    TailGradResidual,
    TailGradAttention,
    // Backward of MultiheadAttention: internal, then the input gradients the caller reads.
    AttentionGradContext,
    AttentionGradProjections, // packed [B*T, 3d], or the query's
    AttentionGradKeyProjection,
    AttentionGradValueProjection,
    AttentionGradQuery,
    AttentionGradKey,
    AttentionGradValue,
    // KsmmLayer::backward: d x0 and d k0 before the input LayerNorms.
    LayerGradX0,
    LayerGradKey0,
    Count
};

class Workspace {
public:
    Tensor& operator[](Scratch slot) { return slots_[static_cast<size_t>(slot)]; }
    // Bytes held by all slots (capacities of their current shapes).
    size_t bytes() const;

private:
    std::array<Tensor, static_cast<size_t>(Scratch::Count)> slots_;
};

} // namespace emotion::nn
