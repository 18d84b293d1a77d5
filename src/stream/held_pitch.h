// Held pitch: instruments and synthesisers hold each note's pitch, speech glides. An energy VAD
// cannot tell plucked or staccato notes from syllables (each note rises and decays like one), but
// their F0 gives them away: the share of a part's voiced speech frames that lie in runs of frames
// whose F0 stays within a few hundredths of a semitone of the frame before.
//
// Measured on LLD frames (10 ms; F0 = LLD 35, 0 when unvoiced; tolerance 0.03 semitone, runs of
// 80 ms or more): every EmoDB utterance 0.00, ravdess-dev utterances at most 0.06, espeak-ng
// sentences 0.00; bench_no_speech's synthetic three-tone chords 0.37 to 0.76 of each 3 s window.
// Sung or hummed notes count as held too: a part of them gets no emotion either.
#pragma once

#include <vector>

namespace emotion::stream {

// LLD feature 35: the frame's F0 in Hz, 0 when unvoiced.
constexpr int kF0Feature = 35;

struct HeldPitchSettings {
    double tolerance_semitones = 0.03; // a frame holds the pitch when this close to the one before
    int min_run_frames = 8;            // ...for this many frames in a row (80 ms)
    double max_share = 0.2;            // a part with a larger held share is tones, not speech
};

// The share (0..1) of the voiced frames among `speech` (one decision per frame) that lie in held
// runs; 0 when fewer than min_run_frames are voiced speech.
double held_pitch_share(const float* frames, const std::vector<bool>& speech, int frame_size,
                        const HeldPitchSettings& settings = {});

} // namespace emotion::stream
