#include "looped_speech.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "io/manifest.h"

namespace bench {

std::string shared_dir() {
    const char* dir = std::getenv("EMOTION_SHARED_DIR");
    return dir ? dir : EMOTION_DEFAULT_SHARED_DIR;
}

long rss_kib(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.compare(0, std::strlen(field), field) == 0)
            return std::atol(line.c_str() + std::strlen(field));
    return -1;
}

bool read_pcm16(const std::string& path, std::vector<int16_t>* out) {
    std::ifstream in(path, std::ios::binary);
    char header[12];
    if (!in.read(header, 12) || std::memcmp(header, "RIFF", 4) || std::memcmp(header + 8, "WAVE", 4))
        return false;
    char id[4];
    uint32_t size;
    while (in.read(id, 4) && in.read(reinterpret_cast<char*>(&size), 4)) {
        if (std::memcmp(id, "data", 4) == 0) {
            size_t n = size / 2;
            size_t old = out->size();
            out->resize(old + n);
            in.read(reinterpret_cast<char*>(out->data() + old), n * 2);
            return true;
        }
        in.seekg(size + (size & 1), std::ios::cur);
    }
    return false;
}

namespace {

// Up to 600 s of corpus: EmoDB's utterances with their transcripts, or the espeak reference.
std::vector<int16_t> read_corpus(std::vector<Utterance>* pieces) {
    std::vector<int16_t> corpus;
    std::vector<emotion::io::Utterance> manifest;
    try {
        manifest = emotion::io::read_manifest(shared_dir() + "/data/emodb/manifest.csv");
    } catch (const emotion::io::ManifestError&) { // no EmoDB
    }
    for (const auto& u : manifest) {
        if (corpus.size() >= 16000u * 600) break;
        const size_t before = corpus.size();
        if (read_pcm16(u.path, &corpus))
            pieces->push_back({before / 16000.0, corpus.size() / 16000.0, u.text});
    }
    if (corpus.empty() && read_pcm16(shared_dir() + "/reference/lld/speech_en_espeak.wav", &corpus))
        pieces->push_back({0.0, corpus.size() / 16000.0, "the reference speech"});
    return corpus;
}

std::string srt_time(double seconds) {
    const long ms = std::lround(seconds * 1000);
    char text[32];
    std::snprintf(text, sizeof text, "%02ld:%02ld:%02ld,%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60,
                  ms % 1000);
    return text;
}

void write_wav(const std::string& path, const std::vector<int16_t>& corpus, uint32_t total) {
    std::ofstream out(path + ".tmp", std::ios::binary);
    auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
    auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
    out.write("RIFF", 4);
    u32(36 + total * 2);
    out.write("WAVEfmt ", 8);
    u32(16);
    u16(1);
    u16(1);
    u32(16000);
    u32(32000);
    u16(2);
    u16(16);
    out.write("data", 4);
    u32(total * 2);
    for (uint32_t done = 0; done < total;) {
        uint32_t n = std::min<uint32_t>(total - done, corpus.size());
        out.write(reinterpret_cast<const char*>(corpus.data()), n * 2);
        done += n;
    }
    out.close();
    std::rename((path + ".tmp").c_str(), path.c_str());
}

} // namespace

LoopedSpeech make_looped_speech(const std::string& folder, int seconds) {
    std::vector<Utterance> pieces;
    const std::vector<int16_t> corpus = read_corpus(&pieces);
    if (corpus.empty()) return {};
    LoopedSpeech speech;
    const std::string stem = folder + "/speech_" + std::to_string(seconds) + "s";
    speech.wav = stem + ".wav";
    speech.srt = stem + ".srt";
    const double loop = corpus.size() / 16000.0;
    for (double offset = 0; offset < seconds; offset += loop)
        for (const auto& p : pieces)
            if (offset + p.start < seconds)
                speech.utterances.push_back(
                    {offset + p.start, std::min<double>(offset + p.end, seconds), p.text});
    if (!std::ifstream(speech.wav).good()) write_wav(speech.wav, corpus, 16000u * seconds);
    if (!std::ifstream(speech.srt).good()) {
        std::ofstream srt(speech.srt + ".tmp");
        for (size_t i = 0; i < speech.utterances.size(); ++i)
            srt << i + 1 << "\n"
                << srt_time(speech.utterances[i].start) << " --> " << srt_time(speech.utterances[i].end)
                << "\n"
                << speech.utterances[i].text << "\n\n";
        srt.close();
        std::rename((speech.srt + ".tmp").c_str(), speech.srt.c_str());
    }
    return speech;
}

} // namespace bench
