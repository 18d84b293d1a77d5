#include "nn/bn_relu_pool.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace emotion::nn {

namespace {

// Values summed in float lanes before they go into the double totals: short enough that the
// float partial sums stay as accurate as BatchNorm2d's.
constexpr int64_t kChunk = 256;
constexpr uint8_t kAlive = 0x80; // the window's maximum was > 0: ReLU passes its gradient

// Runs f with the block size as a compile-time constant, so the lane loops vectorise.
template <class F> void with_block(int block, F&& f) {
    switch (block) {
    case 16: f(std::integral_constant<int, 16>{}); break;
    case 8: f(std::integral_constant<int, 8>{}); break;
    case 1: f(std::integral_constant<int, 1>{}); break;
    default: throw std::invalid_argument("bn_relu_pool: unsupported channel block " + std::to_string(block));
    }
}

// Block nb of x (image n, channel block cb, `lanes` real channels) and where each of its lanes l
// lives in the pooled map y (channels y_first + c): offset[l] relative to y's (n, 0, oh, ow)
// position scaled by y.block; 0 for padding lanes.
template <int B> struct BlockLanes {
    int64_t n, cb;
    int lanes;
    int64_t offset[B];

    BlockLanes(const BlockedMap& x, int64_t nb, const BlockedMap& y, int y_first)
        : n(nb / x.blocks()), cb(nb % x.blocks()),
          lanes(static_cast<int>(std::min<int64_t>(B, x.C - cb * B))) {
        const int64_t plane = y.H * y.W * y.block;
        for (int l = 0; l < B; ++l) {
            const int64_t c = cb * B + l;
            const int64_t cy = y_first + c;
            offset[l] = c < x.C ? (cy / y.block) * plane + cy % y.block : 0;
        }
    }
};

// f(window position, pointer to its B lanes) over the k x k window at w0 of a map W wide.
template <int B, class T, class F> void for_each_in_window(T* w0, int k, int64_t W, F&& f) {
    for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j) f(static_cast<int32_t>(i * k + j), w0 + (i * W + j) * B);
}

// Two per-lane sums over `count` positions, add(p, s, q) adding position p's terms to the float
// lanes s and q: float partial sums over kChunk positions go into double totals, which land in
// part[0 .. B) and part[B .. 2B).
template <int B, class F> void chunked_lane_sums(int64_t count, double* part, F&& add) {
    double ds[B] = {}, dq[B] = {};
    for (int64_t p0 = 0; p0 < count; p0 += kChunk) {
        const int64_t p1 = std::min(count, p0 + kChunk);
        float fs[B] = {}, fq[B] = {};
        for (int64_t p = p0; p < p1; ++p) add(p, fs, fq);
        for (int l = 0; l < B; ++l) {
            ds[l] += fs[l];
            dq[l] += fq[l];
        }
    }
    for (int l = 0; l < B; ++l) {
        part[l] = ds[l];
        part[B + l] = dq[l];
    }
}

// Channel c's two sums over the images, from the per-(image, block) parts of chunked_lane_sums.
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

void check_pooled(const BlockedMap& x, int k, const BlockedMap& y, int y_first, const char* what) {
    if (k < 1 || k > 11 || x.H < k || x.W < k || y.N != x.N || y.H != x.H / k || y.W != x.W / k ||
        y_first < 0 || y_first + x.C > y.C)
        throw std::invalid_argument(std::string("bn_relu_pool: ") + what + " shapes do not match");
}

template <int B> void moments(const BlockedMap& x, const float* center, double* part) {
    const int64_t CB = x.blocks(), HW = x.H * x.W;
#pragma omp parallel for schedule(static)
    for (int64_t nb = 0; nb < x.N * CB; ++nb) {
        const float* in = x.data + nb * HW * B;
        const float* ctr = center + (nb % CB) * B;
        chunked_lane_sums<B>(HW, part + nb * 2 * B, [&](int64_t p, float* fs, float* fq) {
            for (int l = 0; l < B; ++l) {
                const float d = in[p * B + l] - ctr[l];
                fs[l] += d;
                fq[l] += d * d;
            }
        });
    }
}

// The lane loops below are branch-free (selects, not ifs) so they vectorise.

