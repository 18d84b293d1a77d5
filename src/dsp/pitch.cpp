// Pitch by normalised autocorrelation (NCCF-style), computed through one FFT pair per frame.
//
// Method, per frame x[0..N) (N = 400 at 16 kHz):
// 1. Remove the frame mean (a DC offset would correlate at every lag).
// 2. r(tau) = sum_n x[n] x[n + tau], for all lags at once: zero-pad to a length L >= N + max_lag
//    + 1 (so circular wrap-around never reaches the lags we read), |FFT|^2, inverse FFT.
// 3. Normalise by the energies of the two overlapping parts, so that a periodic signal gives
//    values near 1 at multiples of its period whatever the lag:
//      nr(tau) = r(tau) / sqrt(sum_{n<N-tau} x[n]^2 * sum_{n>=tau} x[n]^2)   (Cauchy-Schwarz: <= 1)
//    The search runs on q = nr |nr| = r |r| / (head * tail), which orders lags like nr but needs
//    no square root per lag; only the chosen peak is converted back.
// 4. Candidates are the local maxima of nr in [sr/max_f0, sr/min_f0] that rise at least kMinDip
//    above every shorter lag: a periodic signal's nr dips between 0 and one period, while a
//    lowpass (e.g. nasal or voice-bar) frame falls slowly from lag 0 with ripples that would
//    otherwise pass for peaks near the shortest lag. The harmonic ratio is the largest candidate
//    value (0..1; 0 without candidates).
// 5. Octave errors: a periodic signal peaks equally at 2, 3, ... periods, and jitter can make
//    such a multiple the global maximum. So the period is the smallest-lag candidate that reaches
//    kOctaveFraction of the best one and whose multiples up to the best lag all do as well (so a
//    short-lag peak from a ringing first formant, which does not repeat, is not taken); else the
//    best lag. Half-period lags of a real voice score well below that.
// 6. Voiced when the harmonic ratio reaches kVoicingThreshold and the frame is not near-silent.
//    White noise scores 0.12-0.25 on 400-sample frames, harmonic tones >= 0.999, speech vowels
//    typically 0.6-0.95.
// 7. The period is refined by parabolic interpolation over the three lags around the peak, so
//    F0 = sr / (tau + delta) is not limited to integer lags (at 350 Hz one lag is ~0.8 %).
#include "dsp/pitch.h"

#include "dsp/fft.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <stdexcept>
#include <vector>

namespace emotion::dsp {

namespace {

constexpr float kVoicingThreshold = 0.5f;
constexpr float kOctaveFraction = 0.9f;
constexpr int kMultipleSlack = 2;       // lags of jitter allowed per multiple of a candidate period
constexpr float kMinDip = 0.2f;         // a candidate peak rises this much above all shorter lags
constexpr float kSilentEnergy = 1e-10f; // mean square below this (-100 dBFS): no pitch

int next_fft_size(int minimum) {
    // Products of 2, 3 and 5 are fast for FFTW.
    for (int n = minimum;; ++n) {
        int m = n;
        for (int p : {2, 3, 5})
            while (m % p == 0) m /= p;
        if (m == 1) return n;
    }
}

} // namespace

struct PitchEstimator::State {
    int frame_length, sample_rate;
    float min_f0, max_f0;
    int min_lag, max_lag;
    RealFft fft;
    std::vector<float> padded; // fft.size() samples
    std::vector<std::complex<float>> spectrum;
    std::vector<float> autocorr;
    std::vector<float> prefix_energy; // prefix_energy[i] = sum_{n<i} x[n]^2
    std::vector<float> normalised;    // nr |nr| over lags 1 .. max_lag + 1
    std::vector<int> peak_lags;       // local maxima of nr, in lag order

    State(int length, int rate, float lowest_f0, float highest_f0, int shortest_lag, int longest_lag)
        : frame_length(length), sample_rate(rate), min_f0(lowest_f0), max_f0(highest_f0),
          min_lag(shortest_lag), max_lag(longest_lag),
          // No circular wrap-around up to lag max_lag + 1 (read by the interpolation).
          fft(next_fft_size(length + longest_lag + 2)), padded(static_cast<size_t>(fft.size()), 0.0f),
          spectrum(static_cast<size_t>(fft.size() / 2 + 1)), autocorr(static_cast<size_t>(fft.size())),
          prefix_energy(static_cast<size_t>(length) + 1), normalised(static_cast<size_t>(max_lag) + 1),
          peak_lags(normalised.size()) {}

