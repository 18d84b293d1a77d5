#include "nn/bn_act_pool.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "nn/lanes.h"
#include "nn/vector_math.h"

namespace emotion::nn {

namespace {

// Values summed in float lanes before they go into the double totals: short enough that the
// float partial sums stay as accurate as BatchNorm2d's.
constexpr int64_t kChunk = 256;
constexpr uint8_t kAlive = 0x80; // max-pooling: the activation passes the winner's gradient

// Runs f with the block size as a compile-time constant, so the lane loops vectorise.
template <class F> void with_block(int block, F&& f) {
    switch (block) {
    case 16: f(std::integral_constant<int, 16>{}); break;
    case 8: f(std::integral_constant<int, 8>{}); break;
    case 1: f(std::integral_constant<int, 1>{}); break;
    default: throw std::invalid_argument("bn_act_pool: unsupported channel block " + std::to_string(block));
    }
}

// The activation as a compile-time choice too: the lane loops stay branch-free.
constexpr int kReLU = 0, kELU = 1;

template <class F> void with_activation(ConvActivation activation, F&& f) {
    if (activation == ConvActivation::ReLU)
        f(std::integral_constant<int, kReLU>{});
    else
        f(std::integral_constant<int, kELU>{});
}

// On every lane of z (Lanes<B>); ELU evaluates its exponential on every lane and selects.
template <int A, class V> [[gnu::always_inline]] inline V activate(V z) {
    if constexpr (A == kReLU)
        return z > 0.0f ? z : 0.0f;
    else
        return z > 0.0f ? z : expm1_approx(z);
}

// d act / d z.
template <int A, class V> [[gnu::always_inline]] inline V slope(V z) {
    if constexpr (A == kReLU)
        return z > 0.0f ? 1.0f : 0.0f;
    else
        return z > 0.0f ? 1.0f : exp_approx(z);
}

// One (image, channel block) nb of x, `lanes` real channels, and where each of its lanes l lives
// in the pooled map y (channels y_first + c): offset[l] relative to y's (n, 0, oh, ow) position
// scaled by y.block; 0 for padding lanes. Plus the pooling windows over its plane.
template <int B> struct Block {
    int64_t n, cb;
    int lanes;
    int64_t offset[B];
    float* in;
    int64_t H, W;
    int kh, kw;

    Block(const BlockedMap& x, int64_t nb, const BlockedMap& y, int y_first, const StageEpilogue& e)
        : n(nb / x.blocks()), cb(nb % x.blocks()),
          lanes(static_cast<int>(std::min<int64_t>(B, x.C - cb * B))), in(x.data + nb * x.H * x.W * B),
          H(x.H), W(x.W), kh(e.kernel_h), kw(e.kernel_w) {
        const int64_t plane = y.H * y.W * y.block;
        for (int l = 0; l < B; ++l) {
            const int64_t c = cb * B + l;
            const int64_t cy = y_first + c;
            offset[l] = c < x.C ? (cy / y.block) * plane + cy % y.block : 0;
        }
    }

    float* window(int64_t oh, int64_t ow) const { return in + (oh * kh * W + ow * kw) * B; }
    // f(window position, pointer to its B lanes) over the pooling window of output (oh, ow).
    template <class F> void for_each_in_window(int64_t oh, int64_t ow, F&& f) const {
        float* w0 = window(oh, ow);
        for (int i = 0; i < kh; ++i)
            for (int j = 0; j < kw; ++j) f(static_cast<int32_t>(i * kw + j), w0 + (i * W + j) * B);
    }
    // f(pointer to B lanes) at the positions no window covers (floor pooling drops them), given
    // the pooled size OH x OW.
    template <class F> void for_each_uncovered(int64_t OH, int64_t OW, F&& f) const {
        for (int64_t h = 0; h < H; ++h)
            for (int64_t w = h < OH * kh ? OW * kw : 0; w < W; ++w) f(in + (h * W + w) * B);
    }
    // The lanes of pooled value o of map y (o = oh * OW + ow; y's image n at `image`), gathered.
    [[gnu::always_inline]] Lanes<B> gather(const float* image, int64_t o, int64_t block) const {
        Lanes<B> v = {};
        for (int l = 0; l < lanes; ++l) v[l] = image[offset[l] + o * block];
        return v;
    }
    [[gnu::always_inline]] void scatter(Lanes<B> v, int64_t o, int64_t block, float* image) const {
        for (int l = 0; l < lanes; ++l) image[offset[l] + o * block] = v[l];
    }
};

// Two per-lane sums (s, q) of one (image, channel block): float partial sums over kChunk
// positions go into double totals, short enough that the float sums stay as accurate as
// BatchNorm2d's. Callers add position terms to s and q, then call next().
template <int B> struct LaneSums {
    Lanes<B> s = {}, q = {};
    double total_s[B] = {}, total_q[B] = {};
    int64_t pending = 0;

    [[gnu::always_inline]] void next() {
        if (++pending == kChunk) flush();
    }
    [[gnu::always_inline]] void flush() {
        for (int l = 0; l < B; ++l) {
            total_s[l] += s[l];
            total_q[l] += q[l];
        }
        s = Lanes<B>{};
        q = Lanes<B>{};
        pending = 0;
    }
    // The totals into part[0 .. B) and part[B .. 2B).
    void store(double* part) {
        flush();
        for (int l = 0; l < B; ++l) {
            part[l] = total_s[l];
            part[B + l] = total_q[l];
        }
    }
};

// Channel c's two sums over the images, from the per-(image, block) parts of LaneSums.
void channel_totals(const std::vector<double>& part, const BlockedMap& x, int64_t c, double& s, double& q) {
    const int64_t B = x.block, CB = x.blocks();
    s = 0.0;
    q = 0.0;
    for (int64_t n = 0; n < x.N; ++n) {
        const double* p = part.data() + (n * CB + c / B) * 2 * B;
        s += p[c % B];
        q += p[B + c % B];
    }
}

void check_pooled(const BlockedMap& x, const StageEpilogue& e, const BlockedMap& y, int y_first,
                  const char* what) {
    const int kh = e.kernel_h, kw = e.kernel_w;
    if (kh < 1 || kw < 1 || kh * kw > 121 || x.H < kh || x.W < kw || y.N != x.N || y.H != x.H / kh ||
        y.W != x.W / kw || y_first < 0 || y_first + x.C > y.C)
        throw std::invalid_argument(std::string("bn_act_pool: ") + what + " shapes do not match");
}

// f(nb) for every (image, channel block) nb of x, in parallel. The per-block kernels below are
// cloned per instruction set (EMOTION_VECTOR_CLONES) and run one block each.
template <class F> void for_each_block(const BlockedMap& x, F&& f) {
#pragma omp parallel for schedule(static)
    for (int64_t nb = 0; nb < x.N * x.blocks(); ++nb) f(nb);
}

template <int B>
EMOTION_VECTOR_CLONES void moments(const BlockedMap& x, int64_t nb, const float* center, double* part) {
    const float* in = x.data + nb * x.H * x.W * B;
    const Lanes<B> ctr = load_lanes<B>(center + (nb % x.blocks()) * B);
    LaneSums<B> sums;
    for (int64_t p = 0; p < x.H * x.W; ++p, sums.next()) {
        const Lanes<B> d = load_lanes<B>(in + p * B) - ctr;
        sums.s += d;
        sums.q += d * d;
    }
    sums.store(part + nb * 2 * B);
}

// The BN's affine map per lane of x's channel blocks (padding lanes give 0): z = x * scale + shift.
void affine_map(const BatchNorm2d& bn, const BatchStatistics& stats, const BlockedMap& x, int first,
                std::vector<float>& scale, std::vector<float>& shift) {
    scale.assign(x.blocks() * x.block, 0.0f);
    shift.assign(x.blocks() * x.block, 0.0f);
    for (int64_t c = 0; c < x.C; ++c) {
        const int channel = first + static_cast<int>(c);
        scale[c] = bn.weight.value[channel] * stats.inv_std[channel];
        shift[c] = bn.bias.value[channel] - stats.mean[channel] * scale[c];
    }
}

// The kernels below work on Lanes<B> values: one vector operation per channel block, selects
// instead of branches.

template <int B, int A>
EMOTION_VECTOR_CLONES void max_pool_forward(const BlockedMap& x, int64_t nb, const StageEpilogue& e,
                                            const BlockedMap& y, int y_first, const float* scale,
                                            const float* shift, uint8_t* codes) {
    const int64_t OH = y.H, OW = y.W, y_image = y.blocks() * OH * OW * y.block;
    const Block<B> block(x, nb, y, y_first, e);
    const Lanes<B> sc = load_lanes<B>(scale + block.cb * B), sh = load_lanes<B>(shift + block.cb * B);
    uint8_t* code = codes + nb * OH * OW * B;
    for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
            Lanes<B> best = load_lanes<B>(block.window(oh, ow)) * sc + sh;
            LaneInts<B> arg = {};
            block.for_each_in_window(oh, ow, [&](int32_t win, const float* wp) {
                const Lanes<B> v = load_lanes<B>(wp) * sc + sh;
                const LaneInts<B> more = v > best; // first maximum wins, as in PyTorch
                arg = more ? win : arg;
                best = more ? v : best;
            });
            const int64_t o = oh * OW + ow;
            for (int l = 0; l < B; ++l) {
                const bool alive = A == kELU || best[l] > 0.0f;
                code[o * B + l] = static_cast<uint8_t>(arg[l] | (alive ? kAlive : 0));
            }
            block.scatter(activate<A>(best), o, y.block, y.data + block.n * y_image);
        }
}

template <int B, int A>
EMOTION_VECTOR_CLONES void average_pool_forward(const BlockedMap& x, int64_t nb, const StageEpilogue& e,
                                                const BlockedMap& y, int y_first, const float* scale,
                                                const float* shift) {
    const int64_t OH = y.H, OW = y.W, y_image = y.blocks() * OH * OW * y.block;
    const float inv = 1.0f / static_cast<float>(e.kernel_h * e.kernel_w);
    const Block<B> block(x, nb, y, y_first, e);
    const Lanes<B> sc = load_lanes<B>(scale + block.cb * B), sh = load_lanes<B>(shift + block.cb * B);
    for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
            Lanes<B> sum = {};
            block.for_each_in_window(
                oh, ow, [&](int32_t, const float* wp) { sum += activate<A>(load_lanes<B>(wp) * sc + sh); });
            block.scatter(sum * inv, oh * OW + ow, y.block, y.data + block.n * y_image);
        }
}