template <int B>
void pool_forward(const BlockedMap& x, int k, const BlockedMap& y, int y_first, const float* scale,
                  const float* shift, uint8_t* codes) {
    const int64_t CB = x.blocks(), H = x.H, W = x.W, OH = y.H, OW = y.W, yb = y.block;
    const int64_t y_image = y.blocks() * OH * OW * yb;
#pragma omp parallel for schedule(static)
    for (int64_t nb = 0; nb < x.N * CB; ++nb) {
        const BlockLanes<B> block(x, nb, y, y_first);
        const float* in = x.data + nb * H * W * B;
        const float* sc = scale + block.cb * B;
        const float* sh = shift + block.cb * B;
        uint8_t* code = codes + nb * OH * OW * B;
        float* out = y.data + block.n * y_image;
        for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow) {
                const float* w0 = in + (oh * k * W + ow * k) * B;
                float best[B];
                int32_t arg[B];
#pragma omp simd
                for (int l = 0; l < B; ++l) {
                    best[l] = w0[l] * sc[l] + sh[l];
                    arg[l] = 0;
                }
                for_each_in_window<B>(w0, k, W, [&](int32_t win, const float* wp) {
#pragma omp simd
                    for (int l = 0; l < B; ++l) {
                        const float v = wp[l] * sc[l] + sh[l];
                        const bool more = v > best[l]; // first maximum wins, as in PyTorch
                        arg[l] = more ? win : arg[l];
                        best[l] = more ? v : best[l];
                    }
                });
                const int64_t o = oh * OW + ow;
#pragma omp simd
                for (int l = 0; l < B; ++l)
                    code[o * B + l] = static_cast<uint8_t>(arg[l] | (best[l] > 0.0f ? kAlive : 0));
                for (int l = 0; l < block.lanes; ++l)
                    out[block.offset[l] + o * yb] = best[l] > 0.0f ? best[l] : 0.0f;
            }
    }
}

// Per lane of pooled value o: the gradient the pooling passes (0 where ReLU blocked it) and the
// winning window position.
template <int B>
void passed_gradient(const uint8_t* code, const float* g, const int64_t* offset, int lanes, float* gv,
                     int32_t* win) {
    for (int l = 0; l < B; ++l) {
        gv[l] = l < lanes && (code[l] & kAlive) ? g[offset[l]] : 0.0f;
        win[l] = code[l] & ~kAlive;
    }
}

// Per (n, block): sum(dy) and sum(dy * (x - mean)) over the values the pooling passed.
template <int B>
void gradient_sums(const BlockedMap& x, int k, const BlockedMap& dy, int dy_first, const uint8_t* codes,
                   const float* mean, double* part) {
    const int64_t CB = x.blocks(), W = x.W, OH = dy.H, OW = dy.W, db = dy.block;
    const int64_t dy_image = dy.blocks() * OH * OW * db;
#pragma omp parallel for schedule(static)
    for (int64_t nb = 0; nb < x.N * CB; ++nb) {
        const BlockLanes<B> block(x, nb, dy, dy_first);
        const float* in = x.data + nb * x.H * W * B;
        const float* g = dy.data + block.n * dy_image;
        const float* mu = mean + block.cb * B;
        const uint8_t* code = codes + nb * OH * OW * B;
        chunked_lane_sums<B>(OH * OW, part + nb * 2 * B, [&](int64_t o, float* fs, float* fq) {
            const int64_t oh = o / OW, ow = o % OW;
            float gv[B], xv[B] = {};
            int32_t win[B];
            passed_gradient<B>(code + o * B, g + o * db, block.offset, block.lanes, gv, win);
            for_each_in_window<B>(in + (oh * k * W + ow * k) * B, k, W, [&](int32_t at, const float* wp) {
#pragma omp simd
                for (int l = 0; l < B; ++l) xv[l] = win[l] == at ? wp[l] : xv[l];
            });
#pragma omp simd
            for (int l = 0; l < B; ++l) {
                fs[l] += gv[l];
                fq[l] += gv[l] * (xv[l] - mu[l]);
            }
        });
    }
}

// x <- k * (dy - a - (x - mean) * m) everywhere; dy is the pooled gradient at each window's
// arg-max and 0 elsewhere (also in the rows / columns the floor pooling drops).
template <int B>
void input_gradient(const BlockedMap& x, int k, const BlockedMap& dy, int dy_first, const uint8_t* codes,
                    const float* mean, const float* kk, const float* a, const float* m) {
    const int64_t CB = x.blocks(), H = x.H, W = x.W, OH = dy.H, OW = dy.W, db = dy.block;
    const int64_t dy_image = dy.blocks() * OH * OW * db;
#pragma omp parallel for schedule(static)
    for (int64_t nb = 0; nb < x.N * CB; ++nb) {
        const BlockLanes<B> block(x, nb, dy, dy_first);
        const int64_t cb = block.cb;
        float* io = x.data + nb * H * W * B;
        const float* g = dy.data + block.n * dy_image;
        const uint8_t* code = codes + nb * OH * OW * B;
        const float *mu = mean + cb * B, *kc = kk + cb * B, *ac = a + cb * B, *mc = m + cb * B;
        // Positions outside every window (floor pooling) get no pooled gradient.
        const auto plain = [&](int64_t h, int64_t w) {
            float* v = io + (h * W + w) * B;
#pragma omp simd
            for (int l = 0; l < B; ++l) v[l] = kc[l] * (0.0f - ac[l] - (v[l] - mu[l]) * mc[l]);
        };
        for (int64_t oh = 0; oh < OH; ++oh) {
            for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t o = oh * OW + ow;
                float gv[B];
                int32_t win[B];
                passed_gradient<B>(code + o * B, g + o * db, block.offset, block.lanes, gv, win);
                for_each_in_window<B>(io + (oh * k * W + ow * k) * B, k, W, [&](int32_t at, float* v) {
#pragma omp simd
                    for (int l = 0; l < B; ++l) {
                        const float d = win[l] == at ? gv[l] : 0.0f;
                        v[l] = kc[l] * (d - ac[l] - (v[l] - mu[l]) * mc[l]);
                    }
                });
            }
            for (int i = 0; i < k; ++i)
                for (int64_t w = OW * k; w < W; ++w) plain(oh * k + i, w);
        }
        for (int64_t h = OH * k; h < H; ++h)
            for (int64_t w = 0; w < W; ++w) plain(h, w);
    }
}

