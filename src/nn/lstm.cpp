#include "nn/lstm.h"

#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "nn/dnnl_compat.h"
#include "nn/padded_sequences.h"
#include "nn/rnn_kernels.h"

namespace emotion::nn {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

namespace {

constexpr size_t kCacheEntries = 16; // (T rounded to 16, B, mode): T <= 256 frames of range
constexpr int64_t kLengthQuantum = 16;
constexpr int64_t kRoomFrames = 64; // allocation granularity of per-frame buffers

memory::desc md(const memory::dims& dims, tag format) {
    return memory::desc(dims, memory::data_type::f32, format);
}

// oneDNN memory over a raw buffer sized for `desc` (a layout that may be blocked / packed).
memory raw_memory(detail::RawBuffer& buffer, const memory::desc& desc, const dnnl::engine& engine) {
    return memory(desc, engine, buffer.ensure(desc.get_size()));
}

void zero_bytes(detail::RawBuffer& buffer, const memory::desc& desc) {
    std::memset(buffer.data(), 0, desc.get_size());
}

// A reorder from the parameters' PyTorch layout to the layout a primitive chose, or none when
// they agree.
dnnl::reorder reorder_if_needed(const dnnl::engine& engine, const memory::desc& user,
                                const memory::desc& wanted) {
    if (wanted == user) return {};
    return dnnl::reorder(dnnl::reorder::primitive_desc(engine, user, engine, wanted));
}

// A weight as the primitive reads it: the parameter itself, or its reorder into `buffer`.
memory weight_in(Context& context, const dnnl::reorder& reorder, memory user, const memory::desc& wanted,
                 detail::RawBuffer& buffer) {
    if (!reorder) return user;
    memory reordered = raw_memory(buffer, wanted, context.engine());
    reorder.execute(context.stream(), user, reordered);
    return reordered;
}

} // namespace

// The layouts a primitive (forward or backward) wants the two weights in, and the reorders from
// the parameters' (user ldgoi) layouts where they differ.
struct Lstm::WeightLayouts {
    memory::desc layer, iter;
    dnnl::reorder to_layer, to_iter;

