#include "nn/features.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace emotion::nn {

void znormalize(const Tensor& raw, const std::vector<int>& lengths, Tensor& out, float floor) {
    if (raw.rank() != 3)
        throw std::invalid_argument("znormalize: input " + shape_to_string(raw.shape()) +
                                    ", expected [B, T, F]");
    const int64_t B = raw.dim(0), T = raw.dim(1), F = raw.dim(2);
    if (static_cast<int64_t>(lengths.size()) != B)
        throw std::invalid_argument("znormalize: " + std::to_string(lengths.size()) +
                                    " lengths for a batch of " + std::to_string(B));
    out.resize(raw.shape(), true);
    std::vector<double> mean(F), var(F); // var ends as 1 / max(std, floor)
    for (int64_t b = 0; b < B; ++b) {
        const int64_t L = lengths[b];
        if (L < 0 || L > T)
            throw std::invalid_argument("znormalize: length " + std::to_string(L) + " of item " +
                                        std::to_string(b) + " outside [0, " + std::to_string(T) + "]");
        const float* x = raw.data() + b * T * F;
        float* y = out.data() + b * T * F;
        std::fill(mean.begin(), mean.end(), 0.0);
        std::fill(var.begin(), var.end(), 0.0);
        for (int64_t t = 0; t < L; ++t)
            for (int64_t f = 0; f < F; ++f) mean[f] += x[t * F + f];
        for (int64_t f = 0; f < F; ++f) mean[f] /= std::max<int64_t>(L, 1);
        for (int64_t t = 0; t < L; ++t)
            for (int64_t f = 0; f < F; ++f) {
                double c = x[t * F + f] - mean[f];
                var[f] += c * c;
            }
        for (int64_t f = 0; f < F; ++f)
            var[f] = 1.0 / std::max(std::sqrt(var[f] / std::max<int64_t>(L, 1)), static_cast<double>(floor));
        for (int64_t t = 0; t < L; ++t)
            for (int64_t f = 0; f < F; ++f)
                y[t * F + f] = static_cast<float>((x[t * F + f] - mean[f]) * var[f]);
        for (int64_t i = L * F; i < T * F; ++i) y[i] = 0.0f; // padded frames
    }
}

Tensor sinusoidal_positions(int T, int d) {
    if (T < 0 || d <= 0)
        throw std::invalid_argument("sinusoidal_positions: T " + std::to_string(T) + ", d " +
                                    std::to_string(d));
    Tensor pe({T, d});
    for (int j = 0; j < d; ++j) {
        const double inv_freq = std::pow(10000.0, -2.0 * (j / 2) / d);
        for (int pos = 0; pos < T; ++pos) {
            const double angle = pos * inv_freq;
            pe[static_cast<int64_t>(pos) * d + j] =
                static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
        }
    }
    return pe;
}

} // namespace emotion::nn
