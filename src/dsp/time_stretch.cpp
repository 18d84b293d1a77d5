#include "dsp/time_stretch.h"

#include <algorithm>
#include <cmath>

#include "dsp/resample.h"
#include "dsp/vector_math.h"

namespace emotion::dsp {

namespace {

// Correlation of x[a..a+len) with x[b..b+len); samples outside x count as zero.
double similarity(const float* x, long count, long a, long b, long len) {
    const long lo = std::max({0L, -a, -b}), hi = std::min({len, count - a, count - b});
    return hi > lo ? dot(x + a + lo, x + b + lo, static_cast<size_t>(hi - lo)) : 0.0;
}

} // namespace

std::vector<float> time_stretch(const float* x, size_t count, double stretch, int rate) {
    const long frame = 2 * std::max(8L, std::lround(rate * 0.016));
    const long hop = frame / 2; // output hop; Hann windows at half overlap sum to one
    const long tolerance = std::max(1L, std::lround(rate * 0.008));
    const long n = static_cast<long>(count);
    const long out_count = std::lround(static_cast<double>(count) * stretch);
    std::vector<double> out(static_cast<size_t>(out_count + frame), 0.0);
    std::vector<double> weight(out.size(), 0.0);
    std::vector<double> window(static_cast<size_t>(frame));
    for (long i = 0; i < frame; ++i) window[i] = 0.5 - 0.5 * std::cos(6.283185307179586 * i / frame);

    long previous = 0;
    for (long k = 0; k * hop < out_count; ++k) {
        const long nominal = std::lround(static_cast<double>(k * hop) / stretch);
        long chosen = nominal;
        if (k > 0) {
            const long natural = previous + hop; // where the previous frame's sound goes on
            double best = -1e300;
            for (long candidate = std::max(0L, nominal - tolerance); candidate <= nominal + tolerance;
                 ++candidate) {
                const double s = similarity(x, n, natural, candidate, frame);
                if (s > best) best = s, chosen = candidate;
            }
        }
        for (long i = 0; i < frame; ++i) {
            const long source = chosen + i;
            const double sample = source >= 0 && source < n ? x[source] : 0.0;
            out[k * hop + i] += window[i] * sample;
            weight[k * hop + i] += window[i];
        }
        previous = chosen;
    }
    std::vector<float> result(static_cast<size_t>(out_count));
    for (long i = 0; i < out_count; ++i)
        result[i] = static_cast<float>(weight[i] > 1e-4 ? out[i] / weight[i] : 0.0);
    return result;
}

std::vector<float> pitch_shift(const float* x, size_t count, double semitones, int rate) {
    const double ratio = std::pow(2.0, semitones / 12.0);
    const std::vector<float> stretched = time_stretch(x, count, ratio, rate);
    std::vector<float> out = resample(stretched.data(), stretched.size(), ratio);
    out.resize(count, 0.0f);
    return out;
}

} // namespace emotion::dsp
