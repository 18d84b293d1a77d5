// Long speech inputs for the pipeline benchmarks: EmoDB's utterances looped into one 16 kHz mono
// 16-bit WAV of a given length, with an SRT file of their transcripts at their times (written
// once into the build folder; the espeak reference speech when EmoDB is absent).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

std::string shared_dir(); // $EMOTION_SHARED_DIR or the folder beside the source tree

// A field of /proc/self/status in KiB ("VmRSS:", "VmHWM:"); -1 when absent.
long rss_kib(const char* field);

// The PCM samples of a 16-bit mono WAV (data chunk only), appended to `out`.
bool read_pcm16(const std::string& path, std::vector<int16_t>* out);

struct Utterance {
    double start = 0, end = 0; // seconds in the looped file
    std::string text;
};

struct LoopedSpeech {
    std::string wav, srt; // empty when there was no audio to loop
    std::vector<Utterance> utterances;
};

// `folder`/speech_<seconds>s.wav and .srt.
LoopedSpeech make_looped_speech(const std::string& folder, int seconds);

} // namespace bench
