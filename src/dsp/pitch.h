// Pitch (F0) and harmonic ratio of one frame, for LLD features 34-35.
#pragma once

#include <memory>

namespace emotion::dsp {

struct PitchResult {
    float harmonic_ratio; // max normalised autocorrelation peak in the F0 search range, 0..1
    float f0_hz;          // 0 when unvoiced
};

// Estimates F0 by normalised autocorrelation (method documented in pitch.cpp) over lags for
// min_f0..max_f0 Hz, with a voicing decision. Thread-compatible: one instance per stream.
class PitchEstimator {
public:
    PitchEstimator(int frame_length = 400, int sample_rate = 16000, float min_f0 = 70.0f,
                   float max_f0 = 500.0f);
    ~PitchEstimator();
    PitchEstimator(PitchEstimator&&) noexcept;
    PitchEstimator& operator=(PitchEstimator&&) noexcept;
    PitchResult analyze(const float* frame);

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace emotion::dsp
