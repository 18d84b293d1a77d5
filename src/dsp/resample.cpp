// Windowed-sinc interpolation: each output sample sums the input under a Blackman-windowed sinc
// of kZeroCrossings lobes each side. The kernel is tabulated once (a sin and two cos per tap
// would cost several times the filtering itself), and for each call laid out as a polyphase bank:
// kPhases rows of taps at fractional offsets 0, 1/kPhases, ..., 1, so an output sample is two
// contiguous dot products (the rows either side of its offset), linearly blended.
#include "dsp/resample.h"

#include <algorithm>
#include <cmath>

#include "dsp/vector_math.h"

namespace emotion::dsp {

namespace {

constexpr int kZeroCrossings = 16;
constexpr int kTableSteps = 256; // table entries per zero crossing
constexpr int kPhases = 256;     // bank rows per input sample

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

// Row p holds, for an output at input position base + p / kPhases, the weights of input samples
// base - reach + 1 ... base + reach (scaled by the cutoff, so a row sums to about 1).
struct PolyphaseBank {
    long reach = 0, taps = 0;
    std::vector<float> rows; // (kPhases + 1) x taps

    explicit PolyphaseBank(double cutoff) {
        const auto& table = kernel_table();
        reach = static_cast<long>(std::ceil(kZeroCrossings / cutoff)) + 1;
        taps = 2 * reach;
        rows.resize(static_cast<size_t>((kPhases + 1) * taps));
        for (long p = 0; p <= kPhases; ++p) {
            const double offset = static_cast<double>(p) / kPhases;
            for (long m = 0; m < taps; ++m) {
                const double distance = std::fabs(offset - static_cast<double>(m - reach + 1));
                rows[p * taps + m] = static_cast<float>(kernel(table, distance * cutoff) * cutoff);
            }
        }
    }
    const float* row(long p) const { return rows.data() + p * taps; }
};

} // namespace

std::vector<float> resample(const float* x, size_t count, double step) {
    const size_t out_count = static_cast<size_t>(std::llround(static_cast<double>(count) / step));
    std::vector<float> out(out_count, 0.0f);
    const double cutoff = std::min(1.0, 1.0 / step); // of the input's Nyquist frequency
    const PolyphaseBank bank(cutoff);
    const long n = static_cast<long>(count);
    std::vector<float> edge(static_cast<size_t>(bank.taps)); // input around the ends, zero-padded
    for (size_t j = 0; j < out_count; ++j) {
        const double t = static_cast<double>(j) * step;
        const long base = static_cast<long>(std::floor(t));
        const double phase = (t - static_cast<double>(base)) * kPhases;
        const long p = std::min(static_cast<long>(phase), static_cast<long>(kPhases - 1));
        const float blend = static_cast<float>(phase - static_cast<double>(p));
        const long first = base - bank.reach + 1;
        const float* input = edge.data();
        if (first >= 0 && first + bank.taps <= n)
            input = x + first;
        else
            for (long m = 0; m < bank.taps; ++m)
                edge[m] = first + m >= 0 && first + m < n ? x[first + m] : 0.0f;
        const float below = dot(bank.row(p), input, bank.taps),
                    above = dot(bank.row(p + 1), input, bank.taps);
        out[j] = below + blend * (above - below);
    }
    return out;
}

std::vector<float> resample_rate(const std::vector<float>& x, int from_rate, int to_rate) {
    if (from_rate == to_rate) return x;
    return resample(x.data(), x.size(), static_cast<double>(from_rate) / to_rate);
}

} // namespace emotion::dsp
