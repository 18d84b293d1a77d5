#include "nn/rnn_kernels.h"

#include <stdexcept>

#include <oneapi/dnnl/dnnl.hpp>

namespace emotion::nn::detail {

EMOTION_VECTOR_CLONES
float dot(const float* a, const float* b, int64_t n) {
    float acc[16] = {};
    int64_t k = 0;
    for (; k + 16 <= n; k += 16)
        for (int j = 0; j < 16; ++j) acc[j] += a[k + j] * b[k + j];
    float s = 0.0f;
    for (; k < n; ++k) s += a[k] * b[k];
    for (int j = 0; j < 16; ++j) s += acc[j];
    return s;
}

EMOTION_VECTOR_CLONES
void axpy(float* out, float a, const float* x, int64_t n) {
    for (int64_t k = 0; k < n; ++k) out[k] += a * x[k];
}

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

void gemm(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    if (m == 0 || n == 0) return;
    if (dnnl::sgemm(trans_a, trans_b, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc) != dnnl::status::success)
        throw std::runtime_error("oneDNN sgemm failed");
}

} // namespace emotion::nn::detail
