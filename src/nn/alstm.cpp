#include "nn/alstm.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

#include "nn/dnnl_compat.h"
#include "nn/padded_sequences.h"
#include "nn/rnn_kernels.h"

namespace emotion::nn {

using detail::axpy;
using detail::dot;
using dnnl::memory;

namespace {

constexpr memory::dim kRuntime = DNNL_RUNTIME_DIM_VAL;
constexpr int kMaxSlots = 16;
// Up to this batch size the per-step recurrent products run as a vectorised single-thread GEMV
// (y = x A) instead of a oneDNN matmul: at batch 1 a step is 64K multiply-adds, where a parallel
// region per step costs more than it saves (measured: M1 alstm at 2 threads ran 101x real time
// with oneDNN per step, and as fast as 1 thread with this kernel; training batches keep oneDNN).
constexpr int64_t kSmallBatch = 4;
constexpr int64_t kRoomFrames = 64; // allocation granularity of per-frame buffers

memory::desc strided(const memory::dims& dims, const memory::dims& strides) {
    return memory::desc(dims, memory::data_type::f32, strides);
}

// ---- elementwise kernels (one row of H units; vectorised by the compiler) -----------------

// y [N] = x [K] A [K, N] (A row-major): four rows of A per pass over y.
EMOTION_VECTOR_CLONES
void gemv(const float* __restrict x, const float* __restrict A, int K, int N, float* __restrict y) {
    for (int j = 0; j < N; ++j) y[j] = 0.0f;
    int k = 0;
    for (; k + 4 <= K; k += 4) {
        const float a0 = x[k], a1 = x[k + 1], a2 = x[k + 2], a3 = x[k + 3];
        const float* __restrict r0 = A + static_cast<size_t>(k) * N;
        const float* __restrict r1 = r0 + N;
        const float* __restrict r2 = r1 + N;
        const float* __restrict r3 = r2 + N;
        for (int j = 0; j < N; ++j) y[j] += a0 * r0[j] + a1 * r1[j] + a2 * r2[j] + a3 * r3[j];
    }
    for (; k < K; ++k) {
        const float a = x[k];
        const float* __restrict r = A + static_cast<size_t>(k) * N;
        for (int j = 0; j < N; ++j) y[j] += a * r[j];
    }
}

// out = sum_s weights[s] * rows[s]
EMOTION_VECTOR_CLONES
void weighted_sum(const float* const* rows, const float* weights, int n, float* out, int H) {
    for (int k = 0; k < H; ++k) out[k] = weights[0] * rows[0][k];
    for (int s = 1; s < n; ++s) {
        const float* r = rows[s];
        const float a = weights[s];
        for (int k = 0; k < H; ++k) out[k] += a * r[k];
    }
}

// out += a * x + b * y
EMOTION_VECTOR_CLONES
void axpby_add(float* out, float a, const float* x, float b, const float* y, int H) {
    for (int k = 0; k < H; ++k) out[k] += a * x[k] + b * y[k];
}

// gates = activated i, f, g, o of the pre-activations gx + rec; c = f c' + i g; h = o tanh(c).
// No argument aliases another (__restrict: vectorised).
EMOTION_VECTOR_CLONES
void cell_forward(const float* __restrict gx, const float* __restrict rec, const float* __restrict cp,
                  float* __restrict gates, float* __restrict c, float* __restrict h, int H) {
    float* __restrict gi = gates;
    float* __restrict gf = gates + H;
    float* __restrict gg = gates + 2 * H;
    float* __restrict go = gates + 3 * H;
    const float* __restrict xi = gx;
    const float* __restrict xf = gx + H;
    const float* __restrict xg = gx + 2 * H;
    const float* __restrict xo = gx + 3 * H;
    const float* __restrict ri = rec;
    const float* __restrict rf = rec + H;
    const float* __restrict rg = rec + 2 * H;
    const float* __restrict ro = rec + 3 * H;
    for (int k = 0; k < H; ++k) {
        const float i = detail::sigmoid_approx(xi[k] + ri[k]);
        const float f = detail::sigmoid_approx(xf[k] + rf[k]);
        const float g = detail::tanh_approx(xg[k] + rg[k]);
        const float o = detail::sigmoid_approx(xo[k] + ro[k]);
        gi[k] = i;
        gf[k] = f;
        gg[k] = g;
        go[k] = o;
        const float cc = f * cp[k] + i * g;
        c[k] = cc;
        h[k] = o * detail::tanh_approx(cc);
    }
}

// Step backward of the cell: dh (total gradient into h_t), dc_in (gradient into c_t from later
// steps) -> pre-activation gate grads dgates [4H] and dcp = d c'.
EMOTION_VECTOR_CLONES
void cell_backward(const float* __restrict gates, const float* __restrict c, const float* __restrict cp,
                   const float* __restrict dh, const float* __restrict dc_in, float* __restrict dgates,
                   float* __restrict dcp, int H) {
    const float* __restrict gi = gates;
    const float* __restrict gf = gates + H;
    const float* __restrict gg = gates + 2 * H;
    const float* __restrict go = gates + 3 * H;
    float* __restrict di = dgates;
    float* __restrict df = dgates + H;
    float* __restrict dg = dgates + 2 * H;
    float* __restrict dout = dgates + 3 * H;
    for (int k = 0; k < H; ++k) {
        const float tc = detail::tanh_approx(c[k]);
        const float i = gi[k], f = gf[k], g = gg[k], o = go[k];
        const float dc = dc_in[k] + dh[k] * o * (1.0f - tc * tc);
        di[k] = dc * g * i * (1.0f - i);
        df[k] = dc * cp[k] * f * (1.0f - f);
        dg[k] = dc * i * (1.0f - g * g);
        dout[k] = dh[k] * tc * o * (1.0f - o);
        dcp[k] = dc * f;
    }
}

void softmax_small(const float* scores, int n, float* out) {
    float m = scores[0];
    for (int s = 1; s < n; ++s) m = std::max(m, scores[s]);
    float sum = 0.0f;
    for (int s = 0; s < n; ++s) {
        out[s] = std::exp(scores[s] - m);
        sum += out[s];
    }
    for (int s = 0; s < n; ++s) out[s] /= sum;
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

// Whole-sequence matmuls with a runtime row count M = B * T (one primitive for every shape).
struct Alstm::Primitives {
    dnnl::matmul project;    // gx [M, 4H] = x [M, I] W_ih^T + b
    dnnl::matmul grad_input; // dx [M, I] += dg [M, 4H] W_ih
    dnnl::matmul grad_w_ih;  // dW_ih [4H, I] += dg^T [4H, M] x [M, I]
    dnnl::matmul grad_w_hh;  // dW_hh [4H, H] += dg^T [4H, M] h' [M, H]
    memory::desc w_ih_t, w_ih, w_hh_t, w_hh, bias, grad_w_ih_desc, grad_w_hh_desc;
    // Per-step matmuls, fixed batch size (a few batch sizes cached).
    detail::LruCache<int64_t, std::shared_ptr<StepPrimitives>> steps{4};
};

struct Alstm::StepPrimitives {
    dnnl::matmul recurrent; // rec [B, 4H] = h' [B, H] W_hh^T
    dnnl::matmul back;      // dh' [B, H] = dg [B, 4H] W_hh
    memory::desc hp, rec, dg, dhp;
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
    const auto& engine = context_.engine();
    const memory::dim I = input_, H = hidden_, G4 = 4 * H;
    p.w_ih_t = strided({I, G4}, {1, I});
    p.w_ih = strided({G4, I}, {I, 1});
    p.w_hh_t = strided({H, G4}, {1, H});
    p.w_hh = strided({G4, H}, {H, 1});
    p.bias = strided({1, G4}, {G4, 1});
    p.grad_w_ih_desc = p.w_ih;
    p.grad_w_hh_desc = p.w_hh;
    auto rows_i = strided({kRuntime, I}, {I, 1});
    auto rows_g = strided({kRuntime, G4}, {G4, 1});
    auto rows_h = strided({kRuntime, H}, {H, 1});
    auto rows_g_t = strided({G4, kRuntime}, {1, G4});
    const auto acc = accumulate_attr();
    p.project = dnnl::matmul(compat::matmul_pd(engine, rows_i, p.w_ih_t, p.bias, rows_g, {}));
    p.grad_input = dnnl::matmul(compat::matmul_pd(engine, rows_g, p.w_ih, rows_i, acc));
    p.grad_w_ih = dnnl::matmul(compat::matmul_pd(engine, rows_g_t, rows_i, p.grad_w_ih_desc, acc));
    p.grad_w_hh = dnnl::matmul(compat::matmul_pd(engine, rows_g_t, rows_h, p.grad_w_hh_desc, acc));
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

Alstm::StepPrimitives& Alstm::step_primitives(int64_t B) {
    auto& p = *primitives_;
    if (auto* hit = p.steps.find(B)) return **hit;
    const auto& engine = context_.engine();
    const memory::dim H = hidden_, G = 4 * H;
    auto s = std::make_shared<StepPrimitives>();
    s->hp = strided({B, H}, {H, 1});
    s->rec = strided({B, G}, {G, 1});
    s->dg = s->rec;
    s->dhp = s->hp;
    s->recurrent = dnnl::matmul(compat::matmul_pd(engine, s->hp, p.w_hh_t, s->rec));
    s->back = dnnl::matmul(compat::matmul_pd(engine, s->dg, p.w_hh, s->dhp));
    return *p.steps.insert(B, std::move(s));
}

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
    int max_len = 0;
    for (int L : lengths) max_len = std::max(max_len, L);
    B_ = B;
    T_ = T;
    lengths_ = lengths;
    trained_ = mode == Mode::Train;
    if (trained_) {
        detail::resize_rounded(x_, x.shape(), 1, kRoomFrames);
        std::memcpy(x_.data(), x.data(), sizeof(float) * x.size());
    }

    auto& p = *primitives_;
    const bool small = B <= kSmallBatch;
    auto& sp = step_primitives(B);
    const auto& engine = context_.engine();
    hp_step_.resize({B, H}, true);
    rec_step_.resize({B, G});
    auto hp_mem = hp_step_.memory(engine, sp.hp);
    auto rec_mem = rec_step_.memory(engine, sp.rec);

    for (int d = 0; d < dirs_; ++d) {
        // All frames at once: gx = x W_ih^T + (b_ih + b_hh).
        bias_sum_[d].resize({1, G});
        sum_biases(d, bias_sum_[d].data());
        detail::resize_rounded(gx_[d], {B, T, G}, 1, kRoomFrames);
        context_.execute(p.project, {{DNNL_ARG_SRC, x.memory(engine, strided({B * T, I}, {I, 1}))},
                                     {DNNL_ARG_WEIGHTS, weight_ih[d].value.memory(engine, p.w_ih_t)},
                                     {DNNL_ARG_BIAS, bias_sum_[d].memory(engine, p.bias)},
                                     {DNNL_ARG_DST, gx_[d].memory(engine, strided({B * T, G}, {G, 1}))}});
        detail::resize_rounded(gates_[d], {B, T, G}, 1, kRoomFrames);
        detail::resize_rounded(c_[d], {B, T, H}, 1, kRoomFrames);
        detail::resize_rounded(h_[d], {B, T, H}, 1, kRoomFrames);
        detail::resize_rounded(cp_[d], {B, T, H}, 1, kRoomFrames);
        detail::resize_rounded(hp_[d], {B, T, H}, 1, kRoomFrames);
        detail::resize_rounded(alpha_[d], {B, T, slots_}, 1, kRoomFrames);
        detail::resize_rounded(beta_[d], {B, T, slots_}, 1, kRoomFrames);
        std::unordered_map<int, memory> rec_args{
            {DNNL_ARG_SRC, hp_mem},
            {DNNL_ARG_WEIGHTS, weight_hh[d].value.memory(engine, p.w_hh_t)},
            {DNNL_ARG_DST, rec_mem}};
        const float* wd = attention() ? w[d].value.data() : nullptr;
        if (small) { // W_hh^T [H, 4H] for the GEMV
            w_hh_t_.resize({H, G});
            const float* whh = weight_hh[d].value.data();
            for (int64_t j = 0; j < G; ++j)
                for (int64_t k = 0; k < H; ++k) w_hh_t_[k * G + j] = whh[j * H + k];
        }

        int offs[kMaxSlots];
        const float* rows[kMaxSlots];
        float scores[kMaxSlots], weights_c[kMaxSlots], weights_h[kMaxSlots];
        for (int t = 0; t < max_len; ++t) {
            const int n = available(t, offs);
            // Combination c', h' for every active sequence (into hp_step_ for the matmul).
            for (int64_t b = 0; b < B; ++b) {
                const int64_t L = lengths[b];
                const int64_t row = b * T + t;
                float* hp_row = hp_step_.data() + b * H;
                if (t >= L) {
                    std::memset(hp_row, 0, sizeof(float) * H);
                    continue;
                }
                float* cp_row = cp_[d].data() + row * H;
                float* al = alpha_[d].data() + row * slots_;
                float* be = beta_[d].data() + row * slots_;
                std::fill(al, al + slots_, 0.0f);
                std::fill(be, be + slots_, 0.0f);
                if (n == 0) {
                    std::memset(cp_row, 0, sizeof(float) * H);
                    std::memset(hp_row, 0, sizeof(float) * H);
                } else {
                    if (attention()) {
                        for (int s = 0; s < n; ++s)
                            scores[s] = dot(wd, c_[d].data() + (row - offs[s]) * H, H);
                        softmax_small(scores, n, weights_c);
                        for (int s = 0; s < n; ++s)
                            scores[s] = dot(wd, h_[d].data() + (row - offs[s]) * H, H);
                        softmax_small(scores, n, weights_h);
                    } else {
                        for (int s = 0; s < n; ++s) weights_c[s] = weights_h[s] = 1.0f / n;
                    }
                    for (int s = 0; s < n; ++s) rows[s] = c_[d].data() + (row - offs[s]) * H;
                    weighted_sum(rows, weights_c, n, cp_row, H);
                    for (int s = 0; s < n; ++s) rows[s] = h_[d].data() + (row - offs[s]) * H;
                    weighted_sum(rows, weights_h, n, hp_row, H);
                    std::copy(weights_c, weights_c + n, al);
                    std::copy(weights_h, weights_h + n, be);
                }
                std::memcpy(hp_[d].data() + row * H, hp_row, sizeof(float) * H);
            }
            // Recurrent term for all rows at once: rec = h' W_hh^T; at t = 0 (h' = 0) rec = 0,
            // which leaves every gate's input as it is.
            if (n == 0) {
                rec_step_.zero();
            } else if (small) {
                for (int64_t b = 0; b < B; ++b)
                    if (t < lengths[b])
                        gemv(hp_step_.data() + b * H, w_hh_t_.data(), static_cast<int>(H),
                             static_cast<int>(G), rec_step_.data() + b * G);
            } else {
                context_.execute(sp.recurrent, rec_args);
            }
            for (int64_t b = 0; b < B; ++b) {
                const int64_t L = lengths[b];
                if (t >= L) continue;
                const int64_t row = b * T + t;
                cell_forward(gx_[d].data() + (b * T + frame_of_step(d, t, L)) * G, rec_step_.data() + b * G,
                             cp_[d].data() + row * H, gates_[d].data() + row * G, c_[d].data() + row * H,
                             h_[d].data() + row * H, static_cast<int>(H));
            }
        }
    }

    detail::resize_rounded(y_, {B, T, dirs_ * H}, 1, kRoomFrames);
    h_n_.resize({dirs_, B, H});
    c_n_.resize({dirs_, B, H});
    const float* steps[2] = {h_[0].data(), h_[1].data()};
    to_frame_order(steps, dirs_, T, lengths, T, H, y_.data());
    for (int d = 0; d < dirs_; ++d) {
        last_steps(h_[d].data(), T, lengths, H, h_n_.data() + d * B * H);
        last_steps(c_[d].data(), T, lengths, H, c_n_.data() + d * B * H);
    }
    return y_;
}

const Tensor& Alstm::backward(const Tensor& dy) {
    if (!trained_) throw std::logic_error("Alstm::backward without a Train-mode forward");
    const int64_t B = B_, T = T_, I = input_, H = hidden_, G = 4 * H, D = dirs_ * H;
    if (dy.rank() != 3 || dy.dim(0) != B || dy.dim(1) != T || dy.dim(2) != D)
        throw std::invalid_argument("Alstm::backward: gradient " + shape_to_string(dy.shape()) +
                                    ", expected " + shape_to_string({B, T, D}));
    int max_len = 0;
    for (int L : lengths_) max_len = std::max(max_len, L);
    auto& p = *primitives_;
    const bool small = B <= kSmallBatch;
    auto& sp = step_primitives(B);
    const auto& engine = context_.engine();

    detail::resize_rounded(dx_, {B, T, I}, 1, kRoomFrames, true);
    detail::resize_rounded(dh_, {B, T, H}, 1, kRoomFrames);
    detail::resize_rounded(dc_, {B, T, H}, 1, kRoomFrames);
    detail::resize_rounded(dg_, {B, T, G}, 1, kRoomFrames);
    detail::resize_rounded(dgf_, {B, T, G}, 1, kRoomFrames);
    dg_step_.resize({B, G}, true);
    dhp_step_.resize({B, H});
    Tensor& dcp = dcp_step_; // d c' of the current step
    dcp.resize({B, H});
    auto dg_mem = dg_step_.memory(engine, sp.dg);
    auto dhp_mem = dhp_step_.memory(engine, sp.dhp);
    const auto rows_g = strided({B * T, G}, {G, 1});
    const auto rows_g_t = strided({G, B * T}, {1, G});

    for (int d = 0; d < dirs_; ++d) {
        // dh starts as the output gradient (step order), dc as zero.
        to_step_order(dy.data(), T, D, d * H, H, d, lengths_, dh_.data(), T);
        dc_.zero();                     // accumulates from later steps
        for (int64_t b = 0; b < B; ++b) // rows past each end stay zero (active rows are written)
            std::memset(dg_.data() + (b * T + lengths_[b]) * G, 0, sizeof(float) * (T - lengths_[b]) * G);
        const float* wd = attention() ? w[d].value.data() : nullptr;
        float* dw = attention() && w[d].trainable ? w[d].grad.data() : nullptr;
        std::unordered_map<int, memory> back_args{
            {DNNL_ARG_SRC, dg_mem},
            {DNNL_ARG_WEIGHTS, weight_hh[d].value.memory(engine, p.w_hh)},
            {DNNL_ARG_DST, dhp_mem}};

        int offs[kMaxSlots];
        float da[kMaxSlots], ds_c[kMaxSlots], ds_h[kMaxSlots];
        for (int t = max_len - 1; t >= 0; --t) {
            const int n = available(t, offs);
            for (int64_t b = 0; b < B; ++b) {
                const int64_t row = b * T + t;
                float* dg_row = dg_step_.data() + b * G;
                if (t >= lengths_[b]) {
                    std::memset(dg_row, 0, sizeof(float) * G);
                    continue;
                }
                cell_backward(gates_[d].data() + row * G, c_[d].data() + row * H, cp_[d].data() + row * H,
                              dh_.data() + row * H, dc_.data() + row * H, dg_row, dcp.data() + b * H,
                              static_cast<int>(H));
                std::memcpy(dg_.data() + row * G, dg_row, sizeof(float) * G);
            }
            if (n == 0) continue; // t = 0: c' = h' = 0, nothing earlier to reach
            if (small) {          // dh' = dg W_hh
                for (int64_t b = 0; b < B; ++b)
                    if (t < lengths_[b])
                        gemv(dg_step_.data() + b * G, weight_hh[d].value.data(), static_cast<int>(G),
                             static_cast<int>(H), dhp_step_.data() + b * H);
            } else {
                context_.execute(sp.back, back_args);
            }
            for (int64_t b = 0; b < B; ++b) {
                if (t >= lengths_[b]) continue;
                const int64_t row = b * T + t;
                const float* dcp_row = dcp.data() + b * H;
                const float* dhp_row = dhp_step_.data() + b * H;
                const float* al = alpha_[d].data() + row * slots_;
                const float* be = beta_[d].data() + row * slots_;
                if (attention()) {
                    // Through alpha = softmax(w . c_{t-o}) and beta = softmax(w . h_{t-o}).
                    float sum = 0.0f;
                    for (int s = 0; s < n; ++s) {
                        da[s] = dot(dcp_row, c_[d].data() + (row - offs[s]) * H, static_cast<int>(H));
                        sum += al[s] * da[s];
                    }
                    for (int s = 0; s < n; ++s) ds_c[s] = al[s] * (da[s] - sum);
                    sum = 0.0f;
                    for (int s = 0; s < n; ++s) {
                        da[s] = dot(dhp_row, h_[d].data() + (row - offs[s]) * H, static_cast<int>(H));
                        sum += be[s] * da[s];
                    }
                    for (int s = 0; s < n; ++s) ds_h[s] = be[s] * (da[s] - sum);
                    for (int s = 0; s < n; ++s) {
                        const int64_t prev = (row - offs[s]) * H;
                        if (dw) {
                            axpy(dw, ds_c[s], c_[d].data() + prev, static_cast<int>(H));
                            axpy(dw, ds_h[s], h_[d].data() + prev, static_cast<int>(H));
                        }
                        axpby_add(dc_.data() + prev, al[s], dcp_row, ds_c[s], wd, static_cast<int>(H));
                        axpby_add(dh_.data() + prev, be[s], dhp_row, ds_h[s], wd, static_cast<int>(H));
                    }
                } else {
                    for (int s = 0; s < n; ++s) {
                        const int64_t prev = (row - offs[s]) * H;
                        axpy(dc_.data() + prev, al[s], dcp_row, static_cast<int>(H));
                        axpy(dh_.data() + prev, be[s], dhp_row, static_cast<int>(H));
                    }
                }
            }
        }

        // Whole-sequence gradients. dW_hh += dg^T h' (step order; zero rows past the ends).
        if (weight_hh[d].trainable)
            context_.execute(p.grad_w_hh,
                             {{DNNL_ARG_SRC, dg_.memory(engine, rows_g_t)},
                              {DNNL_ARG_WEIGHTS, hp_[d].memory(engine, strided({B * T, H}, {H, 1}))},
                              {DNNL_ARG_DST, weight_hh[d].grad.memory(engine, p.grad_w_hh_desc)}});
        // Frame order for the input side (reversing a sequence is its own inverse).
        const Tensor& dgf = d == 0 ? dg_ : dgf_;
        if (d == 1) to_step_order(dg_.data(), T, G, 0, G, d, lengths_, dgf_.data(), T);
        if (weight_ih[d].trainable)
            context_.execute(p.grad_w_ih,
                             {{DNNL_ARG_SRC, dgf.memory(engine, rows_g_t)},
                              {DNNL_ARG_WEIGHTS, x_.memory(engine, strided({B * T, I}, {I, 1}))},
                              {DNNL_ARG_DST, weight_ih[d].grad.memory(engine, p.grad_w_ih_desc)}});
        context_.execute(p.grad_input, {{DNNL_ARG_SRC, dgf.memory(engine, rows_g)},
                                        {DNNL_ARG_WEIGHTS, weight_ih[d].value.memory(engine, p.w_ih)},
                                        {DNNL_ARG_DST, dx_.memory(engine, strided({B * T, I}, {I, 1}))}});
        // Both biases get the column sums of dg.
        const float* g = dg_.data();
        float* dbi = bias_ih[d].trainable ? bias_ih[d].grad.data() : nullptr;
        float* dbh = bias_hh[d].trainable ? bias_hh[d].grad.data() : nullptr;
        for (int64_t r = 0; r < B * T; ++r, g += G) {
            if (dbi) axpy(dbi, 1.0f, g, static_cast<int>(G));
            if (dbh) axpy(dbh, 1.0f, g, static_cast<int>(G));
        }
    }
    return dx_;
}

} // namespace emotion::nn
