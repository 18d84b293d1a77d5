// Minimal RIFF/WAVE reader for tests, tools and benchmarks: PCM 16/24/32-bit and IEEE float
// 32/64-bit, any channel count (mixed down to mono). Elements never use it: they take audio from
// GStreamer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace emotion::io {

struct WavAudio {
    int sample_rate = 0;
    int channels = 0;
    std::vector<float> samples; // mono
};

// Throws std::runtime_error ("PATH: reason") on unreadable or unsupported files.
WavAudio read_wav(const std::string& path);
// The same from the bytes of a file; `origin` names it in messages.
WavAudio parse_wav(const std::vector<uint8_t>& bytes, const std::string& origin);
// Writes mono IEEE float 32-bit.
void write_wav(const std::string& path, const std::vector<float>& samples, int sample_rate);

} // namespace emotion::io
