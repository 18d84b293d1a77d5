#include "nn/alstm.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "nn/alstm_cell.h"
#include "nn/dnnl_compat.h"
#include "nn/padded_sequences.h"
#include "nn/rnn_kernels.h"

namespace emotion::nn {

using detail::axpy;
using detail::for_each_direction;
using detail::gemm;
using detail::gemv;
using dnnl::memory;

namespace {

constexpr memory::dim kRuntime = DNNL_RUNTIME_DIM_VAL;
constexpr int kMaxSlots = 16;
// Up to this batch size the per-step recurrent products run as a vectorised single-thread GEMV
// (y = x A) instead of an sgemm: at batch 1 a step is 64K multiply-adds, where a oneDNN call per
// step costs more than it saves (measured: M1 alstm at 2 threads ran 101x real time with oneDNN
// per step, and as fast as 1 thread with this kernel; training batches keep oneDNN).
constexpr int64_t kSmallBatch = 4;

memory::desc strided(const memory::dims& dims, const memory::dims& strides) {
    return memory::desc(dims, memory::data_type::f32, strides);
}

// out [cols, rows] = in [rows, cols]^T, in square tiles: a plain loop strides through one of the
// two 256 KB matrices and took 4x as long (a twentieth of M1's inference at batch 1).
void transpose(const float* in, int64_t rows, int64_t cols, float* out) {
    constexpr int64_t kTile = 16;
    for (int64_t r0 = 0; r0 < rows; r0 += kTile)
        for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
            const int64_t r1 = std::min(rows, r0 + kTile), c1 = std::min(cols, c0 + kTile);
            for (int64_t c = c0; c < c1; ++c)
                for (int64_t r = r0; r < r1; ++r) out[c * rows + r] = in[r * cols + c];
        }
}

} // namespace

AlstmCell parse_alstm_cell(const std::string& name) {
    if (name == "alstm") return AlstmCell::Alstm;
    if (name == "mean") return AlstmCell::Mean;
    if (name == "lstm") return AlstmCell::Lstm;
    throw std::invalid_argument("unknown A-LSTM cell '" + name + "' (expected alstm, mean or lstm)");
}

const char* alstm_cell_name(AlstmCell cell) {
    switch (cell) {
    case AlstmCell::Alstm: return "alstm";
    case AlstmCell::Mean: return "mean";
    case AlstmCell::Lstm: return "lstm";
    }
    return "?";
}

// The input projection with a runtime row count (one primitive for every batch).
struct Alstm::Primitives {
    dnnl::matmul project; // gx [M, 4H] = x [M, I] W_ih^T + b
    memory::desc w_ih_t, bias;
};

Alstm::Alstm(Context& context, int input_size, int hidden_size, AlstmOptions options)
    : LstmParameters("Alstm", input_size, hidden_size, options.bidirectional), context_(context),
      options_(std::move(options)), primitives_(std::make_unique<Primitives>()) {
    if (options_.cell == AlstmCell::Lstm) options_.offsets = {1};
    if (options_.offsets.empty()) throw std::invalid_argument("Alstm: offsets must not be empty");
    std::sort(options_.offsets.begin(), options_.offsets.end());
    options_.offsets.erase(std::unique(options_.offsets.begin(), options_.offsets.end()),
                           options_.offsets.end());
    for (int o : options_.offsets)
        if (o < 1) throw std::invalid_argument("Alstm: offsets must be >= 1, got " + std::to_string(o));
    if (options_.offsets.size() > static_cast<size_t>(kMaxSlots))
        throw std::invalid_argument("Alstm: at most 16 offsets");
    if (options_.period < 1)
        throw std::invalid_argument("Alstm: period must be >= 1, got " + std::to_string(options_.period));
    slots_ = static_cast<int>(options_.offsets.size());

    if (attention())
        for (int d = 0; d < dirs_; ++d) w[d] = Parameter(Shape{hidden_});

    auto& p = *primitives_;
    const memory::dim I = input_, G4 = 4 * hidden_;
    p.w_ih_t = strided({I, G4}, {1, I});
    p.bias = strided({1, G4}, {G4, 1});
    p.project = dnnl::matmul(compat::matmul_pd(context_.engine(), strided({kRuntime, I}, {I, 1}), p.w_ih_t,
                                               p.bias, strided({kRuntime, G4}, {G4, 1}), {}));
}

Alstm::~Alstm() = default;

ParameterTable Alstm::parameters() {
    ParameterTable table;
    append_lstm_parameters(table);
    if (attention())
        for (int d = 0; d < dirs_; ++d) table.push_back({d ? "alstm_w_l0_reverse" : "alstm_w_l0", &w[d]});
    return table;
}

void Alstm::init_pytorch(Rng& rng) { init_uniform(parameters(), rng); }

int Alstm::available(int t, int* offsets) const {
    if (t % options_.period != 0) {
        if (t < 1) return 0;
        offsets[0] = 1;
        return 1;
    }
    int n = 0;
    for (int o : options_.offsets)
        if (t - o >= 0) offsets[n++] = o;
    return n;
}

