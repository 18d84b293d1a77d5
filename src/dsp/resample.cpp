// Windowed-sinc interpolation: each output sample sums the input under a Blackman-windowed sinc
// of kZeroCrossings lobes each side, read from a table (a sin and two cos per tap would cost
// several times the filtering itself).
#include "dsp/resample.h"

#include <algorithm>
#include <cmath>

namespace emotion::dsp {

namespace {

constexpr int kZeroCrossings = 16;
constexpr int kTableSteps = 256; // table entries per zero crossing

const std::vector<float>& kernel_table() {
    static const std::vector<float> table = [] {
        const double pi = 3.141592653589793;
        std::vector<float> t(kZeroCrossings * kTableSteps + 2, 0.0f);
        for (int i = 0; i <= kZeroCrossings * kTableSteps; ++i) {
            const double u = static_cast<double>(i) / kTableSteps;
            const double sinc = i == 0 ? 1.0 : std::sin(pi * u) / (pi * u);
            const double w = u / kZeroCrossings;
            const double window = 0.42 + 0.5 * std::cos(pi * w) + 0.08 * std::cos(2.0 * pi * w);
            t[i] = static_cast<float>(sinc * window);
        }
        return t;
    }();
    return table;
}

// The kernel at distance u (in lobes, u >= 0), linearly interpolated in the table.
inline float kernel(const std::vector<float>& table, double u) {
    const double position = u * kTableSteps;
    const size_t i = static_cast<size_t>(position);
    if (i >= static_cast<size_t>(kZeroCrossings * kTableSteps)) return 0.0f;
    const float frac = static_cast<float>(position - static_cast<double>(i));
    return table[i] + frac * (table[i + 1] - table[i]);
}

} // namespace

std::vector<float> resample(const float* x, size_t count, double step) {
    const auto& table = kernel_table();
    const size_t out_count = static_cast<size_t>(std::llround(static_cast<double>(count) / step));
    std::vector<float> out(out_count, 0.0f);
    const double cutoff = std::min(1.0, 1.0 / step); // of the input's Nyquist frequency
    const double half_width = kZeroCrossings / cutoff;
    const long last = static_cast<long>(count) - 1;
    for (size_t j = 0; j < out_count; ++j) {
        const double t = static_cast<double>(j) * step;
        const long first = std::max(0L, static_cast<long>(std::ceil(t - half_width)));
        const long end = std::min(last, static_cast<long>(std::floor(t + half_width)));
        double acc = 0.0;
        for (long k = first; k <= end; ++k)
            acc += x[k] * kernel(table, std::fabs(t - static_cast<double>(k)) * cutoff);
        out[j] = static_cast<float>(acc * cutoff);
    }
    return out;
}

std::vector<float> resample_rate(const std::vector<float>& x, int from_rate, int to_rate) {
    if (from_rate == to_rate) return x;
    return resample(x.data(), x.size(), static_cast<double>(from_rate) / to_rate);
}

} // namespace emotion::dsp
