// Multi-head attention with torch.nn.MultiheadAttention's parameters and semantics
// (shared/reference/pytorch/reference_models.py `MultiheadAttention`):
//   q = (query Wq^T + bq) * head_dim^-0.5, k = key Wk^T + bk, v = value Wv^T + bv
//   P = softmax(q k^T) per head, padded keys (t >= key length) masked with -inf
//   optional key-sparse step (MODELS.md M4): s = sum over queries of P [B, heads, Tk];
//     k = int(keep_rate * Tk) with Tk the padded key length; columns with s >= the k-th largest
//     are kept (ties kept), the others multiplied by 0, no renormalisation
//   attention dropout, o = W v, y = o Wout^T + bout.
// Parameters: in_proj_weight [3d, d] (rows Q, K, V), in_proj_bias [3d], out_proj.weight [d, d],
// out_proj.bias [d].
//
// Passing the same Tensor object as query, key and value (self-attention) runs one packed [3d]
// projection, and backward then returns the whole input gradient in grad_query() (grad_key() and
// grad_value() stay empty). Otherwise the three gradients are separate.
//
// A key row whose keys are all padded (length 0) gets all-zero weights instead of NaN.
// Everything runs per (batch, head) block of [Tq, Tk], a chunk of blocks at a time: scores on
// oneDNN's sgemm, softmax (one oneDNN primitive per chunk), key-sparse selection, dropout, the
// products. No
// [B, heads, Tq, Tk] tensor is kept: backward recomputes each block's P from the kept
// projections (the same calls, so the same values), and the dropout mask is regenerated from its
// seed (dropout_keep_mask_range). M4's ten audio layers kept 1.4 GB of P and masks at batch 32.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "nn/context.h"
#include "nn/dropout.h"
#include "nn/parameter.h"
#include "nn/rng.h"
#include "nn/tensor.h"

namespace emotion::nn {

struct AttentionOptions {
    int d = 0;
    int heads = 1;
    float dropout = 0.0f; // on the attention weights, Train mode only
    bool key_sparse = false;
    double keep_rate = 0.5; // key-sparse: k = int(keep_rate * Tk)
};

class MultiheadAttention {
public:
    // `dropout_rng` draws the dropout masks; it may be null when options.dropout is 0 or the
    // layer only runs in Infer mode.
    MultiheadAttention(Context& context, const AttentionOptions& options, Rng* dropout_rng = nullptr);

    const AttentionOptions& options() const { return options_; }

    Parameter in_proj_weight;  // [3d, d]
    Parameter in_proj_bias;    // [3d]
    Parameter out_proj_weight; // [d, d]
    Parameter out_proj_bias;   // [d]

    ParameterTable parameters();
    // PyTorch's MultiheadAttention init: Xavier-uniform in_proj_weight, zero biases,
    // out_proj.weight U(-1/sqrt(d), 1/sqrt(d)).
    void init(Rng& rng);
    void set_dropout_rng(Rng* rng) { dropout_rng_ = rng; }

    // query [B, Tq, d], key and value [B, Tk, d]; key_lengths (size B, or null = no mask) are the
    // real key lengths. Returns y [B, Tq, d] in a workspace slot (nn/workspace.h): valid until the
    // next attention forward on the same Context.
    const Tensor& forward(const Tensor& query, const Tensor& key, const Tensor& value,
                          const std::vector<int>* key_lengths, Mode mode);
    // dy [B, Tq, d] -> gradients of the inputs of the last Train-mode forward; accumulates the
    // parameter gradients. The keep mask and dropout mask are treated as constants. The input
    // gradients are workspace slots, valid until the next attention backward on the same Context.
    void backward(const Tensor& dy);
    const Tensor& grad_query() const { return workspace_[Scratch::AttentionGradQuery]; }
    const Tensor& grad_key() const { return workspace_[Scratch::AttentionGradKey]; }
    const Tensor& grad_value() const { return workspace_[Scratch::AttentionGradValue]; }

