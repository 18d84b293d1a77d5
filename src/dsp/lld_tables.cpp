// Reconstruction of pyAudioAnalysis ShortTermFeatures.mfcc_filter_banks and
// chroma_features_init/chroma_features (shared/reference/README.md, quirks 6 and 7).
#include "dsp/lld_tables.h"

#include <cmath>

namespace emotion::dsp {

namespace {

constexpr double kRate = 16000.0;

// talkbox bank: 13 linear filters from 133.33 Hz every 200/3 Hz, then 27 log-spaced ones.
// pyAudioAnalysis passes nfft = 200 (half the frame), so bin k is treated as k * 80 Hz.
void build_mfcc_filters(LldTables& tables) {
    const int num_fft = kSpectrumBins;
    const double lowfreq = 133.33, linc = 200.0 / 3.0, logsc = 1.0711703;
    constexpr int num_lin = 13, num_log = 27;
    static_assert(num_lin + num_log == kMfccFilters, "talkbox bank: 13 linear + 27 log filters");
    double freqs[kMfccFilters + 2];
    for (int i = 0; i < num_lin; ++i) freqs[i] = lowfreq + i * linc;
    for (int i = num_lin; i < kMfccFilters + 2; ++i)
        freqs[i] = freqs[num_lin - 1] * std::pow(logsc, i - num_lin + 1);

    for (int i = 0; i < kMfccFilters; ++i) {
        const double low = freqs[i], centre = freqs[i + 1], high = freqs[i + 2];
        const double height = 2.0 / (high - low);
        const double lslope = height / (centre - low), rslope = height / (high - centre);
        const int lid_begin = static_cast<int>(std::floor(low * num_fft / kRate)) + 1;
        const int mid = static_cast<int>(std::floor(centre * num_fft / kRate)) + 1;
        const int rid_end = static_cast<int>(std::floor(high * num_fft / kRate)) + 1;
        MfccFilter& filter = tables.mfcc_filters[i];
        filter.first_bin = lid_begin;
        for (int k = lid_begin; k < rid_end && k < num_fft; ++k) {
            const double f = k / (1.0 * num_fft) * kRate;
            filter.weights.push_back(k < mid ? lslope * (f - low) : rslope * (high - f));
        }
    }
}

void build_dct(LldTables& tables) {
    const double pi = 3.14159265358979323846;
    for (int k = 0; k < kMfccCoefficients; ++k) {
        const double scale = std::sqrt((k == 0 ? 1.0 : 2.0) / kMfccFilters);
        for (int n = 0; n < kMfccFilters; ++n)
            tables.dct[k][n] = scale * std::cos(pi * k * (2 * n + 1) / (2.0 * kMfccFilters));
    }
}

// pyAudioAnalysis: note[b] = round(12 log2(f_b / 27.5)) with f_b = (b + 1) * 40 Hz; C[note[b]] =
// power[b] (the last bin of a note overwrites the others); C[i] /= count[note[i]] where count[j]
// is the number of bins sharing bin j's note (the "wrong index"); class = i mod 12.
void build_chroma(LldTables& tables) {
    int note[kSpectrumBins];
    for (int b = 0; b < kSpectrumBins; ++b) {
        const double f = ((b + 1) * kRate) / (2.0 * kSpectrumBins);
        note[b] = static_cast<int>(std::nearbyint(12.0 * std::log2(f / 27.5)));
    }
    double count[kSpectrumBins];
    for (int b = 0; b < kSpectrumBins; ++b) {
        int same = 0;
        for (int other = 0; other < kSpectrumBins; ++other) same += note[other] == note[b];
        count[b] = same;
    }
    for (int i = 0; i < kSpectrumBins; ++i) {
        int last_bin = -1;
        for (int b = 0; b < kSpectrumBins; ++b)
            if (note[b] == i) last_bin = b;
        if (last_bin < 0) continue;
        tables.chroma_terms.push_back({last_bin, i % kChromaClasses, count[note[i]]});
    }
}

LldTables build_tables() {
    LldTables tables;
    build_mfcc_filters(tables);
    build_dct(tables);
    build_chroma(tables);
    return tables;
}

} // namespace

const LldTables& lld_tables() {
    static const LldTables tables = build_tables();
    return tables;
}

} // namespace emotion::dsp
