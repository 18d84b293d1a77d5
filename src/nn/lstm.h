// LSTM layer (torch.nn.LSTM, one layer, batch_first, uni- or bidirectional) on oneDNN's fused
// vanilla-LSTM primitives, for zero-padded variable-length batches.
//
// Variable lengths (pack_padded_sequence semantics): x [B, T, I] is zero-padded at the end and
// lengths[b] is the real length. Every direction runs as one left-to-right oneDNN LSTM over the
// whole padded batch: the forward direction on x itself, the reverse direction on a copy in which
// each sequence is reversed within its own length (frame L-1 first). The steps after a sequence's
// end only produce outputs that are discarded; in backward their output gradients are zero, so
// they contribute nothing to any gradient and the results are exact. Outputs at padded frames are
// 0. h_n / c_n [dirs, B, H] are the states after each direction's last real step (c_n of a batch
// with unequal lengths is recomputed on request from the stored outputs, see c_n()).
//
// Parameters: nn/lstm_parameters.h (PyTorch's; gate order i, f, g, o = oneDNN's). A PyTorch
// weight [4H, I] is oneDNN's `ldgoi` layout, so reorders read the parameters in place into the primitive's
// layout and the diff-weight reorders accumulate (sum post-op) straight into the grads. oneDNN takes one bias
// b_ih + b_hh; the gradient of either bias is oneDNN's bias gradient.
//
// Primitives are cached per (padded T, B, mode) in a small LRU; T is rounded up to a multiple of
// 16 so that utterances of similar length share primitives.
#pragma once

#include <memory>
#include <unordered_map>
#include <vector>

#include "nn/context.h"
#include "nn/lstm_parameters.h"
#include "nn/rnn_kernels.h"
#include "nn/tensor.h"

namespace emotion::nn {

class Lstm : public LstmParameters {
public:
    Lstm(Context& context, int input_size, int hidden_size, bool bidirectional);
    ~Lstm();
    Lstm(const Lstm&) = delete;
    Lstm& operator=(const Lstm&) = delete;

    ParameterTable parameters(); // weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0 (+ _reverse)
    // PyTorch's default: every parameter U(-1/sqrt(H), 1/sqrt(H)).
    void init_pytorch(Rng& rng);

    // x [B, T, I], lengths (size B, 1 <= L <= T) -> y [B, T, dirs * H] (forward half first).
    const Tensor& forward(const Tensor& x, const std::vector<int>& lengths, Mode mode);
    // States after each direction's last real step, [dirs, B, H].
    const Tensor& h_n() const { return h_n_; }
    const Tensor& c_n();
    // dy [B, T, dirs * H] -> dx [B, T, I]; accumulates parameter grads. Needs a Train forward.
    // (Gradients with respect to h_n / c_n are taken as zero.)
    const Tensor& backward(const Tensor& dy);

private:
    struct Shapes;
    struct Primitives;
    struct WeightLayouts;
    Primitives& primitives(int64_t T, int64_t B, bool train);
    // The arguments forward and backward share: direction d's step-ordered input, its weights
    // in the layouts of the primitive (reordered when needed), its bias and outputs.
    std::unordered_map<int, dnnl::memory> direction_args(int d, const Primitives& p,
                                                         const WeightLayouts& layouts);

    Context& context_;
    std::unique_ptr<Shapes> cache_;

    // State of the last forward.
    std::vector<int> lengths_;
    int64_t B_ = 0, T_ = 0, Tp_ = 0; // batch, input length, padded length the primitives run
    bool trained_ = false, c_n_valid_ = false;
    Primitives* last_ = nullptr;
    Tensor xs_[2];         // [B, Tp, I] step-ordered inputs per direction
    Tensor ys_[2];         // [B, Tp, H] step-ordered outputs per direction
    Tensor hT_[2], cT_[2]; // [1, 1, B, H] states after step Tp-1 (primitive dst_iter)
    detail::RawBuffer workspace_[2];
    Tensor bias_sum_[2];                       // b_ih + b_hh
    detail::RawBuffer w_layer_[2], w_iter_[2]; // weights in the primitive's preferred layout
    Tensor y_, h_n_, c_n_;
    // Backward buffers.
    Tensor dys_, dxs_, zero_state_, dbias_;
    detail::RawBuffer dw_layer_, dw_iter_;
    Tensor dx_;
};

} // namespace emotion::nn