    // Debug views of the last forward (golden checks):
    // softmax weights [B, heads, Tq, Tk] after the key-sparse mask, before dropout.
    Tensor attention_weights() const;
    // key-sparse column sums s and keep mask (1/0) [B, heads, Tk]; empty without key-sparse.
    const Tensor& column_sums() const { return column_sums_; }
    const Tensor& keep_mask() const { return keep_; }

private:
    void project_inputs(const Tensor& query, const Tensor& key, const Tensor& value);
    // P of blocks first .. first + n - 1 (bh = b * heads + h) into `probs` [n, Tq, Tk]: scaled
    // scores, padded keys masked, one softmax over the chunk.
    void chunk_probs(int64_t first, int64_t n, float* probs) const;
    // Key-sparse: the column sums and keep mask of block bh from its P.
    void select_columns(int64_t bh, const float* probs);
    // The dropout mask of block bh into mask [Tq, Tk].
    void block_dropout_mask(int64_t bh, uint8_t* mask) const;
    // W'' of one (batch, head) = P * keep * dropout (mask null without dropout) into `out`
    // [Tq, Tk]; returns P itself when nothing applies.
    const float* effective_weights(int64_t bh, const float* probs, const uint8_t* mask, float* out) const;
    // Key-sparse forward of block bh: o = W'' V over the kept keys only (the dropped columns of
    // W'' are zero, so half of the product is skipped): their columns of P * dropout into
    // `weights` [Tq, kept] and their value rows into `values` [kept, head_dim]; `kept` receives
    // the kept key indices. false if the sgemm failed.
    bool kept_keys_product(int64_t bh, const float* probs, const uint8_t* mask, float* weights, float* values,
                           std::vector<int64_t>& kept);

    // (batch, head) blocks computed together: the softmax runs once per chunk, the products side
    // by side with several threads. 8 blocks of M4's 460 x 460 take 6.8 MB.
    static constexpr int64_t kChunkBlocks = 8;
    // Where one block's backward writes: d o [B*Tq, d], and the projection gradients (row
    // stride ld; the packed layout puts the three side by side).
    struct BlockGradients {
        const float* context;
        float* query;
        float* key;
        float* value;
        int64_t ld;
    };
    // Backward of block bh from its P: its dropout mask into `mask` (null without dropout), W''
    // into `weights`, d W'' into `gp` (each [Tq, Tk]), its slices of the projection gradients.
    // false if an sgemm failed (no throw: it runs inside a parallel region).
    bool backward_block(int64_t bh, const float* probs, uint8_t* mask, float* weights, float* gp,
                        const BlockGradients& grads) const;

    // The workspace's chunk buffers (nn/workspace.h): P for `blocks` blocks, the weights and masks
    // for `work_blocks`.
    struct ChunkBuffers {
        float* probs;
        float* weights;
        uint8_t* masks;
        float* kept_values; // key-sparse forward: [Tk, head_dim] per block
    };
    ChunkBuffers chunk_buffers(int64_t blocks, int64_t work_blocks, bool forward);

    Context& context_;
    Workspace& workspace_;
    AttentionOptions options_;
    Rng* dropout_rng_;
    int head_dim_;
    float scale_;

    // Shapes of the last forward.
    int64_t batch_ = 0, tq_ = 0, tk_ = 0;
    bool packed_ = false; // query, key and value were one tensor
    bool train_ = false;
    bool dropout_active_ = false;

    // Projections: packed -> qkv_ [B*T, 3d]; else q_ [B*Tq, d], k_ and v_ [B*Tk, d].
    Tensor qkv_, q_, k_, v_;
    const float* qp_ = nullptr;
    const float* kp_ = nullptr;
    const float* vp_ = nullptr;
    int64_t ldq_ = 0, ldk_ = 0, ldv_ = 0;
    Tensor column_sums_;        // [B, heads, Tk]
    Tensor keep_;               // [B, heads, Tk]
    uint64_t dropout_seed_ = 0; // of the [B, heads, Tq, Tk] mask, Train mode with dropout
    Tensor context_out_;        // o [B, Tq, d] (heads concatenated)
    std::array<std::vector<int64_t>, kChunkBlocks> kept_indices_; // per block of a chunk (key-sparse)
    std::vector<int> key_lengths_;
    bool has_mask_ = false;

    // Saved inputs (Train mode).
    Tensor saved_query_, saved_key_, saved_value_;

    struct Primitives;
    std::shared_ptr<Primitives> primitives_;
};

} // namespace emotion::nn
