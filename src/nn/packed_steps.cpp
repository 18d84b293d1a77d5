#include "nn/packed_steps.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "nn/padded_sequences.h"

namespace emotion::nn {

void PackedSteps::pack(const std::vector<int>& lengths) {
    lengths_ = lengths;
    const int B = static_cast<int>(lengths.size());
    items_.resize(B);
    std::iota(items_.begin(), items_.end(), 0);
    std::stable_sort(items_.begin(), items_.end(), [&](int a, int b) { return lengths[a] > lengths[b]; });
    const int64_t S = B ? lengths[items_.front()] : 0;
    counts_.assign(S, 0);
    for (int L : lengths)
        for (int64_t t = 0; t < L; ++t) ++counts_[t];
    first_rows_.resize(S);
    rows_ = 0;
    for (int64_t t = 0; t < S; ++t) {
        first_rows_[t] = rows_;
        rows_ += counts_[t];
    }
    last_row_of_.resize(B);
    for (int r = 0; r < B; ++r) {
        const int b = items_[r];
        last_row_of_[b] = first_rows_[lengths[b] - 1] + r;
    }
}

void PackedSteps::gather(const float* frames, int64_t T, int64_t width, int64_t offset, int64_t n, int d,
                         float* rows) const {
    for (int64_t r = 0; r < batch(); ++r) {
        const int b = items_[r];
        const int64_t L = lengths_[b];
        const float* src = frames + b * T * width + offset;
        for (int64_t t = 0; t < L; ++t)
            std::memcpy(rows + (first_rows_[t] + r) * n, src + frame_of_step(d, t, L) * width,
                        sizeof(float) * n);
    }
}

void PackedSteps::scatter(const float* rows, int64_t n, int d, float* frames, int64_t T, int64_t width,
                          int64_t offset, bool add) const {
    for (int64_t r = 0; r < batch(); ++r) {
        const int b = items_[r];
        const int64_t L = lengths_[b];
        float* dst = frames + b * T * width + offset;
        for (int64_t t = 0; t < L; ++t) {
            const float* __restrict src = rows + (first_rows_[t] + r) * n;
            float* __restrict out = dst + frame_of_step(d, t, L) * width;
            if (add)
                for (int64_t k = 0; k < n; ++k) out[k] += src[k];
            else
                std::memcpy(out, src, sizeof(float) * n);
        }
    }
}

void PackedSteps::sum_directions(const float* forward, const float* reverse, int64_t n, float* frames,
                                 int64_t T) const {
    const int64_t B = batch();
#pragma omp parallel for schedule(static) if (B > 4)
    for (int64_t r = 0; r < B; ++r) {
        const int b = items_[r];
        const int64_t L = lengths_[b];
        float* dst = frames + b * T * n;
        for (int64_t f = 0; f < L; ++f) {
            const float* __restrict a = forward + (first_rows_[f] + r) * n;
            float* __restrict out = dst + f * n;
            if (reverse) {
                const float* __restrict z = reverse + (first_rows_[L - 1 - f] + r) * n;
                for (int64_t k = 0; k < n; ++k) out[k] = a[k] + z[k];
            } else {
                std::memcpy(out, a, sizeof(float) * n);
            }
        }
        std::memset(dst + L * n, 0, sizeof(float) * (T - L) * n);
    }
}

void PackedSteps::last_rows(const float* rows, int64_t n, float* out) const {
    for (int64_t b = 0; b < batch(); ++b)
        std::memcpy(out + b * n, rows + last_row_of_[b] * n, sizeof(float) * n);
}

} // namespace emotion::nn
