// Constant tables of the pyAudioAnalysis spectral features for 400-sample frames at 16 kHz:
// the scikits.talkbox MFCC filterbank (built for nfft = 200, as pyAudioAnalysis calls it), the
// orthonormal DCT-II rows and the chroma note map, each reproducing pyAudioAnalysis's quirks.
#pragma once

#include <array>
#include <vector>

namespace emotion::dsp {

constexpr int kSpectrumBins = 200; // |FFT_400| bins 0..199
constexpr int kMfccFilters = 40;
constexpr int kMfccCoefficients = 13;
constexpr int kChromaClasses = 12;

// One triangle: weights[i] applies to spectrum bin first_bin + i.
struct MfccFilter {
    int first_bin = 0;
    std::vector<double> weights;
};

// One chroma contribution: power of spectrum bin `bin`, divided by `divisor`, added to class
// `chroma_class`.
struct ChromaTerm {
    int bin;
    int chroma_class;
    double divisor;
};

struct LldTables {
    std::array<MfccFilter, kMfccFilters> mfcc_filters;
    std::array<std::array<double, kMfccFilters>, kMfccCoefficients> dct; // orthonormal DCT-II
    std::vector<ChromaTerm> chroma_terms;                                // in summation order
};

// Built once on first use (thread-safe), then shared read-only.
const LldTables& lld_tables();

} // namespace emotion::dsp
