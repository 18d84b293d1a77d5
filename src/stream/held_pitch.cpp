#include "stream/held_pitch.h"

#include <cmath>
#include <cstdint>

namespace emotion::stream {

double held_pitch_share(const float* frames, const std::vector<bool>& speech, int frame_size,
                        const HeldPitchSettings& settings) {
    if (frame_size <= kF0Feature) return 0.0; // not LLD frames: no pitch to hold
    const int64_t count = static_cast<int64_t>(speech.size());
    auto f0 = [&](int64_t t) { return frames[t * frame_size + kF0Feature]; };
    auto voiced = [&](int64_t t) { return speech[t] && f0(t) > 0.0f; };
    // Frame t continues a held run when it and the frame before are voiced speech at the same pitch.
    auto holds = [&](int64_t t) {
        return t > 0 && voiced(t) && voiced(t - 1) &&
               std::abs(12.0 * std::log2(static_cast<double>(f0(t)) / f0(t - 1))) <
                   settings.tolerance_semitones;
    };
    int64_t voiced_frames = 0, held_frames = 0;
    for (int64_t t = 0; t < count;) {
        if (!holds(t)) {
            voiced_frames += voiced(t);
            ++t;
            continue;
        }
        int64_t end = t; // the run is frames [t - 1, end), its first frame already counted as voiced
        while (end < count && holds(end)) ++end;
        const int64_t run = end - t + 1;
        voiced_frames += end - t;
        if (run >= settings.min_run_frames) held_frames += run;
        t = end;
    }
    if (voiced_frames < settings.min_run_frames) return 0.0;
    return static_cast<double>(held_frames) / static_cast<double>(voiced_frames);
}

} // namespace emotion::stream
