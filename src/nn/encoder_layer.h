// Transformer encoder layers of M3 and M4 (shared/reference/pytorch/reference_models.py
// `PostLNEncoderLayer`, `KSMMLayer`), forward/backward pairs.
//
// Both share the post-LN tail (PostLnTail):
//   x1 = norm1(r + dropout1(a))                      r: residual input, a: attention output
//   y  = norm2(x1 + dropout2(linear2(dropout(relu(linear1(x1))))))
//
// StlEncoderLayer (M3, torch.nn.TransformerEncoderLayer semantics, post-LN, ReLU FFN):
//   a = self_attn(x, x, x, mask); r = x.
// KsmmLayer (M4, vanilla or key-sparse, self or cross):
//   x0 = norm_in(x)
//   self:  a = self_attn(x0 + P, x0 + P, x0 + P, mask)
//   cross: k0 = norm_kv(key); a = cross_attn(x0 + P_q, k0 + P_k, k0, key mask)
//   r = x0 (positions are not in the residual).
// P are the sinusoidal positions of MODELS.md M4 (from 0, sin on even dims, cos on odd).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nn/context.h"
#include "nn/dropout.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/multihead_attention.h"
#include "nn/parameter.h"
#include "nn/rng.h"
#include "nn/tensor.h"

namespace emotion::nn {

struct EncoderLayerOptions {
    int d = 0;
    int heads = 1;
    int ffn = 0;
    float dropout = 0.0f; // attention weights, after attention, inside and after the FFN
    // KsmmLayer only:
    bool cross = false;
    bool key_sparse = false;
    double keep_rate = 0.5;
};

// PyTorch's nn.Linear default init (kaiming_uniform with a = sqrt(5)): weight and bias
// U(-1/sqrt(in), 1/sqrt(in)). Also the init of a kernel-1 Conv1d used as a Linear.
void init_linear_default(Linear& linear, Rng& rng);

// The post-LN residual + FFN tail shared by both layers.
class PostLnTail {
public:
    PostLnTail(Context& context, const EncoderLayerOptions& options, Rng* dropout_rng);

    Linear linear1, linear2;
    LayerNorm norm1, norm2;

    void append_parameters(ParameterTable& table);
    void init(Rng& rng);
    // residual r and attention output a, both [B, T, d]; returns y [B, T, d].
    const Tensor& forward(const Tensor& residual, const Tensor& attention, Mode mode);
    // dy -> gradient of the residual input (also that of the attention output before dropout1,
    // which grad_attention() returns). Both are workspace slots (nn/workspace.h), valid until the
    // next tail backward on the same Context.
    const Tensor& backward(const Tensor& dy);
    const Tensor& grad_residual() const { return workspace_[Scratch::TailGradResidual]; }
    const Tensor& grad_attention() const { return workspace_[Scratch::TailGradAttention]; }

private:
    EncoderLayerOptions options_;
    Rng* dropout_rng_;
    Workspace& workspace_;
    const Tensor* x1_ = nullptr;       // norm1's output of the last forward
    Tensor hidden_;                    // relu(linear1(x1)) after dropout: linear2's input
    Dropout drop1_, drop_ffn_, drop2_; // in place on r + a, hidden_, linear2's output
};

// M3 `stl.<i>`: parameter names self_attn.*, linear1.*, linear2.*, norm1.*, norm2.*.
class StlEncoderLayer {
public:
    StlEncoderLayer(Context& context, const EncoderLayerOptions& options, Rng* dropout_rng = nullptr);

    MultiheadAttention self_attn;
    PostLnTail tail;

    ParameterTable parameters();
    void init(Rng& rng);
    // x [B, T, d]; lengths (or null) mask padded keys. Returns y [B, T, d].
    const Tensor& forward(const Tensor& x, const std::vector<int>* lengths, Mode mode);
    const Tensor& backward(const Tensor& dy);

private:
    Tensor grad_input_;
};

// M4 layer: parameter names norm_in.*, [norm_kv.*], self_attn.* | cross_attn.*, norm1.*,
// linear1.*, linear2.*, norm2.*.
class KsmmLayer {
public:
    KsmmLayer(Context& context, const EncoderLayerOptions& options, Rng* dropout_rng = nullptr);

    const EncoderLayerOptions& options() const { return options_; }
    LayerNorm norm_in;
    std::unique_ptr<LayerNorm> norm_kv; // cross only
    MultiheadAttention attention;       // `self_attn` or `cross_attn`
    PostLnTail tail;

    ParameterTable parameters();
    void init(Rng& rng);
    // Self: x [B, T, d], key null, key_lengths the padding mask of x (or null).
    // Cross: x [B, Tq, d], key [B, Tk, d], key_lengths of key (or null). Returns y [B, Tq, d].
    const Tensor& forward(const Tensor& x, const Tensor* key, const std::vector<int>* key_lengths, Mode mode);
    // dy -> dx (returned); in cross layers grad_key() holds d loss / d key.
    const Tensor& backward(const Tensor& dy);
    const Tensor& grad_key() const { return grad_key_; }

private:
    const Tensor& positions(int64_t T);

    EncoderLayerOptions options_;
    Workspace& workspace_;
    Tensor position_table_; // [T, d] for the largest T seen
    Tensor grad_input_, grad_key_;
};

} // namespace emotion::nn
