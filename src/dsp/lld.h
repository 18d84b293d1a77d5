// The 36 low-level descriptors of the A-LSTM paper, per 25 ms frame at a 10 ms hop (16 kHz):
// 0-33 exactly as pyAudioAnalysis defines them (shared/reference/README.md lists the definitions
// and quirks), 34 harmonic ratio and 35 F0 in Hz (0 when unvoiced) from dsp/pitch.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "dsp/sample_framer.h"

namespace emotion::dsp {

constexpr int kSampleRate = 16000;
constexpr int kLldFeatures = 36;
constexpr int kLldWindow = 400; // samples (25 ms)
constexpr int kLldHop = 160;    // samples (10 ms)

// Short names, in feature order ("zcr", "energy", ..., "chroma_std", "harmonic_ratio", "f0").
const char* lld_feature_name(int index);

// Features of single frames. Keeps the previous frame's spectrum (spectral flux), so frames must
// be analysed in order; reset() starts a new stream (the next frame's flux is 0, like frame 0).
class LldAnalyzer {
public:
    LldAnalyzer();
    ~LldAnalyzer();
    LldAnalyzer(LldAnalyzer&&) noexcept;
    LldAnalyzer& operator=(LldAnalyzer&&) noexcept;

    void reset();
    // frame: kLldWindow samples (finite); out: kLldFeatures values.
    void analyze(const float* frame, float* out);

private:
    struct State;
    std::unique_ptr<State> state_;
};

// Streaming framing over arbitrary input buffers: frame i covers samples [160 i, 160 i + 400)
// counted from the last reset. Output does not depend on how the input is split.
class LldStream {
public:
    // Drops buffered samples and the flux history (discontinuity, flush, new stream).
    void reset();
    // Appends kLldFeatures floats per completed frame to `out`; returns the number of frames.
    // Non-finite samples are replaced by 0 and counted.
    size_t push(const float* samples, size_t count, std::vector<float>& out);

    uint64_t frames_emitted() const { return frames_emitted_; }                // since reset
    uint64_t samples_pushed() const { return framer_.samples_pushed(); }       // since reset
    uint64_t nonfinite_samples() const { return framer_.nonfinite_samples(); } // since construction

private:
    LldAnalyzer analyzer_;
    SampleFramer framer_{kLldWindow, kLldHop};
    uint64_t frames_emitted_ = 0;
};

// Feature 1 (energy, the mean square) of a kLldWindow-sample frame (finite): exactly the value
// LldAnalyzer::analyze() gives, at a fraction of the cost.
float lld_frame_energy(const float* frame);

// Feature 1 alone over LldStream's framing: the energies dsp::Vad takes, for an element that
// needs lldextract's VAD decisions without the other features (mulawspec segmentation=vad).
class LldEnergyStream {
public:
    void reset() { framer_.reset(); }
    // Appends the energy of every completed frame to `out`; returns the number of frames.
    // Non-finite samples are replaced by 0 and counted.
    size_t push(const float* samples, size_t count, std::vector<float>& out);

    uint64_t nonfinite_samples() const { return framer_.nonfinite_samples(); } // since construction

private:
    SampleFramer framer_{kLldWindow, kLldHop};
};

} // namespace emotion::dsp
