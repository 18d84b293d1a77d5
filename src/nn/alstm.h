// A-LSTM recurrent layer (spec/MODELS.md M1, Tao & Liu 2018), uni- or bidirectional, for
// zero-padded variable-length batches x [B, T, I] + lengths (each direction runs over the real
// frames only; the reverse direction starts at frame L-1; outputs at padded frames are 0).
//
// Per direction, steps t = 0 .. L-1 in that direction's order, offsets O (default {1, 3, 5}),
// combine period p:
//   A_t = {o in O : t - o >= 0}, or {1} (t >= 1) when t % p != 0; t = 0: c' = h' = 0
//   alstm: alpha = softmax_{o in A_t}(w . c_{t-o}), beta = softmax_{o in A_t}(w . h_{t-o})
//   mean:  alpha = beta = 1 / |A_t|          lstm: O = {1} (a standard LSTM)
//   c' = sum alpha_o c_{t-o}, h' = sum beta_o h_{t-o}
//   [i, f, g, o] = W_ih x_t + b_ih + W_hh h' + b_hh;  c_t = f c' + i g;  h_t = o tanh(c_t)
//
// Computation: the batch is packed step by step, longest sequence first (nn/packed_steps.h), so
// every product runs on real frames only. Per direction, one oneDNN matmul projects all frames
// (x W_ih^T + b_ih + b_hh); then per step an sgemm h' [n_t, H] x W_hh^T over the n_t running
// sequences and the row kernels of nn/alstm_cell.h (combination, gates, cell). Backward runs the
// steps in reverse with a per-step sgemm dg [n_t, 4H] x W_hh, then whole-sequence sgemms for
// dW_ih, dW_hh and dx. At batch <= 4 the per-step products are a single-thread vectorised GEMV
// instead (inference: a oneDNN call per step costs more than the step's 64K multiply-adds). With
// two or more threads the two directions run side by side, one thread each.
//
// Parameters: those of an LSTM (nn/lstm_parameters.h), and for cell alstm alstm_w_l0 [H]
// (+ `_reverse`).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/context.h"
#include "nn/lstm_parameters.h"
#include "nn/packed_steps.h"
#include "nn/tensor.h"

namespace emotion::nn {

enum class AlstmCell { Alstm, Mean, Lstm };
AlstmCell parse_alstm_cell(const std::string& name); // "alstm" / "mean" / "lstm"; throws otherwise
const char* alstm_cell_name(AlstmCell cell);

struct AlstmOptions {
    AlstmCell cell = AlstmCell::Alstm;
    std::vector<int> offsets{1, 3, 5}; // ignored for cell lstm (uses {1})
    int period = 1;
    bool bidirectional = true;
};

class Alstm : public LstmParameters {
public:
    Alstm(Context& context, int input_size, int hidden_size, AlstmOptions options = {});
    ~Alstm();
    Alstm(const Alstm&) = delete;
    Alstm& operator=(const Alstm&) = delete;

    const AlstmOptions& options() const { return options_; }

    // Per direction d (0 = forward, 1 = reverse); empty unless the cell is alstm.
    Parameter w[2];

    ParameterTable parameters();
    // The reference's init: every parameter U(-1/sqrt(H), 1/sqrt(H)).
    void init_pytorch(Rng& rng);

    // x [B, T, I], lengths -> y [B, T, dirs * H] (forward half first, 0 at padded frames).
    const Tensor& forward(const Tensor& x, const std::vector<int>& lengths, Mode mode);
    const Tensor& h_n() const { return h_n_; } // [dirs, B, H] after each direction's last step
    const Tensor& c_n() const { return c_n_; }
    // dy [B, T, dirs * H] -> dx [B, T, I]; accumulates parameter grads (needs a Train forward).
    const Tensor& backward(const Tensor& dy);

private:
    struct Primitives;
    int available(int t, int* offsets) const; // fills A_t, returns |A_t|
    // Cell alstm: the combination weights are softmaxes over w . c and w . h.
    bool attention() const { return options_.cell == AlstmCell::Alstm; }
    void steps_forward(int d);  // the recurrence of direction d over the packed rows
    void steps_backward(int d); // its backward, and the whole-sequence gradients of direction d

    Context& context_;
    AlstmOptions options_;
    int slots_; // max |A_t|
    std::unique_ptr<Primitives> primitives_;

    // Last forward.
    std::vector<int> lengths_;
    PackedSteps packed_;
    int64_t B_ = 0, T_ = 0;
    bool trained_ = false;
    // Per direction, packed rows (N = sum of the lengths).
    Tensor bias_sum_[2];        // [1, 4H] b_ih + b_hh
    Tensor xp_[2];              // [N, I] input
    Tensor gx_[2];              // [N, 4H] input projection; after backward [N, I] dx rows
    Tensor gates_[2];           // [N, 4H] activated gates i, f, g, o
    Tensor c_[2], h_[2];        // [N, H] cell / hidden states
    Tensor cp_[2], hp_[2];      // [N, H] combined previous states c', h'
    Tensor alpha_[2], beta_[2]; // [N, slots] combination weights
    Tensor rec_[2];             // [B, 4H] the step's recurrent product
    Tensor w_hh_t_[2];          // W_hh^T [H, 4H] for the small-batch GEMV
    Tensor y_, h_n_, c_n_;
    // Backward.
    Tensor dh_[2], dc_[2];   // [N, H]
    Tensor dg_[2];           // [N, 4H] pre-activation gate gradients
    Tensor dcp_[2], dhp_[2]; // [B, H] the step's d c', d h'
    Tensor dbias_[2];        // [4H]
    Tensor dx_;
};

} // namespace emotion::nn