    WeightLayouts() = default;
    template <class PrimitiveDesc>
    WeightLayouts(const dnnl::engine& engine, const PrimitiveDesc& pd, const memory::desc& layer_user,
                  const memory::desc& iter_user)
        : layer(pd.weights_layer_desc()), iter(pd.weights_iter_desc()),
          to_layer(reorder_if_needed(engine, layer_user, layer)),
          to_iter(reorder_if_needed(engine, iter_user, iter)) {}
};

struct Lstm::Primitives {
    dnnl::lstm_forward::primitive_desc fwd_pd;
    dnnl::lstm_forward fwd;
    WeightLayouts fwd_weights;
    bool has_bwd = false;
    dnnl::lstm_backward::primitive_desc bwd_pd;
    dnnl::lstm_backward bwd;
    WeightLayouts bwd_weights;
    dnnl::reorder dw_layer_reorder, dw_iter_reorder; // diff layout -> grads, accumulating
    // Descriptors shared by forward and backward.
    memory::desc src_layer, dst_layer, state, bias, w_layer_user, w_iter_user;
};

struct Lstm::Shapes {
    detail::LruCache<std::array<int64_t, 3>, Primitives> lru{kCacheEntries};
};

Lstm::Lstm(Context& context, int input_size, int hidden_size, bool bidirectional)
    : LstmParameters("Lstm", input_size, hidden_size, bidirectional), context_(context),
      cache_(std::make_unique<Shapes>()) {}

Lstm::~Lstm() = default;

ParameterTable Lstm::parameters() {
    ParameterTable table;
    append_lstm_parameters(table);
    return table;
}

void Lstm::init_pytorch(Rng& rng) { init_uniform(parameters(), rng); }

Lstm::Primitives& Lstm::primitives(int64_t T, int64_t B, bool train) {
    const std::array<int64_t, 3> key{T, B, train ? 1 : 0};
    if (Primitives* hit = cache_->lru.find(key)) return *hit;

    const auto& engine = context_.engine();
    const memory::dim I = input_, H = hidden_;
    Primitives p;
    p.src_layer = md({T, B, I}, tag::ntc); // batch-first [B, T, I] storage
    p.dst_layer = md({T, B, H}, tag::ntc);
    p.state = md({1, 1, B, H}, tag::ldnc);
    p.bias = md({1, 1, 4, H}, tag::ldgo);
    // PyTorch's [4H, I] weight is oneDNN's ldgoi layout: reorders read (and the diff reorders
    // accumulate into) the parameters directly, no transposed copies.
    p.w_layer_user = md({1, 1, I, 4, H}, tag::ldgoi);
    p.w_iter_user = md({1, 1, H, 4, H}, tag::ldgoi);
    p.fwd_pd = compat::lstm_forward_pd(
        engine, train ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
        dnnl::rnn_direction::unidirectional_left2right, p.src_layer, memory::desc(), memory::desc(),
        md({1, 1, I, 4, H}, tag::any), md({1, 1, H, 4, H}, tag::any), p.bias, p.dst_layer, p.state, p.state);
    p.fwd = dnnl::lstm_forward(p.fwd_pd);
    p.fwd_weights = WeightLayouts(engine, p.fwd_pd, p.w_layer_user, p.w_iter_user);
    return cache_->lru.insert(key, std::move(p));
}

std::unordered_map<int, memory> Lstm::direction_args(int d, const Primitives& p,
                                                     const WeightLayouts& layouts) {
    const auto& engine = context_.engine();
    return {{DNNL_ARG_SRC_LAYER, xs_[d].memory(engine, p.src_layer)},
            {DNNL_ARG_WEIGHTS_LAYER,
             weight_in(context_, layouts.to_layer, weight_ih[d].value.memory(engine, p.w_layer_user),
                       layouts.layer, w_layer_[d])},
            {DNNL_ARG_WEIGHTS_ITER,
             weight_in(context_, layouts.to_iter, weight_hh[d].value.memory(engine, p.w_iter_user),
                       layouts.iter, w_iter_[d])},
            {DNNL_ARG_BIAS, bias_sum_[d].memory(engine, p.bias)},
            {DNNL_ARG_DST_LAYER, ys_[d].memory(engine, p.dst_layer)},
            {DNNL_ARG_DST_ITER, hT_[d].memory(engine, p.state)},
            {DNNL_ARG_DST_ITER_C, cT_[d].memory(engine, p.state)}};
}

const Tensor& Lstm::forward(const Tensor& x, const std::vector<int>& lengths, Mode mode) {
    check_padded_batch("Lstm", x, input_, lengths);
    const int64_t B = x.dim(0), T = x.dim(1), I = input_, H = hidden_;
    const bool train = mode == Mode::Train;
    const int64_t Tp = (T + kLengthQuantum - 1) / kLengthQuantum * kLengthQuantum;
    B_ = B;
    T_ = T;
    Tp_ = Tp;
    lengths_ = lengths;
    trained_ = train;
    c_n_valid_ = false;
    Primitives& p = primitives(Tp, B, train);
    last_ = &p;
    const auto& engine = context_.engine();

    for (int d = 0; d < dirs_; ++d) {
        // Step-ordered input: direction 0 copies x, direction 1 reverses each sequence within
        // its length; steps past the end are zero.
        Tensor& xs = xs_[d];
        detail::resize_rounded(xs, {B, Tp, I}, 1, kRoomFrames);
        to_step_order(x.data(), T, I, 0, I, d, lengths, xs.data(), Tp);
        bias_sum_[d].resize({4 * H}); // oneDNN's single bias
        sum_biases(d, bias_sum_[d].data());
        detail::resize_rounded(ys_[d], {B, Tp, H}, 1, kRoomFrames);
        hT_[d].resize({1, 1, B, H});
        cT_[d].resize({1, 1, B, H});
        auto args = direction_args(d, p, p.fwd_weights);
        if (train) args[DNNL_ARG_WORKSPACE] = raw_memory(workspace_[d], p.fwd_pd.workspace_desc(), engine);
        context_.execute(p.fwd, args);
    }

    // Frame-ordered output, zero at padded frames; h_n from the last real step.
    detail::resize_rounded(y_, {B, T, dirs_ * H}, 1, kRoomFrames);
    h_n_.resize({dirs_, B, H});
    const float* steps[2] = {ys_[0].data(), ys_[1].data()};
    to_frame_order(steps, dirs_, Tp, lengths, T, H, y_.data());
    for (int d = 0; d < dirs_; ++d) last_steps(steps[d], Tp, lengths, H, h_n_.data() + d * B * H);
    return y_;
}

// c_n: the primitive's final cell state where a sequence fills the padded length; otherwise the
// cell recurrence c_t = f_t c_{t-1} + i_t g_t is replayed in double precision from the stored
// inputs and outputs (gates need h_{t-1}, which the outputs hold), so no extra state is kept
// during the (hot) forward pass.
const Tensor& Lstm::c_n() {
    if (c_n_valid_ || B_ == 0) return c_n_;
    const int64_t B = B_, H = hidden_, I = input_, G = 4 * H, Tp = Tp_;
    c_n_.resize({dirs_, B, H});
    std::vector<double> gates(G), c(H);
    for (int d = 0; d < dirs_; ++d) {
        const float* wl = weight_ih[d].value.data(); // [4H, I]
        const float* wi = weight_hh[d].value.data(); // [4H, H]
        for (int64_t b = 0; b < B; ++b) {
            const int64_t L = lengths_[b];
            float* out = c_n_.data() + (d * B + b) * H;
            if (L == Tp) {
                std::memcpy(out, cT_[d].data() + b * H, sizeof(float) * H);
                continue;
            }
            std::fill(c.begin(), c.end(), 0.0);
            for (int64_t t = 0; t < L; ++t) {
                const float* xt = xs_[d].data() + (b * Tp + t) * I;
                const float* hprev = t ? ys_[d].data() + (b * Tp + t - 1) * H : nullptr;
                for (int64_t j = 0; j < G; ++j) gates[j] = bias_sum_[d][j];
                for (int64_t j = 0; j < G; ++j) {
                    double a = gates[j];
                    for (int64_t i = 0; i < I; ++i) a += double(xt[i]) * wl[j * I + i];
                    if (hprev)
                        for (int64_t k = 0; k < H; ++k) a += double(hprev[k]) * wi[j * H + k];
                    gates[j] = a;
                }
                for (int64_t k = 0; k < H; ++k) {
                    const double ig = 1.0 / (1.0 + std::exp(-gates[k]));
                    const double fg = 1.0 / (1.0 + std::exp(-gates[H + k]));
                    const double gg = std::tanh(gates[2 * H + k]);
                    c[k] = fg * c[k] + ig * gg;
                }
            }
            for (int64_t k = 0; k < H; ++k) out[k] = static_cast<float>(c[k]);
        }
    }
    c_n_valid_ = true;
    return c_n_;
}

const Tensor& Lstm::backward(const Tensor& dy) {
    if (!trained_ || !last_) throw std::logic_error("Lstm::backward without a Train-mode forward");
    const int64_t B = B_, T = T_, Tp = Tp_, I = input_, H = hidden_, D = dirs_ * H;
    if (dy.rank() != 3 || dy.dim(0) != B || dy.dim(1) != T || dy.dim(2) != D)
        throw std::invalid_argument("Lstm::backward: gradient " + shape_to_string(dy.shape()) +
                                    ", expected " + shape_to_string({B, T, D}));
    Primitives& p = *last_;
    const auto& engine = context_.engine();
    if (!p.has_bwd) {
        const memory::desc none;
        p.bwd_pd = compat::lstm_backward_pd(
            engine, dnnl::rnn_direction::unidirectional_left2right, p.src_layer, none, none,
            md({1, 1, I, 4, H}, tag::any), md({1, 1, H, 4, H}, tag::any), p.bias, p.dst_layer, p.state,
            p.state, p.src_layer, none, none, md({1, 1, I, 4, H}, tag::any), md({1, 1, H, 4, H}, tag::any),
            p.bias, p.dst_layer, p.state, p.state, p.fwd_pd);
        p.bwd = dnnl::lstm_backward(p.bwd_pd);
        p.bwd_weights = WeightLayouts(engine, p.bwd_pd, p.w_layer_user, p.w_iter_user);
        // grad += diff weights: a reorder with a sum post-op into the PyTorch-layout grads.
        const dnnl::primitive_attr attr = accumulate_attr();
        p.dw_layer_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(
            engine, p.bwd_pd.diff_weights_layer_desc(), engine, p.w_layer_user, attr));
        p.dw_iter_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(
            engine, p.bwd_pd.diff_weights_iter_desc(), engine, p.w_iter_user, attr));
        p.has_bwd = true;
    }

    detail::resize_rounded(dx_, {B, T, I}, 1, kRoomFrames, true);
    zero_state_.resize({1, 1, B, H}, true);
    const int64_t G = 4 * H;
    detail::resize_rounded(dys_, {B, Tp, H}, 1, kRoomFrames);
    detail::resize_rounded(dxs_, {B, Tp, I}, 1, kRoomFrames);
    dbias_.resize({G});

    for (int d = 0; d < dirs_; ++d) {
        // Step-ordered output gradient, zero past each sequence's end (so the padded steps
        // contribute nothing).
        to_step_order(dy.data(), T, D, d * H, H, d, lengths_, dys_.data(), Tp);
        auto args = direction_args(d, p, p.bwd_weights);
        // oneDNN accumulates into the diff weights: start from zero every time.
        auto dwl = raw_memory(dw_layer_, p.bwd_pd.diff_weights_layer_desc(), engine);
        auto dwi = raw_memory(dw_iter_, p.bwd_pd.diff_weights_iter_desc(), engine);
        zero_bytes(dw_layer_, p.bwd_pd.diff_weights_layer_desc());
        zero_bytes(dw_iter_, p.bwd_pd.diff_weights_iter_desc());
        dbias_.zero();
        auto zero = zero_state_.memory(engine, p.state);
        args.insert({{DNNL_ARG_WORKSPACE, memory(p.fwd_pd.workspace_desc(), engine, workspace_[d].data())},
                     {DNNL_ARG_DIFF_DST_LAYER, dys_.memory(engine, p.dst_layer)},
                     {DNNL_ARG_DIFF_DST_ITER, zero},
                     {DNNL_ARG_DIFF_DST_ITER_C, zero},
                     {DNNL_ARG_DIFF_SRC_LAYER, dxs_.memory(engine, p.src_layer)},
                     {DNNL_ARG_DIFF_WEIGHTS_LAYER, dwl},
                     {DNNL_ARG_DIFF_WEIGHTS_ITER, dwi},
                     {DNNL_ARG_DIFF_BIAS, dbias_.memory(engine, p.bias)}});
        context_.execute(p.bwd, args);
        if (weight_ih[d].trainable) {
            auto grad = weight_ih[d].grad.memory(engine, p.w_layer_user);
            p.dw_layer_reorder.execute(context_.stream(), dwl, grad);
        }
        if (weight_hh[d].trainable) {
            auto grad = weight_hh[d].grad.memory(engine, p.w_iter_user);
            p.dw_iter_reorder.execute(context_.stream(), dwi, grad);
        }
        context_.stream().wait();
        // Both biases get oneDNN's bias gradient.
        for (int64_t j = 0; j < G; ++j) {
            if (bias_ih[d].trainable) bias_ih[d].grad[j] += dbias_[j];
            if (bias_hh[d].trainable) bias_hh[d].grad[j] += dbias_[j];
        }
        // Back to frame order.
        for (int64_t b = 0; b < B; ++b) {
            const int64_t L = lengths_[b];
            const float* src = dxs_.data() + b * Tp * I;
            float* dst = dx_.data() + b * T * I;
            for (int64_t t = 0; t < L; ++t) {
                float* row = dst + frame_of_step(d, t, L) * I;
                const float* s = src + t * I;
                for (int64_t i = 0; i < I; ++i) row[i] += s[i];
            }
        }
    }
    return dx_;
}

} // namespace emotion::nn
