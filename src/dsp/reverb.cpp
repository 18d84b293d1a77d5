#include "dsp/reverb.h"

#include <algorithm>
#include <cmath>
#include <complex>

#include "dsp/fft.h"
#include "dsp/noise.h"

namespace emotion::dsp {

namespace {

// The tail starts this far below the direct sound (a distant talker in a small room).
constexpr double kTailLevel = 0.3;

size_t next_power_of_two(size_t n) {
    size_t p = 2;
    while (p < n) p *= 2;
    return p;
}

} // namespace

std::vector<float> synthetic_rir(double rt60, int rate, AugmentRng& rng) {
    const size_t taps = static_cast<size_t>(std::lround(1.5 * rt60 * rate)) + 1;
    // amplitude e^(-k t) falls 60 dB (x 1/1000) at t = rt60
    const double k = 3.0 * std::log(10.0) / rt60;
    std::vector<float> h(taps);
    h[0] = 1.0f;
    for (size_t i = 1; i < taps; ++i)
        h[i] = static_cast<float>(kTailLevel * rng.normal() * std::exp(-k * static_cast<double>(i) / rate));
    return h;
}

std::vector<float> convolve(const float* x, size_t count, const float* h, size_t taps) {
    if (count == 0 || taps == 0) return std::vector<float>(count, 0.0f);
    const size_t n = next_power_of_two(count + taps - 1);
    RealFft fft(static_cast<int>(n));
    std::vector<float> a(n, 0.0f), b(n, 0.0f);
    std::copy(x, x + count, a.begin());
    std::copy(h, h + taps, b.begin());
    std::vector<std::complex<float>> fa(n / 2 + 1), fb(n / 2 + 1);
    fft.forward(a.data(), fa.data());
    fft.forward(b.data(), fb.data());
    const float scale = 1.0f / static_cast<float>(n); // FFTW's inverse is unnormalised
    for (size_t i = 0; i < fa.size(); ++i) fa[i] *= fb[i] * scale;
    fft.inverse_destroying_input(fa.data(), a.data());
    a.resize(count);
    return a;
}

void reverberate(float* x, size_t count, double rt60, int rate, AugmentRng& rng) {
    const double before = mean_square(x, count);
    const std::vector<float> h = synthetic_rir(rt60, rate, rng);
    const std::vector<float> wet = convolve(x, count, h.data(), h.size());
    const double after = mean_square(wet.data(), count);
    const double scale = after > 0.0 ? std::sqrt(before / after) : 0.0;
    for (size_t i = 0; i < count; ++i) x[i] = static_cast<float>(wet[i] * scale);
}

} // namespace emotion::dsp
