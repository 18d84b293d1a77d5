#include "io/wav.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "io/files.h"

namespace emotion::io {

namespace {

uint32_t u32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
uint16_t u16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }

float sample_at(const uint8_t* p, int format, int bits) {
    if (format == 3 && bits == 32) {
        float v;
        std::memcpy(&v, p, 4);
        return v;
    }
    if (format == 3 && bits == 64) {
        double v;
        std::memcpy(&v, p, 8);
        return float(v);
    }
    if (bits == 16) return int16_t(u16(p)) / 32768.0f;
    if (bits == 24)
        return float(int32_t(uint32_t(p[0] << 8 | p[1] << 16 | uint32_t(p[2]) << 24)) >> 8) / 8388608.0f;
    if (bits == 32) return float(int32_t(u32(p)) / 2147483648.0);
    return 0.0f;
}

} // namespace

WavAudio read_wav(const std::string& path) {
    require_regular_file(path, "WAV file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open");
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_wav(bytes, path);
}

WavAudio parse_wav(const std::vector<uint8_t>& bytes, const std::string& path) {
    if (bytes.size() < 12 || std::memcmp(bytes.data(), "RIFF", 4) || std::memcmp(bytes.data() + 8, "WAVE", 4))
        throw std::runtime_error(path + ": not a RIFF/WAVE file");

    int format = 0, bits = 0;
    WavAudio audio;
    size_t pos = 12;
    while (pos + 8 <= bytes.size()) {
        const uint8_t* chunk = bytes.data() + pos;
        uint32_t size = u32(chunk + 4);
        size_t body = pos + 8;
        if (size > bytes.size() - body) size = uint32_t(bytes.size() - body); // truncated file
        if (!std::memcmp(chunk, "fmt ", 4) && size >= 16) {
            format = u16(bytes.data() + body);
            audio.channels = u16(bytes.data() + body + 2);
            audio.sample_rate = int(u32(bytes.data() + body + 4));
            bits = u16(bytes.data() + body + 14);
            if (format == 0xFFFE && size >= 26) format = u16(bytes.data() + body + 24); // extensible
        } else if (!std::memcmp(chunk, "data", 4)) {
            bool supported = (format == 1 && (bits == 16 || bits == 24 || bits == 32)) ||
                             (format == 3 && (bits == 32 || bits == 64));
            if (!supported || audio.channels < 1)
                throw std::runtime_error(path + ": unsupported WAV format " + std::to_string(format) + "/" +
                                         std::to_string(bits) + " bit");
            size_t frame_bytes = size_t(bits / 8) * audio.channels;
            size_t frames = size / frame_bytes;
            audio.samples.resize(frames);
            for (size_t i = 0; i < frames; ++i) {
                float sum = 0.0f;
                for (int c = 0; c < audio.channels; ++c)
                    sum += sample_at(bytes.data() + body + i * frame_bytes + c * (bits / 8), format, bits);
                audio.samples[i] = sum / audio.channels;
            }
            return audio;
        }
        pos = body + size + (size & 1);
    }
    throw std::runtime_error(path + ": no data chunk");
}

void write_wav(const std::string& path, const std::vector<float>& samples, int sample_rate) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw std::runtime_error(path + ": cannot create");
    auto put32 = [&](uint32_t v) {
        uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
        out.write((char*)b, 4);
    };
    auto put16 = [&](uint16_t v) {
        uint8_t b[2] = {uint8_t(v), uint8_t(v >> 8)};
        out.write((char*)b, 2);
    };
    uint32_t data_bytes = uint32_t(samples.size() * 4);
    out.write("RIFF", 4);
    put32(36 + data_bytes);
    out.write("WAVE", 4);
    out.write("fmt ", 4);
    put32(16);
    put16(3);
    put16(1);
    put32(uint32_t(sample_rate));
    put32(uint32_t(sample_rate) * 4);
    put16(4);
    put16(32);
    out.write("data", 4);
    put32(data_bytes);
    out.write(reinterpret_cast<const char*>(samples.data()), data_bytes);
    if (!out) throw std::runtime_error(path + ": write failed");
}

} // namespace emotion::io