// Max-pooling, per lane of pooled value (oh, ow): the gradient reaching the winner's z (0 where
// ReLU blocked it), the winner's window position and its input x. Inlined into the callers'
// per-ISA clones (a call per pooled value would run the baseline build's scalar code).
template <int B, int A>
[[gnu::always_inline]] inline void winner_gradient(const Block<B>& block, int64_t oh, int64_t ow, int64_t OW,
                                                   const uint8_t* code, const float* g_image, int64_t g_block,
                                                   Lanes<B> sc, Lanes<B> sh, Lanes<B>& gv, LaneInts<B>& win,
                                                   Lanes<B>& xv) {
    const int64_t o = oh * OW + ow;
    gv = block.gather(g_image, o, g_block);
    for (int l = 0; l < B; ++l) {
        const uint8_t c = code[o * B + l];
        gv[l] = c & kAlive ? gv[l] : 0.0f;
        win[l] = c & ~kAlive;
    }
    xv = Lanes<B>{};
    block.for_each_in_window(oh, ow,
                             [&](int32_t at, const float* wp) { xv = win == at ? load_lanes<B>(wp) : xv; });
    if constexpr (A == kELU) gv *= slope<A>(xv * sc + sh);
}

// Per (n, block): sum(dz) and sum(dz * (x - mean)) over the gradient dz reaching the BN's output
// z (through pooling and activation).
template <int B, int A>
EMOTION_VECTOR_CLONES void
gradient_sums(const BlockedMap& x, int64_t nb, const StageEpilogue& e, const BlockedMap& dy, int dy_first,
              const uint8_t* codes, const float* mean, const float* scale, const float* shift, double* part) {
    const int64_t OH = dy.H, OW = dy.W, dy_image = dy.blocks() * OH * OW * dy.block;
    const float inv = 1.0f / static_cast<float>(e.kernel_h * e.kernel_w);
    const Block<B> block(x, nb, dy, dy_first, e);
    const float* g = dy.data + block.n * dy_image;
    const int64_t cb = block.cb;
    const Lanes<B> mu = load_lanes<B>(mean + cb * B), sc = load_lanes<B>(scale + cb * B),
                   sh = load_lanes<B>(shift + cb * B);
    LaneSums<B> sums;
    for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow, sums.next()) {
            if (e.keeps_codes()) {
                Lanes<B> gv, xv;
                LaneInts<B> win;
                winner_gradient<B, A>(block, oh, ow, OW, codes + nb * OH * OW * B, g, dy.block, sc, sh, gv,
                                      win, xv);
                sums.s += gv;
                sums.q += gv * (xv - mu);
                continue;
            }
            const Lanes<B> gv = block.gather(g, oh * OW + ow, dy.block) * inv;
            block.for_each_in_window(oh, ow, [&](int32_t, const float* wp) {
                const Lanes<B> v = load_lanes<B>(wp);
                const Lanes<B> dz = gv * slope<A>(v * sc + sh);
                sums.s += dz;
                sums.q += dz * (v - mu);
            });
        }
    sums.store(part + nb * 2 * B);
}

