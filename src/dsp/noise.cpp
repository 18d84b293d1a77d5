#include "dsp/noise.h"

#include <cmath>

namespace emotion::dsp {

namespace {

void remove_mean_and_normalise(std::vector<float>& x) {
    if (x.empty()) return;
    double mean = 0.0;
    for (float v : x) mean += v;
    mean /= static_cast<double>(x.size());
    for (float& v : x) v = static_cast<float>(v - mean);
    const double power = mean_square(x.data(), x.size());
    if (power <= 0.0) return;
    const double scale = 1.0 / std::sqrt(power);
    for (float& v : x) v = static_cast<float>(v * scale);
}

} // namespace

double mean_square(const float* x, size_t count) {
    if (count == 0) return 0.0;
    double acc = 0.0;
    for (size_t i = 0; i < count; ++i) acc += static_cast<double>(x[i]) * x[i];
    return acc / static_cast<double>(count);
}

std::vector<float> coloured_noise(NoiseColour colour, size_t count, AugmentRng& rng) {
    std::vector<float> out(count);
    double b[7] = {0, 0, 0, 0, 0, 0, 0};
    double brown = 0.0;
    for (size_t i = 0; i < count; ++i) {
        const double white = rng.normal();
        switch (colour) {
        case NoiseColour::white: out[i] = static_cast<float>(white); break;
        case NoiseColour::pink:
            b[0] = 0.99886 * b[0] + white * 0.0555179;
            b[1] = 0.99332 * b[1] + white * 0.0750759;
            b[2] = 0.96900 * b[2] + white * 0.1538520;
            b[3] = 0.86650 * b[3] + white * 0.3104856;
            b[4] = 0.55000 * b[4] + white * 0.5329522;
            b[5] = -0.7616 * b[5] - white * 0.0168980;
            out[i] = static_cast<float>(b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + white * 0.5362);
            b[6] = white * 0.115926;
            break;
        case NoiseColour::brown: // the leak keeps it bounded; its corner is ~8 Hz at 16 kHz
            brown = 0.997 * brown + white;
            out[i] = static_cast<float>(brown);
            break;
        }
    }
    remove_mean_and_normalise(out);
    return out;
}

std::vector<float> babble(const std::vector<std::vector<float>>& talkers, size_t count, int voices,
                          AugmentRng& rng) {
    std::vector<float> out(count, 0.0f);
    bool any = false;
    for (int v = 0; v < voices && !talkers.empty(); ++v) {
        const std::vector<float>& talker = talkers[rng.below(talkers.size())];
        const double power = mean_square(talker.data(), talker.size());
        if (power <= 0.0) continue;
        const float scale = static_cast<float>(1.0 / std::sqrt(power));
        size_t position = rng.below(talker.size());
        for (size_t i = 0; i < count; ++i) {
            out[i] += scale * talker[position];
            if (++position == talker.size()) position = 0;
        }
        any = true;
    }
    if (!any) return {};
    remove_mean_and_normalise(out);
    return out;
}

bool add_at_snr(float* x, const float* noise, size_t count, double snr_db) {
    const double signal = mean_square(x, count), noise_power = mean_square(noise, count);
    if (signal <= 0.0 || noise_power <= 0.0) return false;
    const double gain = std::sqrt(signal / (noise_power * std::pow(10.0, snr_db / 10.0)));
    for (size_t i = 0; i < count; ++i) x[i] = static_cast<float>(x[i] + gain * noise[i]);
    return true;
}

} // namespace emotion::dsp
