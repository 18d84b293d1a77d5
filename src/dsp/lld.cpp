// LLD features 0-33 with pyAudioAnalysis semantics (shared/reference/README.md), 34-35 from
// PitchEstimator. The FFT and its magnitude run in float32 (as accurate as the FFT itself);
// everything after runs in float64, because the entropies and the MFCC logarithms of near-silent
// bins amplify float32 round-off.
#include "dsp/lld.h"

#include "dsp/fft.h"
#include "dsp/lld_tables.h"
#include "dsp/pitch.h"
#include "dsp/vector_math.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <complex>

namespace emotion::dsp {

namespace {

constexpr double kEps = DBL_EPSILON; // pyAudioAnalysis eps, also where float32 would suffice
constexpr int kBlocks = 10;          // sub-blocks of both entropies
constexpr double kLog10Of2 = 0.30102999566398119521;

const char* const kNames[kLldFeatures] = {"zcr",
                                          "energy",
                                          "energy_entropy",
                                          "spectral_centroid",
                                          "spectral_spread",
                                          "spectral_entropy",
                                          "spectral_flux",
                                          "spectral_rolloff",
                                          "mfcc_1",
                                          "mfcc_2",
                                          "mfcc_3",
                                          "mfcc_4",
                                          "mfcc_5",
                                          "mfcc_6",
                                          "mfcc_7",
                                          "mfcc_8",
                                          "mfcc_9",
                                          "mfcc_10",
                                          "mfcc_11",
                                          "mfcc_12",
                                          "mfcc_13",
                                          "chroma_1",
                                          "chroma_2",
                                          "chroma_3",
                                          "chroma_4",
                                          "chroma_5",
                                          "chroma_6",
                                          "chroma_7",
                                          "chroma_8",
                                          "chroma_9",
                                          "chroma_10",
                                          "chroma_11",
                                          "chroma_12",
                                          "chroma_std",
                                          "harmonic_ratio",
                                          "f0"};

// Sign changes / (n - 1); a step through sign(0) = 0 counts as half.
double zero_crossing_rate(const float* x, int n) {
    int twice_crossings = 0;
    for (int i = 1; i < n; ++i) {
        const int previous = (x[i - 1] > 0.0f) - (x[i - 1] < 0.0f);
        const int current = (x[i] > 0.0f) - (x[i] < 0.0f);
        twice_crossings += std::abs(current - previous);
    }
    return (twice_crossings / 2.0) / (n - 1.0);
}

// squares[i] = frame[i]^2 of a kLldWindow-sample frame; returns their sum. Feature 1 and
// lld_frame_energy() share it so that the VAD sees the same energies in both.
double square_frame(const float* frame, double* squares) {
    for (int i = 0; i < kLldWindow; ++i) squares[i] = static_cast<double>(frame[i]) * frame[i];
    return sum(squares, kLldWindow);
}

// Feature 1 from the sum of squares.
float energy_of(double energy_sum) { return static_cast<float>(energy_sum / kLldWindow); }

// -sum s log2(s + eps) over kBlocks contiguous blocks of squares, s = block / (total + eps).
double block_entropy(const double* squares, int n, double total) {
    const int block = n / kBlocks;
    double entropy = 0.0;
    for (int b = 0; b < kBlocks; ++b) {
        const double s = sum(squares + b * block, static_cast<size_t>(block)) / (total + kEps);
        entropy -= s * std::log2(s + kEps);
    }
    return entropy;
}

} // namespace

const char* lld_feature_name(int index) { return index >= 0 && index < kLldFeatures ? kNames[index] : ""; }

struct LldAnalyzer::State {
    RealFft fft{kLldWindow};
    PitchEstimator pitch{kLldWindow, kSampleRate};
    const LldTables& tables = lld_tables();
    alignas(64) float frame[kLldWindow];
    alignas(64) std::complex<float> spectrum[kLldWindow / 2 + 1];
    alignas(64) float magnitude_f32[kSpectrumBins];
    alignas(64) double squares[kLldWindow];
    alignas(64) double magnitude[kSpectrumBins];
    alignas(64) double power[kSpectrumBins];
    alignas(64) double normalised[kSpectrumBins];
    alignas(64) double previous_normalised[kSpectrumBins];
    alignas(64) double bin_hz[kSpectrumBins]; // (k + 1) * 40 Hz, pyAudioAnalysis's axis
    double chroma_scale[kSpectrumBins];       // 1 / divisor of each chroma term
    bool has_previous = false;

