/* SpeechGate: see the header. */
#include "speech-gate.h"

namespace emotion::gst {

SpeechGate::SpeechGate(const ClassifierSettings& settings, bool lld)
    : min_speech_(lld && !settings.train() ? settings.min_speech : 0.0),
      tag_(settings.no_speech == GST_EMOTION_NO_SPEECH_TAG) {}

bool SpeechGate::passes(const float* frames, int64_t count, int frame_size, double* speech) {
    if (min_speech_ <= 0.0) return true; /* off: no VAD run at all */
    *speech = presence_.fraction(frames, count, frame_size);
    return stream::enough_speech(*speech, min_speech_);
}

} // namespace emotion::gst
