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
    double threshold_db = 12.0;     // speech when energy exceeds the noise floor by this much
    double min_speech_s = 0.10;     // shorter bursts are not speech
    double hangover_s = 0.30;       // silence shorter than this does not end a segment
    double floor_db = -70.0;        // energies below this are never speech (dBFS, full-scale sine = -3)
    double noise_window_s = 3.0;    // noise floor = lowest frame energy over this much past audio...
    double noise_lookahead_s = 0.3; // ...and this much future audio (finds the floor at a start)
};

class Vad {
public:
    explicit Vad(const VadSettings& settings = {});
    void reset();
    // Feeds the energy (mean square, feature 1) of the next frame; appends every frame decision
    // that has become final (in order) to `decided`.
    void push(double frame_energy, std::vector<bool>& decided);
    // End of stream: appends the remaining decisions, then starts over as after reset().
    void flush(std::vector<bool>& decided);
    // Upper bound on the number of frames between a push and the decision for that frame.
    int lookahead_frames() const;

private:
    struct Level {
        int64_t frame;
        double db;
    };
    void decide_raw(int64_t frame, double db);
    void smooth(bool at_end, std::vector<bool>& decided);

    VadSettings settings_;
    int lookahead_floor_ = 0, window_ = 0, min_speech_ = 0, hangover_ = 0; // in frames
    int64_t frames_seen_ = 0;                                              // frames pushed since reset
    std::deque<Level> levels_; // frames pushed but not yet compared with the floor
    std::deque<Level> minima_; // sliding-window minimum: increasing db, increasing frame
    std::deque<bool> raw_;     // threshold decisions not yet smoothed, in frame order
    bool in_speech_ = false;
};

} // namespace emotion::dsp