// x <- k * (dz - a - (x - mean) * m) everywhere, dz the gradient reaching z (0 at the positions
// no pooled value depends on: a max-pool's losers, the rows / columns floor pooling drops).
template <int B, int A>
EMOTION_VECTOR_CLONES void input_gradient(const BlockedMap& x, int64_t nb, const StageEpilogue& e,
                                          const BlockedMap& dy, int dy_first, const uint8_t* codes,
                                          const float* mean, const float* scale, const float* shift,
                                          const float* kk, const float* a, const float* m) {
    const int64_t OH = dy.H, OW = dy.W, dy_image = dy.blocks() * OH * OW * dy.block;
    const float inv = 1.0f / static_cast<float>(e.kernel_h * e.kernel_w);
    const Block<B> block(x, nb, dy, dy_first, e);
    const int64_t cb = block.cb;
    const float* g = dy.data + block.n * dy_image;
    const uint8_t* code = e.keeps_codes() ? codes + nb * OH * OW * B : nullptr;
    const Lanes<B> mu = load_lanes<B>(mean + cb * B), sc = load_lanes<B>(scale + cb * B),
                   sh = load_lanes<B>(shift + cb * B);
    const Lanes<B> kc = load_lanes<B>(kk + cb * B), ac = load_lanes<B>(a + cb * B),
                   mc = load_lanes<B>(m + cb * B);
    // x <- k * (dz - a - (x - mean) * m) at one position of the map.
    auto update = [&](float* v, Lanes<B> dz) {
        store_lanes<B>(v, kc * (dz - ac - (load_lanes<B>(v) - mu) * mc));
    };
    for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
            if (code) {
                Lanes<B> gv, xv;
                LaneInts<B> win;
                winner_gradient<B, A>(block, oh, ow, OW, code, g, dy.block, sc, sh, gv, win, xv);
                block.for_each_in_window(
                    oh, ow, [&](int32_t at, float* v) { update(v, win == at ? gv : Lanes<B>{}); });
                continue;
            }
            const Lanes<B> gv = block.gather(g, oh * OW + ow, dy.block) * inv;
            block.for_each_in_window(
                oh, ow, [&](int32_t, float* v) { update(v, gv * slope<A>(load_lanes<B>(v) * sc + sh)); });
        }
    block.for_each_uncovered(OH, OW, [&](float* v) { update(v, Lanes<B>{}); });
}

