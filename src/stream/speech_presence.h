// How much of a part (a segment, a part of a long one or a fallback window) of LLD frames is
// speech: dsp::Vad over the frames' energies (LLD feature 1). A classifier skips parts below its
// min-speech fraction, so silence, stationary noise and steady tones get no emotion. A part whose
// voiced frames mostly hold their pitch (stream/held_pitch.h: notes of music, not speech) has no
// speech either, however its energy moves.
//
// Each part gets a fresh Vad run over its own frames and flushed at its end, rather than one Vad
// running over the whole stream: every decision is then final when the part is ready (a running
// Vad would still owe the last lookahead_frames() of it, and waiting for them would delay every
// result), overlapping windows need no bookkeeping, and upstream segments, windows and parts are
// treated alike. The cost is the noise floor's history before the part; the Vad's lookahead finds
// the floor at a part's start, and the floor window (3 s) is no longer than the default window,
// so a part of 3 s or more loses little.
#pragma once

#include <cstdint>
#include <vector>

#include "dsp/vad.h"
#include "stream/held_pitch.h"

namespace emotion::stream {

// LLD feature 1: the frame's energy (mean square).
constexpr int kEnergyFeature = 1;

class SpeechPresence {
public:
    explicit SpeechPresence(const dsp::VadSettings& settings = {}, const HeldPitchSettings& held = {});

    // The fraction (0..1) of `count` frames of `frame_size` floats that are speech; 0 when there
    // are none, and when the part's held-pitch share exceeds held.max_share.
    double fraction(const float* frames, int64_t count, int frame_size);

private:
    dsp::Vad vad_;
    HeldPitchSettings held_;
    std::vector<bool> decided_;
};

// Whether a part whose speech fraction is `fraction` is classified: min_speech <= 0 turns the
// gate off (every part is), otherwise at least that fraction must be speech.
inline bool enough_speech(double fraction, double min_speech) {
    return min_speech <= 0.0 || fraction >= min_speech;
}

} // namespace emotion::stream
