#include "nn/alstm_cell.h"

#include <algorithm>
#include <cmath>

#include "nn/rnn_kernels.h"

namespace emotion::nn::detail {

namespace {

constexpr int kMaxSlots = 16; // nn::Alstm allows at most 16 offsets

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

void combine_forward(const float* const* c_prev, const float* const* h_prev, int n, const float* w, int H,
                     float* cp, float* hp, float* alpha, float* beta) {
    if (w) {
        float scores[kMaxSlots] = {};
        for (int s = 0; s < n; ++s) scores[s] = dot(w, c_prev[s], H);
        softmax_small(scores, n, alpha);
        for (int s = 0; s < n; ++s) scores[s] = dot(w, h_prev[s], H);
        softmax_small(scores, n, beta);
    } else {
        for (int s = 0; s < n; ++s) alpha[s] = beta[s] = 1.0f / n;
    }
    weighted_sum(c_prev, alpha, n, cp, H);
    weighted_sum(h_prev, beta, n, hp, H);
}

// Through alpha = softmax(w . c_prev) and beta = softmax(w . h_prev) when w is given.
void combine_backward(const float* const* c_prev, const float* const* h_prev, int n, const float* alpha,
                      const float* beta, const float* dcp, const float* dhp, const float* w, float* dw,
                      float* const* dc_prev, float* const* dh_prev, int H) {
    if (!w) {
        for (int s = 0; s < n; ++s) {
            axpy(dc_prev[s], alpha[s], dcp, H);
            axpy(dh_prev[s], beta[s], dhp, H);
        }
        return;
    }
    float da[kMaxSlots], ds_c[kMaxSlots], ds_h[kMaxSlots];
    float sum = 0.0f;
    for (int s = 0; s < n; ++s) {
        da[s] = dot(dcp, c_prev[s], H);
        sum += alpha[s] * da[s];
    }
    for (int s = 0; s < n; ++s) ds_c[s] = alpha[s] * (da[s] - sum);
    sum = 0.0f;
    for (int s = 0; s < n; ++s) {
        da[s] = dot(dhp, h_prev[s], H);
        sum += beta[s] * da[s];
    }
    for (int s = 0; s < n; ++s) ds_h[s] = beta[s] * (da[s] - sum);
    for (int s = 0; s < n; ++s) {
        if (dw) {
            axpy(dw, ds_c[s], c_prev[s], H);
            axpy(dw, ds_h[s], h_prev[s], H);
        }
        axpby_add(dc_prev[s], alpha[s], dcp, ds_c[s], w, H);
        axpby_add(dh_prev[s], beta[s], dhp, ds_h[s], w, H);
    }
}

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

} // namespace emotion::nn::detail