void check_map(const BlockedMap& x, const BatchNorm2d& bn, int first) {
    if (!x.data || first < 0 || first + x.C > bn.channels())
        throw std::invalid_argument("bn_act_pool: channels " + std::to_string(first) + ".." +
                                    std::to_string(first + x.C) + " of a BatchNorm2d with " +
                                    std::to_string(bn.channels()));
}

} // namespace

int64_t pooled_code_count(const BlockedMap& x, const StageEpilogue& e) {
    if (!e.keeps_codes()) return 0;
    return x.N * x.blocks() * (x.H / e.kernel_h) * (x.W / e.kernel_w) * x.block;
}

void bn_batch_statistics(BatchNorm2d& bn, const BlockedMap& x, int first, BatchStatistics& stats) {
    check_map(x, bn, first);
    const int64_t count = x.N * x.H * x.W;
    if (count < 2) throw std::invalid_argument("BatchNorm2d: training needs more than one value per channel");
    const int64_t B = x.block, CB = x.blocks();
    stats.mean.resize(bn.channels());
    stats.inv_std.resize(bn.channels());
    // Shifted by each channel's first value for a stable variance, as BatchNorm2d::forward.
    std::vector<float> center(CB * B, 0.0f);
    for (int64_t c = 0; c < x.C; ++c) center[c] = x.data[(c / B) * x.H * x.W * B + c % B];
    std::vector<double> part(x.N * CB * 2 * B);
    with_block(x.block, [&](auto b) {
        for_each_block(x,
                       [&](int64_t nb) { moments<decltype(b)::value>(x, nb, center.data(), part.data()); });
    });
    for (int64_t c = 0; c < x.C; ++c) {
        double sum, sq;
        channel_totals(part, x, c, sum, sq);
        const double mean_shift = sum / count;
        const double var = std::max(0.0, sq / count - mean_shift * mean_shift);
        const double mean = center[c] + mean_shift;
        const int channel = first + static_cast<int>(c);
        stats.mean[channel] = static_cast<float>(mean);
        stats.inv_std[channel] = bn.record_batch_statistics(channel, mean, var, count);
    }
}