const Tensor& Alstm::forward(const Tensor& x, const std::vector<int>& lengths, Mode mode) {
    check_padded_batch("Alstm", x, input_, lengths);
    const int64_t B = x.dim(0), T = x.dim(1), I = input_, H = hidden_, G = 4 * H;
    B_ = B;
    T_ = T;
    lengths_ = lengths;
    trained_ = mode == Mode::Train;
    packed_.pack(lengths);
    const int64_t N = packed_.rows();

    for_each_direction(dirs_, [&](int d) {
        xp_[d].resize({N, I});
        packed_.gather(x.data(), T, I, 0, I, d, xp_[d].data());
    });
    auto& p = *primitives_;
    const auto& engine = context_.engine();
    for (int d = 0; d < dirs_; ++d) {
        // All frames at once, in packed order: gx = x W_ih^T + (b_ih + b_hh).
        bias_sum_[d].resize({1, G});
        sum_biases(d, bias_sum_[d].data());
        gx_[d].resize({N, G});
        context_.execute(p.project, {{DNNL_ARG_SRC, xp_[d].memory(engine, strided({N, I}, {I, 1}))},
                                     {DNNL_ARG_WEIGHTS, weight_ih[d].value.memory(engine, p.w_ih_t)},
                                     {DNNL_ARG_BIAS, bias_sum_[d].memory(engine, p.bias)},
                                     {DNNL_ARG_DST, gx_[d].memory(engine, strided({N, G}, {G, 1}))}});
    }

    y_.resize({B, T, dirs_ * H});
    h_n_.resize({dirs_, B, H});
    c_n_.resize({dirs_, B, H});
    for (int64_t b = 0; b < B; ++b) // padded frames
        std::memset(y_.data() + (b * T + lengths[b]) * dirs_ * H, 0,
                    sizeof(float) * (T - lengths[b]) * dirs_ * H);
    for_each_direction(dirs_, [&](int d) {
        steps_forward(d);
        packed_.scatter(h_[d].data(), H, d, y_.data(), T, dirs_ * H, d * H, false);
        packed_.last_rows(h_[d].data(), H, h_n_.data() + d * B * H);
        packed_.last_rows(c_[d].data(), H, c_n_.data() + d * B * H);
    });
    return y_;
}

void Alstm::steps_forward(int d) {
    const int64_t B = B_, N = packed_.rows(), H = hidden_, G = 4 * H;
    const bool small = B <= kSmallBatch;
    gates_[d].resize({N, G});
    c_[d].resize({N, H});
    h_[d].resize({N, H});
    cp_[d].resize({N, H});
    hp_[d].resize({N, H});
    alpha_[d].resize({N, slots_}, true);
    beta_[d].resize({N, slots_}, true);
    rec_[d].resize({B, G});
    const float* whh = weight_hh[d].value.data();
    if (small) { // W_hh^T [H, 4H] for the GEMV
        w_hh_t_[d].resize({H, G});
        transpose(whh, G, H, w_hh_t_[d].data());
    }
    const float* wd = attention() ? w[d].value.data() : nullptr;
    float* rec = rec_[d].data();
    int offs[kMaxSlots];
    const float* c_prev[kMaxSlots];
    const float* h_prev[kMaxSlots];
    for (int64_t t = 0; t < packed_.steps(); ++t) {
        const int64_t n = packed_.count(t), row0 = packed_.first_row(t);
        const int k = available(static_cast<int>(t), offs);
        float* hp = hp_[d].data() + row0 * H;
        if (k == 0) {
            // t = 0: c' = h' = 0, and the recurrent term is 0, which leaves every gate's input as it is.
            std::memset(cp_[d].data() + row0 * H, 0, sizeof(float) * n * H);
            std::memset(hp, 0, sizeof(float) * n * H);
            std::memset(rec, 0, sizeof(float) * n * G);
        } else {
            for (int64_t r = 0; r < n; ++r) {
                for (int s = 0; s < k; ++s) {
                    const int64_t prev = packed_.first_row(t - offs[s]) + r;
                    c_prev[s] = c_[d].data() + prev * H;
                    h_prev[s] = h_[d].data() + prev * H;
                }
                const int64_t row = row0 + r;
                detail::combine_forward(c_prev, h_prev, k, wd, static_cast<int>(H), cp_[d].data() + row * H,
                                        hp + r * H, alpha_[d].data() + row * slots_,
                                        beta_[d].data() + row * slots_);
            }
            // rec = h' W_hh^T for the running sequences at once.
            if (small)
                for (int64_t r = 0; r < n; ++r)
                    gemv(hp + r * H, w_hh_t_[d].data(), static_cast<int>(H), static_cast<int>(G),
                         rec + r * G);
            else
                gemm('N', 'T', n, G, H, hp, H, whh, H, 0.0f, rec, G);
        }
        for (int64_t r = 0; r < n; ++r) {
            const int64_t row = row0 + r;
            detail::cell_forward(gx_[d].data() + row * G, rec + r * G, cp_[d].data() + row * H,
                                 gates_[d].data() + row * G, c_[d].data() + row * H, h_[d].data() + row * H,
                                 static_cast<int>(H));
        }
    }
}

