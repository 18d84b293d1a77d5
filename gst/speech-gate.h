/* The min-speech gate of the elements that classify LLD frames (GstEmotionClassifier's LLD
 * subclasses, ksmmtransformer): a part (segment, part of a long one, fallback window) is
 * classified only when enough of its frames are speech (stream::SpeechPresence), so silence,
 * stationary noise, steady tones and notes of music get no emotion. Mu-law input has no energy feature and is
 * not gated; mode=train is never gated. Internal to the plugin. */
#pragma once

#include <cstdint>

#include "classifier-properties.h"
#include "stream/speech_presence.h"

namespace emotion::gst {

class SpeechGate {
public:
    /* From the settings as streaming starts; `lld`: the input is LLD frames. */
    SpeechGate(const ClassifierSettings& settings, bool lld);

    /* Whether `count` frames of `frame_size` floats are classified. When not, *speech is their
     * speech fraction. */
    bool passes(const float* frames, int64_t count, int frame_size, double* speech);
    /* no-speech=tag: a part that does not pass gives a no-speech result. */
    bool tag() const { return tag_; }

private:
    double min_speech_;
    bool tag_;
    stream::SpeechPresence presence_;
};

} // namespace emotion::gst