void bn_act_pool_forward(const BatchNorm2d& bn, const BatchStatistics& stats, const BlockedMap& x, int first,
                         const StageEpilogue& e, const BlockedMap& y, int y_first, uint8_t* codes) {
    check_map(x, bn, first);
    check_pooled(x, e, y, y_first, "forward");
    std::vector<float> scale, shift;
    affine_map(bn, stats, x, first, scale, shift);
    with_block(x.block, [&](auto b) {
        with_activation(e.activation, [&](auto a) {
            constexpr int B = decltype(b)::value, A = decltype(a)::value;
            for_each_block(x, [&](int64_t nb) {
                if (e.keeps_codes())
                    max_pool_forward<B, A>(x, nb, e, y, y_first, scale.data(), shift.data(), codes);
                else
                    average_pool_forward<B, A>(x, nb, e, y, y_first, scale.data(), shift.data());
            });
        });
    });
}

void bn_act_pool_backward(BatchNorm2d& bn, const BatchStatistics& stats, const BlockedMap& x, int first,
                          const StageEpilogue& e, const BlockedMap& dy, int dy_first, const uint8_t* codes) {
    check_map(x, bn, first);
    check_pooled(x, e, dy, dy_first, "backward");
    const int64_t B = x.block, CB = x.blocks(), count = x.N * x.H * x.W;
    std::vector<float> scale, shift;
    affine_map(bn, stats, x, first, scale, shift);
    std::vector<float> mean(CB * B, 0.0f), kk(CB * B, 0.0f), a(CB * B, 0.0f), m(CB * B, 0.0f);
    for (int64_t c = 0; c < x.C; ++c) mean[c] = stats.mean[first + c];
    std::vector<double> part(x.N * CB * 2 * B);
    with_block(x.block, [&](auto b) {
        with_activation(e.activation, [&](auto act) {
            for_each_block(x, [&](int64_t nb) {
                gradient_sums<decltype(b)::value, decltype(act)::value>(
                    x, nb, e, dy, dy_first, codes, mean.data(), scale.data(), shift.data(), part.data());
            });
        });
    });
    for (int64_t c = 0; c < x.C; ++c) {
        double sum_dz, sum_dz_xc;
        channel_totals(part, x, c, sum_dz, sum_dz_xc);
        const int channel = first + static_cast<int>(c);
        const double inv_std = stats.inv_std[channel];
        if (bn.weight.trainable) bn.weight.grad[channel] += static_cast<float>(sum_dz_xc * inv_std);
        if (bn.bias.trainable) bn.bias.grad[channel] += static_cast<float>(sum_dz);
        // dx = gamma * inv_std * (dz - mean(dz) - x_hat * mean(dz * x_hat)).
        kk[c] = static_cast<float>(bn.weight.value[channel] * inv_std);
        a[c] = static_cast<float>(sum_dz / count);
        m[c] = static_cast<float>(sum_dz_xc / count * inv_std * inv_std);
    }
    with_block(x.block, [&](auto b) {
        with_activation(e.activation, [&](auto act) {
            for_each_block(x, [&](int64_t nb) {
                input_gradient<decltype(b)::value, decltype(act)::value>(
                    x, nb, e, dy, dy_first, codes, mean.data(), scale.data(), shift.data(), kk.data(),
                    a.data(), m.data());
            });
        });
    });
}

} // namespace emotion::nn
