#include "stream/speech_presence.h"

#include <algorithm>

namespace emotion::stream {

SpeechPresence::SpeechPresence(const dsp::VadSettings& settings, const HeldPitchSettings& held)
    : vad_(settings), held_(held) {}

double SpeechPresence::fraction(const float* frames, int64_t count, int frame_size) {
    if (count <= 0) return 0.0;
    decided_.clear();
    vad_.reset();
    for (int64_t t = 0; t < count; ++t) vad_.push(frames[t * frame_size + kEnergyFeature], decided_);
    vad_.flush(decided_); // resets the Vad for the next part
    if (held_pitch_share(frames, decided_, frame_size, held_) > held_.max_share) return 0.0;
    const auto speech = std::count(decided_.begin(), decided_.end(), true);
    return static_cast<double>(speech) / static_cast<double>(count);
}

} // namespace emotion::stream