    State() {
        for (int k = 0; k < kSpectrumBins; ++k) bin_hz[k] = (k + 1) * (kSampleRate / (2.0 * kSpectrumBins));
        for (size_t i = 0; i < tables.chroma_terms.size(); ++i)
            chroma_scale[i] = 1.0 / tables.chroma_terms[i].divisor;
    }
};

LldAnalyzer::LldAnalyzer() : state_(std::make_unique<State>()) {}
LldAnalyzer::~LldAnalyzer() = default;
LldAnalyzer::LldAnalyzer(LldAnalyzer&&) noexcept = default;
LldAnalyzer& LldAnalyzer::operator=(LldAnalyzer&&) noexcept = default;

void LldAnalyzer::reset() { state_->has_previous = false; }

void LldAnalyzer::analyze(const float* frame, float* out) {
    State& s = *state_;
    const int n = kLldWindow, bins = kSpectrumBins;

    // Time domain: 0 zcr, 1 energy, 2 energy entropy.
    const double energy_sum = square_frame(frame, s.squares);
    out[0] = static_cast<float>(zero_crossing_rate(frame, n));
    out[1] = energy_of(energy_sum);
    out[2] = static_cast<float>(block_entropy(s.squares, n, energy_sum));

    // X = |FFT_400| bins 0..199 / 200 (the float32 FFT's magnitude, then float64).
    std::copy(frame, frame + n, s.frame);
    s.fft.forward(s.frame, s.spectrum);
    complex_magnitudes(s.spectrum, bins, s.magnitude_f32);
    float min_f32, max_f32;
    range_nonnegative(s.magnitude_f32, bins, min_f32, max_f32);
    for (int k = 0; k < bins; ++k) {
        s.magnitude[k] = s.magnitude_f32[k] / static_cast<double>(bins);
        s.power[k] = s.magnitude[k] * s.magnitude[k];
    }
    const double mag_max = max_f32 / static_cast<double>(bins);
    const double mag_sum = sum(s.magnitude, bins), power_sum = sum(s.power, bins);

    // 3-4 centroid and spread on the axis (k + 1) * 40 Hz, spectrum scaled to max 1.
    {
        const double scale = mag_max == 0.0 ? 1.0 / kEps : 1.0 / mag_max;
        const double den = mag_sum * scale + kEps;
        const double centroid = dot(s.bin_hz, s.magnitude, bins) * scale / den;
        double partial[4] = {0.0, 0.0, 0.0, 0.0};
        for (int k = 0; k < bins; k += 4) {
            for (int lane = 0; lane < 4; ++lane) {
                const double d = s.bin_hz[k + lane] - centroid;
                partial[lane] += d * d * s.magnitude[k + lane];
            }
        }
        const double spread_num = ((partial[0] + partial[1]) + (partial[2] + partial[3])) * scale;
        const double nyquist = kSampleRate / 2.0;
        out[3] = static_cast<float>(centroid / nyquist);
        out[4] = static_cast<float>(std::sqrt(spread_num / den) / nyquist);
    }

    // 5 spectral entropy.
    out[5] = static_cast<float>(block_entropy(s.power, bins, power_sum));

    // 6 spectral flux between unit-sum spectra (sum of X + eps); the first frame gives 0.
    {
        const double inverse_sum = 1.0 / (mag_sum + bins * kEps);
        for (int k = 0; k < bins; ++k) s.normalised[k] = s.magnitude[k] * inverse_sum;
        if (!s.has_previous) std::copy(s.normalised, s.normalised + bins, s.previous_normalised);
        for (int k = 0; k < bins; ++k) s.previous_normalised[k] -= s.normalised[k];
        out[6] = static_cast<float>(dot(s.previous_normalised, s.previous_normalised, bins));
        std::copy(s.normalised, s.normalised + bins, s.previous_normalised);
        s.has_previous = true;
    }

    // 7 rolloff: first bin whose cumulative power + eps exceeds 90 %, as k / 200.
    {
        const double threshold = 0.90 * power_sum;
        double cumulative = 0.0;
        int rolloff_bin = 0;
        for (int k = 0; k < bins; ++k) {
            cumulative += s.power[k];
            if (cumulative + kEps > threshold) {
                rolloff_bin = k;
                break;
            }
        }
        out[7] = static_cast<float>(static_cast<double>(rolloff_bin) / bins);
    }

    // 8-20 MFCC: orthonormal DCT-II of log10(filterbank . X + eps).
    {
        double log_energy[kMfccFilters];
        for (int f = 0; f < kMfccFilters; ++f) {
            const MfccFilter& filter = s.tables.mfcc_filters[f];
            const double energy =
                dot(filter.weights.data(), s.magnitude + filter.first_bin, filter.weights.size());
            log_energy[f] = std::log2(energy + kEps) * kLog10Of2; // log2 is the faster libm call
        }
        for (int c = 0; c < kMfccCoefficients; ++c)
            out[8 + c] = static_cast<float>(dot(s.tables.dct[c].data(), log_energy, kMfccFilters));
    }

    // 21-32 chroma as fractions of the frame power, 33 their population std.
    {
        double chroma[kChromaClasses] = {};
        const auto& terms = s.tables.chroma_terms;
        for (size_t i = 0; i < terms.size(); ++i)
            chroma[terms[i].chroma_class] += s.power[terms[i].bin] * s.chroma_scale[i];
        const double divisor = power_sum == 0.0 ? kEps : power_sum;
        double mean = 0.0;
        for (double& c : chroma) {
            c /= divisor;
            mean += c;
        }
        mean /= kChromaClasses;
        double variance = 0.0;
        for (int c = 0; c < kChromaClasses; ++c) {
            out[21 + c] = static_cast<float>(chroma[c]);
            variance += (chroma[c] - mean) * (chroma[c] - mean);
        }
        out[33] = static_cast<float>(std::sqrt(variance / kChromaClasses));
    }

    // 34-35 harmonic ratio and F0.
    const PitchResult pitch = s.pitch.analyze(frame);
    out[34] = pitch.harmonic_ratio;
    out[35] = pitch.f0_hz;
}

void LldStream::reset() {
    analyzer_.reset();
    framer_.reset();
    frames_emitted_ = 0;
}

size_t LldStream::push(const float* samples, size_t count, std::vector<float>& out) {
    size_t frames = 0;
    framer_.push(samples, count, [&](const float* frame) {
        const size_t offset = out.size();
        out.resize(offset + kLldFeatures);
        analyzer_.analyze(frame, out.data() + offset);
        ++frames;
    });
    frames_emitted_ += frames;
    return frames;
}

float lld_frame_energy(const float* frame) {
    alignas(64) double squares[kLldWindow];
    return energy_of(square_frame(frame, squares));
}

size_t LldEnergyStream::push(const float* samples, size_t count, std::vector<float>& out) {
    size_t frames = 0;
    framer_.push(samples, count, [&](const float* frame) {
        out.push_back(lld_frame_energy(frame));
        ++frames;
    });
    return frames;
}

} // namespace emotion::dsp
