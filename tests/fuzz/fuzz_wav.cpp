// libFuzzer target for the WAV reader (tests, tools and benchmarks read WAV files with it): any
// input parses or raises std::runtime_error naming the file; a crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "io/wav.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const emotion::io::WavAudio audio =
            emotion::io::parse_wav(std::vector<uint8_t>(data, data + size), "fuzz.wav");
        volatile float sum = 0.0f; // every sample is read
        for (float s : audio.samples) sum = sum + s;
    } catch (const std::runtime_error&) {}
    return 0;
}
