#include "nn/rnn_kernels.h"

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

} // namespace emotion::nn::detail