void check_map(const BlockedMap& x, const BatchNorm2d& bn, int first) {
    if (!x.data || first < 0 || first + x.C > bn.channels())
        throw std::invalid_argument("bn_relu_pool: channels " + std::to_string(first) + ".." +
                                    std::to_string(first + x.C) + " of a BatchNorm2d with " +
                                    std::to_string(bn.channels()));
}

} // namespace

int64_t pooled_code_count(const BlockedMap& x, int k) {
    return x.N * x.blocks() * (x.H / k) * (x.W / k) * x.block;
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
    with_block(x.block, [&](auto b) { moments<decltype(b)::value>(x, center.data(), part.data()); });
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

void bn_relu_pool_forward(const BatchNorm2d& bn, const BatchStatistics& stats, const BlockedMap& x, int first,
                          int k, const BlockedMap& y, int y_first, uint8_t* codes) {
    check_map(x, bn, first);
    check_pooled(x, k, y, y_first, "forward");
    const int64_t B = x.block, CB = x.blocks();
    std::vector<float> scale(CB * B, 0.0f), shift(CB * B, 0.0f); // padding lanes give 0
    for (int64_t c = 0; c < x.C; ++c) {
        const int channel = first + static_cast<int>(c);
        scale[c] = bn.weight.value[channel] * stats.inv_std[channel];
        shift[c] = bn.bias.value[channel] - stats.mean[channel] * scale[c];
    }
    with_block(x.block, [&](auto b) {
        pool_forward<decltype(b)::value>(x, k, y, y_first, scale.data(), shift.data(), codes);
    });
}

void bn_relu_pool_backward(BatchNorm2d& bn, const BatchStatistics& stats, const BlockedMap& x, int first,
                           int k, const BlockedMap& dy, int dy_first, const uint8_t* codes) {
    check_map(x, bn, first);
    check_pooled(x, k, dy, dy_first, "backward");
    const int64_t B = x.block, CB = x.blocks(), count = x.N * x.H * x.W;
    std::vector<float> mean(CB * B, 0.0f), kk(CB * B, 0.0f), a(CB * B, 0.0f), m(CB * B, 0.0f);
    for (int64_t c = 0; c < x.C; ++c) mean[c] = stats.mean[first + c];
    std::vector<double> part(x.N * CB * 2 * B);
    with_block(x.block, [&](auto b) {
        gradient_sums<decltype(b)::value>(x, k, dy, dy_first, codes, mean.data(), part.data());
    });
    for (int64_t c = 0; c < x.C; ++c) {
        double sum_dy, sum_dy_xc;
        channel_totals(part, x, c, sum_dy, sum_dy_xc);
        const int channel = first + static_cast<int>(c);
        const double inv_std = stats.inv_std[channel];
        if (bn.weight.trainable) bn.weight.grad[channel] += static_cast<float>(sum_dy_xc * inv_std);
        if (bn.bias.trainable) bn.bias.grad[channel] += static_cast<float>(sum_dy);
        // dx = gamma * inv_std * (dy - mean(dy) - x_hat * mean(dy * x_hat)).
        kk[c] = static_cast<float>(bn.weight.value[channel] * inv_std);
        a[c] = static_cast<float>(sum_dy / count);
        m[c] = static_cast<float>(sum_dy_xc / count * inv_std * inv_std);
    }
    with_block(x.block, [&](auto b) {
        input_gradient<decltype(b)::value>(x, k, dy, dy_first, codes, mean.data(), kk.data(), a.data(),
                                           m.data());
    });
}

} // namespace emotion::nn
