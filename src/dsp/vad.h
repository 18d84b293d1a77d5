// Voice activity detection over 10 ms LLD frames: decides speech / non-speech per frame from the
// frame energy with an adaptive noise floor, then smooths the decisions (minimum speech length,
// hang-over) so that segments do not flicker. Decisions come out in frame order with a bounded
// delay (lookahead_frames()), so a caller can delay its frames by that much and mark segment
// starts before the first speech frame.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace emotion::dsp {

struct VadSettings {
    double threshold_db = 12.0;  // speech when energy exceeds the noise floor by this much
    double min_speech_s = 0.10;  // shorter bursts are not speech
    double hangover_s = 0.30;    // silence shorter than this does not end a segment
    double floor_db = -70.0;     // energies below this are never speech (dBFS, full-scale sine = -3)
};

class Vad {
public:
    explicit Vad(const VadSettings& settings = {});
    void reset();
    // Feeds the energy (mean square, feature 1) of the next frame; appends every frame decision
    // that has become final (in order) to `decided`.
    void push(double frame_energy, std::vector<bool>& decided);
    // End of stream: appends the remaining decisions.
    void flush(std::vector<bool>& decided);
    // Upper bound on the number of frames between a push and the decision for that frame.
    int lookahead_frames() const;

private:
    VadSettings settings_;
    // implementation state (owned by dsp/vad.cpp)
    std::deque<double> pending_energy_;
    std::vector<double> history_;
    double noise_floor_db_ = 0.0;
    int64_t frames_seen_ = 0;
    bool in_speech_ = false;
    int64_t silence_run_ = 0;
    std::deque<bool> pending_;
};

} // namespace emotion::dsp
