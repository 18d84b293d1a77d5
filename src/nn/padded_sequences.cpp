#include "nn/padded_sequences.h"

#include <cstring>
#include <stdexcept>

namespace emotion::nn {

void check_padded_batch(const std::string& who, const Tensor& x, int64_t features,
                        const std::vector<int>& lengths, const char* what) {
    if (x.rank() != 3 || x.dim(2) != features)
        throw std::invalid_argument(who + ": " + what + " " + shape_to_string(x.shape()) +
                                    ", expected [B, T, " + std::to_string(features) + "]");
    const int64_t B = x.dim(0), T = x.dim(1);
    if (static_cast<int64_t>(lengths.size()) != B)
        throw std::invalid_argument(who + ": " + std::to_string(lengths.size()) + " lengths for a batch of " +
                                    std::to_string(B));
    for (int L : lengths)
        if (L < 1 || L > T)
            throw std::invalid_argument(who + ": length " + std::to_string(L) + " outside [1, " +
                                        std::to_string(T) + "]");
}

void to_step_order(const float* frames, int64_t T, int64_t width, int64_t offset, int64_t n, int d,
                   const std::vector<int>& lengths, float* steps, int64_t steps_per_item) {
    for (size_t b = 0; b < lengths.size(); ++b) {
        const int64_t L = lengths[b];
        const float* src = frames + b * T * width + offset;
        float* dst = steps + b * steps_per_item * n;
        for (int64_t t = 0; t < L; ++t)
            std::memcpy(dst + t * n, src + frame_of_step(d, t, L) * width, sizeof(float) * n);
        std::memset(dst + L * n, 0, sizeof(float) * (steps_per_item - L) * n);
    }
}

void to_frame_order(const float* const* steps, int dirs, int64_t steps_per_item,
                    const std::vector<int>& lengths, int64_t T, int64_t H, float* y) {
    const int64_t D = dirs * H;
    for (size_t b = 0; b < lengths.size(); ++b) {
        const int64_t L = lengths[b];
        float* yb = y + b * T * D;
        for (int d = 0; d < dirs; ++d) {
            const float* s = steps[d] + b * steps_per_item * H;
            for (int64_t t = 0; t < L; ++t)
                std::memcpy(yb + frame_of_step(d, t, L) * D + d * H, s + t * H, sizeof(float) * H);
        }
        std::memset(yb + L * D, 0, sizeof(float) * (T - L) * D);
    }
}

void last_steps(const float* steps, int64_t steps_per_item, const std::vector<int>& lengths, int64_t H,
                float* out) {
    for (size_t b = 0; b < lengths.size(); ++b)
        std::memcpy(out + b * H, steps + (b * steps_per_item + lengths[b] - 1) * H, sizeof(float) * H);
}

} // namespace emotion::nn