const Tensor& Alstm::backward(const Tensor& dy) {
    if (!trained_) throw std::logic_error("Alstm::backward without a Train-mode forward");
    const int64_t B = B_, T = T_, I = input_, H = hidden_, D = dirs_ * H;
    if (dy.rank() != 3 || dy.dim(0) != B || dy.dim(1) != T || dy.dim(2) != D)
        throw std::invalid_argument("Alstm::backward: gradient " + shape_to_string(dy.shape()) +
                                    ", expected " + shape_to_string({B, T, D}));
    const int64_t N = packed_.rows();
    for_each_direction(dirs_, [&](int d) {
        dh_[d].resize({N, H}); // starts as the output gradient
        packed_.gather(dy.data(), T, D, d * H, H, d, dh_[d].data());
        steps_backward(d);
    });
    dx_.resize({B, T, I});
    packed_.sum_directions(gx_[0].data(), dirs_ > 1 ? gx_[1].data() : nullptr, I, dx_.data(), T);
    return dx_;
}

void Alstm::steps_backward(int d) {
    const int64_t B = B_, N = packed_.rows(), I = input_, H = hidden_, G = 4 * H;
    const bool small = B <= kSmallBatch;
    dc_[d].resize({N, H}, true); // accumulates from later steps
    dg_[d].resize({N, G});
    dcp_[d].resize({B, H});
    dhp_[d].resize({B, H});
    const float* whh = weight_hh[d].value.data();
    const float* wd = attention() ? w[d].value.data() : nullptr;
    float* dw = attention() && w[d].trainable ? w[d].grad.data() : nullptr;
    float* dcp = dcp_[d].data();
    float* dhp = dhp_[d].data();
    int offs[kMaxSlots];
    const float* c_prev[kMaxSlots];
    const float* h_prev[kMaxSlots];
    float* dc_prev[kMaxSlots];
    float* dh_prev[kMaxSlots];
    for (int64_t t = packed_.steps() - 1; t >= 0; --t) {
        const int64_t n = packed_.count(t), row0 = packed_.first_row(t);
        for (int64_t r = 0; r < n; ++r) {
            const int64_t row = row0 + r;
            detail::cell_backward(gates_[d].data() + row * G, c_[d].data() + row * H, cp_[d].data() + row * H,
                                  dh_[d].data() + row * H, dc_[d].data() + row * H, dg_[d].data() + row * G,
                                  dcp + r * H, static_cast<int>(H));
        }
        const int k = available(static_cast<int>(t), offs);
        if (k == 0) continue; // t = 0: c' = h' = 0, nothing earlier to reach
        const float* dg = dg_[d].data() + row0 * G;
        if (small) // dh' = dg W_hh
            for (int64_t r = 0; r < n; ++r)
                gemv(dg + r * G, whh, static_cast<int>(G), static_cast<int>(H), dhp + r * H);
        else
            gemm('N', 'N', n, H, G, dg, G, whh, H, 0.0f, dhp, H);
        for (int64_t r = 0; r < n; ++r) {
            for (int s = 0; s < k; ++s) {
                const int64_t prev = packed_.first_row(t - offs[s]) + r;
                c_prev[s] = c_[d].data() + prev * H;
                h_prev[s] = h_[d].data() + prev * H;
                dc_prev[s] = dc_[d].data() + prev * H;
                dh_prev[s] = dh_[d].data() + prev * H;
            }
            const int64_t row = row0 + r;
            detail::combine_backward(c_prev, h_prev, k, alpha_[d].data() + row * slots_,
                                     beta_[d].data() + row * slots_, dcp + r * H, dhp + r * H, wd, dw,
                                     dc_prev, dh_prev, static_cast<int>(H));
        }
    }

    // Whole-sequence gradients over the packed rows: dW_hh += dg^T h', dW_ih += dg^T x,
    // both biases += the column sums of dg, dx = dg W_ih.
    const float* dg = dg_[d].data();
    if (weight_hh[d].trainable)
        gemm('T', 'N', G, H, N, dg, G, hp_[d].data(), H, 1.0f, weight_hh[d].grad.data(), H);
    if (weight_ih[d].trainable)
        gemm('T', 'N', G, I, N, dg, G, xp_[d].data(), I, 1.0f, weight_ih[d].grad.data(), I);
    dbias_[d].resize({G}, true);
    for (int64_t r = 0; r < N; ++r) axpy(dbias_[d].data(), 1.0f, dg + r * G, G);
    if (bias_ih[d].trainable) axpy(bias_ih[d].grad.data(), 1.0f, dbias_[d].data(), G);
    if (bias_hh[d].trainable) axpy(bias_hh[d].grad.data(), 1.0f, dbias_[d].data(), G);
    // dx rows in the input projection's storage (dead after the forward).
    gx_[d].resize({N, I});
    gemm('N', 'N', N, I, G, dg, G, weight_ih[d].value.data(), I, 0.0f, gx_[d].data(), I);
}

} // namespace emotion::nn
