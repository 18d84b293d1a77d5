#include "nn/attention_pool2d.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/init.h"
#include "nn/loss.h"

namespace emotion::nn {

AttentionPool2d::AttentionPool2d(int channels, int classes)
    : top_weight(Shape{classes, channels, 1, 1}), bottom_weight(Shape{1, channels, 1, 1}),
      channels_(channels), classes_(classes) {
    if (channels <= 0 || classes <= 0)
        throw std::invalid_argument("AttentionPool2d: channels and classes must be positive, got " +
                                    std::to_string(channels) + " and " + std::to_string(classes));
}

ParameterTable AttentionPool2d::parameters() {
    return {{"top.weight", &top_weight}, {"bottom.weight", &bottom_weight}};
}

void AttentionPool2d::init_default(Rng& rng) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(channels_));
    uniform(top_weight.value, -bound, bound, rng);
    uniform(bottom_weight.value, -bound, bound, rng);
}

const Tensor& AttentionPool2d::forward(const Tensor& x, Mode) {
    if (x.rank() != 4 || x.dim(1) != channels_ || x.dim(2) * x.dim(3) == 0)
        throw std::invalid_argument("AttentionPool2d: input has shape " + shape_to_string(x.shape()) +
                                    ", expected [B, " + std::to_string(channels_) + ", H, W] with H*W > 0");
    const int64_t B = x.dim(0), C = channels_, K = classes_, P = x.dim(2) * x.dim(3);
    input_.copy_from(x);
    top_.resize({B, K, P});
    attention_.resize({B, x.dim(2), x.dim(3)});
    logits_.resize({B, K});
    for (int64_t b = 0; b < B; ++b) {
        const float* xb = x.data() + b * C * P;
        // T[k, p] = sum_c Wt[k, c] x[c, p]; S[p] = sum_c Wb[c] x[c, p], then a = softmax(S).
        float* tb = top_.data() + b * K * P;
        float* ab = attention_.data() + b * P;
        std::fill(tb, tb + K * P, 0.0f);
        std::fill(ab, ab + P, 0.0f);
        for (int64_t c = 0; c < C; ++c) {
            const float* xc = xb + c * P;
            for (int64_t k = 0; k < K; ++k) {
                const float w = top_weight.value[k * C + c];
                float* tk = tb + k * P;
                for (int64_t p = 0; p < P; ++p) tk[p] += w * xc[p];
            }
            const float wb = bottom_weight.value[c];
            for (int64_t p = 0; p < P; ++p) ab[p] += wb * xc[p];
        }
        softmax_in_place(ab, P);
        for (int64_t k = 0; k < K; ++k) {
            double sum = 0.0;
            for (int64_t p = 0; p < P; ++p) sum += static_cast<double>(tb[k * P + p]) * ab[p];
            logits_[b * K + k] = static_cast<float>(sum / P);
        }
    }
    return logits_;
}

const Tensor& AttentionPool2d::backward(const Tensor& dlogits) {
    if (input_.empty() || dlogits.shape() != logits_.shape())
        throw std::invalid_argument("AttentionPool2d::backward: gradient " +
                                    shape_to_string(dlogits.shape()) + " does not match logits " +
                                    shape_to_string(logits_.shape()) + " of the last forward");
    const Tensor& x = input_;
    const int64_t B = x.dim(0), C = channels_, K = classes_, P = x.dim(2) * x.dim(3);
    grad_input_.resize(x.shape());
    std::vector<float> d_score(P);
    for (int64_t b = 0; b < B; ++b) {
        const float* xb = x.data() + b * C * P;
        const float* tb = top_.data() + b * K * P;
        const float* ab = attention_.data() + b * P;
        const float* gl = dlogits.data() + b * K;
        const float inv_p = 1.0f / static_cast<float>(P);
        // dT[k, p] = g_k a_p / P; da_p = sum_k g_k T[k, p] / P; dS = a * (da - sum(a * da)).
        double dot = 0.0;
        for (int64_t p = 0; p < P; ++p) {
            float da = 0.0f;
            for (int64_t k = 0; k < K; ++k) da += gl[k] * tb[k * P + p];
            d_score[p] = da * inv_p;
            dot += static_cast<double>(ab[p]) * d_score[p];
        }
        for (int64_t p = 0; p < P; ++p) d_score[p] = ab[p] * (d_score[p] - static_cast<float>(dot));

        // dx[c, p] = Wb[c] dS[p] + a_p sum_k Wt[k, c] g_k / P; dWt[k, c] += g_k / P sum_p a_p x[c, p].
        float* gx = grad_input_.data() + b * C * P;
        for (int64_t c = 0; c < C; ++c) {
            const float* xc = xb + c * P;
            float* gc = gx + c * P;
            const float wb = bottom_weight.value[c];
            double d_bottom = 0.0, ax = 0.0;
            for (int64_t p = 0; p < P; ++p) {
                d_bottom += static_cast<double>(d_score[p]) * xc[p];
                ax += static_cast<double>(ab[p]) * xc[p];
            }
            if (bottom_weight.trainable) bottom_weight.grad[c] += static_cast<float>(d_bottom);
            float coef = 0.0f;
            for (int64_t k = 0; k < K; ++k) {
                const float gk = gl[k] * inv_p;
                coef += top_weight.value[k * C + c] * gk;
                if (top_weight.trainable) top_weight.grad[k * C + c] += static_cast<float>(gk * ax);
            }
            for (int64_t p = 0; p < P; ++p) gc[p] = wb * d_score[p] + coef * ab[p];
        }
    }
    return grad_input_;
}

} // namespace emotion::nn