    static std::unique_ptr<State> create(int frame_length, int sample_rate, float min_f0, float max_f0) {
        if (frame_length < 8 || sample_rate <= 0 || !(min_f0 > 0.0f) || !(max_f0 > min_f0))
            throw std::invalid_argument("PitchEstimator: bad frame length, rate or F0 range");
        const int shortest = std::max(2, static_cast<int>(std::floor(sample_rate / max_f0)));
        // Lags keep at least two samples of overlap, and lag longest + 1 must exist.
        const int longest = std::min(frame_length - 2, static_cast<int>(std::ceil(sample_rate / min_f0)));
        if (longest <= shortest)
            throw std::invalid_argument("PitchEstimator: F0 range too narrow for the frame length");
        return std::make_unique<State>(frame_length, sample_rate, min_f0, max_f0, shortest, longest);
    }
};

PitchEstimator::PitchEstimator(int frame_length, int sample_rate, float min_f0, float max_f0)
    : state_(State::create(frame_length, sample_rate, min_f0, max_f0)) {}
PitchEstimator::~PitchEstimator() = default;
PitchEstimator::PitchEstimator(PitchEstimator&&) noexcept = default;
PitchEstimator& PitchEstimator::operator=(PitchEstimator&&) noexcept = default;

PitchResult PitchEstimator::analyze(const float* frame) {
    State& s = *state_;
    const int n = s.frame_length;

    float* x = s.padded.data();
    float partial[4] = {0.0f, 0.0f, 0.0f, 0.0f}; // independent sums: no serial dependency
    const int whole = n - n % 4;
    for (int i = 0; i < whole; i += 4)
        for (int lane = 0; lane < 4; ++lane) partial[lane] += frame[i + lane];
    for (int i = whole; i < n; ++i) partial[0] += frame[i];
    const float mean = ((partial[0] + partial[1]) + (partial[2] + partial[3])) / n;
    for (int i = 0; i < n; ++i) x[i] = frame[i] - mean;
    // Prefix energies in float (their ~1e-6 relative error is far below the voicing and octave
    // margins), scanned four samples at a time so that only one add per block is serial.
    float* prefix = s.prefix_energy.data();
    float running = 0.0f;
    prefix[0] = 0.0f;
    int i = 0;
    for (; i < whole; i += 4) {
        const float a = x[i] * x[i], b = x[i + 1] * x[i + 1], c = x[i + 2] * x[i + 2],
                    d = x[i + 3] * x[i + 3];
        prefix[i + 1] = running + a;
        prefix[i + 2] = running + (a + b);
        prefix[i + 3] = running + ((a + b) + c);
        running += (a + b) + (c + d);
        prefix[i + 4] = running;
    }
    for (; i < n; ++i) {
        running += x[i] * x[i];
        prefix[i + 1] = running;
    }
    const float energy = running;
    if (energy / n < kSilentEnergy) return {0.0f, 0.0f};

    s.fft.forward(x, s.spectrum.data());
    float* re_im = reinterpret_cast<float*>(s.spectrum.data());
    for (size_t k = 0; k < s.spectrum.size(); ++k) {
        re_im[2 * k] = re_im[2 * k] * re_im[2 * k] + re_im[2 * k + 1] * re_im[2 * k + 1];
        re_im[2 * k + 1] = 0.0f;
    }
    s.fft.inverse_destroying_input(s.spectrum.data(), s.autocorr.data()); // r(tau) * fft size

    // q = nr |nr| keeps the order of nr (and so its peaks) without a square root per lag.
    const float scale = 1.0f / static_cast<float>(s.fft.size());
    const int first = 1, count = s.max_lag + 1; // lags 1 .. max_lag + 1
    const float* r = s.autocorr.data() + first;
    float* q = s.normalised.data();
    for (int i = 0; i < count; ++i) {
        const float head = prefix[n - first - i];
        const float tail = energy - prefix[first + i];
        const float rs = r[i] * scale;
        q[i] = rs * std::fabs(rs) / (head * tail + 1e-30f);
    }

    // Candidates: local maxima in the search range that stand kMinDip above the lowest value at
    // any shorter lag (the curve of a lowpass frame falls slowly from lag 0 and only ripples).
    const float* qq = q - first; // qq[lag]
    const auto signed_root = [](float v) { return std::copysign(std::sqrt(std::fabs(v)), v); };
    float best = 0.0f, lowest = qq[1];
    int peaks = 0, best_lag = 0;
    int* peak_lags = s.peak_lags.data();
    for (int lag = 2; lag <= s.max_lag; ++lag) {
        lowest = std::min(lowest, qq[lag - 1]);
        if (lag < s.min_lag || !(qq[lag] > qq[lag - 1] && qq[lag] >= qq[lag + 1])) continue;
        if (signed_root(qq[lag]) - signed_root(lowest) < kMinDip) continue;
        peak_lags[peaks++] = lag;
        if (qq[lag] > best) {
            best = qq[lag];
            best_lag = lag;
        }
    }
    const float harmonic_ratio = std::min(1.0f, signed_root(best));
    if (harmonic_ratio < kVoicingThreshold) return {harmonic_ratio, 0.0f};

    // nr >= f * best  <=>  q >= f^2 * q_best.
    const float octave_q = kOctaveFraction * kOctaveFraction * best;
    // Highest q within kMultipleSlack lags of `lag`, inside the searched range.
    const auto near_peak = [&](int lag) {
        float value = -1.0f;
        for (int l = std::max(s.min_lag, lag - kMultipleSlack);
             l <= std::min(s.max_lag, lag + kMultipleSlack); ++l)
            value = std::max(value, qq[l]);
        return value;
    };
    int period = best_lag;
    for (int p = 0; p < peaks && peak_lags[p] < best_lag; ++p) {
        const int lag = peak_lags[p];
        if (qq[lag] < octave_q) continue;
        // A true period repeats: every multiple up to the best lag must score high as well.
        // A formant's ringing (a short-lag peak) does not.
        const int multiples = static_cast<int>(std::lround(static_cast<double>(best_lag) / lag));
        bool repeats = std::abs(best_lag - multiples * lag) <= kMultipleSlack * multiples;
        for (int m = 2; repeats && m <= multiples; ++m) repeats = near_peak(m * lag) >= octave_q;
        if (repeats) {
            period = lag;
            break;
        }
    }
    const double left = signed_root(qq[period - 1]), centre = signed_root(qq[period]),
                 right = signed_root(qq[period + 1]);
    const double curvature = left - 2.0 * centre + right;
    double delta = curvature < 0.0 ? 0.5 * (left - right) / curvature : 0.0;
    delta = std::clamp(delta, -0.5, 0.5);
    // Interpolation at the edge lags may step just outside the search range.
    const double f0 = std::clamp(s.sample_rate / (period + delta), static_cast<double>(s.min_f0),
                                 static_cast<double>(s.max_f0));
    return {harmonic_ratio, static_cast<float>(f0)};
}

} // namespace emotion::dsp
