// Single-thread speed of the DSP core: LldStream (36 LLDs incl. pitch) and MulawSegmenter over
// 600 s of audio, pushed in 4096-sample buffers, and training augmentation of the same audio cut
// into 3 s utterances (default recipe, then each transform alone), plus the process's peak RSS.
// Audio: the EmoDB recordings of shared/reference/lld/ repeated (argument 1 or
// EMOTION_SHARED_DIR overrides the shared folder), else a synthetic voiced signal.
#include "bench_common.h"
#include "dsp/lld.h"
#include "dsp/mulaw.h"
#include "dsp/utterance_augmenter.h"
#include "dsp/vad.h"
#include "io/wav.h"

#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace emotion;

namespace {

constexpr double kSeconds = 600.0;
constexpr size_t kBuffer = 4096;

std::vector<float> load_speech(const std::string& shared) {
    std::vector<float> audio;
    for (const char* name :
         {"emodb_03a01Fa.wav", "emodb_08a02Wc.wav", "emodb_16b10Tb.wav", "speech_en_espeak.wav"}) {
        try {
            const auto wav = io::read_wav(shared + "/reference/lld/" + name);
            audio.insert(audio.end(), wav.samples.begin(), wav.samples.end());
        } catch (const std::exception& e) { std::fprintf(stderr, "skipping %s\n", e.what()); }
    }
    if (!audio.empty()) return audio;
    // Fallback: 10 s of a gliding harmonic tone with syllable-rate amplitude and noise.
    std::mt19937 rng(1);
    std::normal_distribution<float> noise(0.0f, 0.01f);
    double phase = 0.0;
    for (int n = 0; n < 10 * dsp::kSampleRate; ++n) {
        const double t = static_cast<double>(n) / dsp::kSampleRate;
        phase += 2 * M_PI * (140.0 + 40.0 * std::sin(2 * M_PI * 0.7 * t)) / dsp::kSampleRate;
        double v = 0.0;
        for (int k = 1; k <= 8; ++k) v += std::sin(k * phase) / k;
        audio.push_back(static_cast<float>(0.3 * v * (0.5 + 0.5 * std::sin(2 * M_PI * 4 * t)) + noise(rng)));
    }
    return audio;
}

// CPU time of this thread: other processes on a busy machine do not inflate it as they do
// wall-clock time.
double thread_cpu_seconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

struct Timing {
    double cpu_s, wall_s;
};

// Pushes kSeconds of `audio` (looped) through `push` in kBuffer pieces.
Timing time_stream(const std::vector<float>& audio, const std::function<void(const float*, size_t)>& push) {
    const size_t total = static_cast<size_t>(kSeconds * dsp::kSampleRate);
    const double wall_start = bench::wall_seconds();
    const double cpu_start = thread_cpu_seconds();
    size_t done = 0, position = 0;
    while (done < total) {
        const size_t count = std::min({kBuffer, total - done, audio.size() - position});
        push(audio.data() + position, count);
        done += count;
        position = (position + count) % audio.size();
    }
    return {thread_cpu_seconds() - cpu_start, bench::wall_seconds() - wall_start};
}

// Augments kSeconds of `audio` (looped) as 3 s training utterances with `recipe`.
Timing time_augmentation(const std::vector<float>& audio, const std::string& recipe, double& checksum) {
    dsp::UtteranceAugmenter augmenter(dsp::Recipe::parse(recipe), dsp::kSampleRate);
    augmenter.start_epoch(1, 0);
    const size_t total = static_cast<size_t>(kSeconds * dsp::kSampleRate), length = 3 * dsp::kSampleRate;
    const double wall_start = bench::wall_seconds();
    const double cpu_start = thread_cpu_seconds();
    size_t position = 0;
    for (size_t done = 0, index = 0; done < total; done += length, ++index) {
        std::vector<float> utterance(length);
        for (float& v : utterance) {
            v = audio[position];
            position = (position + 1) % audio.size();
        }
        const std::vector<float> out =
            augmenter.augment(std::to_string(index), "train", std::move(utterance));
        checksum += out[out.size() / 2];
    }
    return {thread_cpu_seconds() - cpu_start, bench::wall_seconds() - wall_start};
}

void report(const char* name, Timing t, const std::string& extra) {
    std::printf("%s: %.0f s audio in %.3f s CPU: %.0fx real time (wall %.3f s: %.0fx), "
                "peak RSS %.1f MB%s\n",
                name, kSeconds, t.cpu_s, kSeconds / t.cpu_s, t.wall_s, kSeconds / t.wall_s,
                bench::peak_rss_mb(), extra.c_str());
}

} // namespace

int main(int argc, char** argv) {
    const char* env = std::getenv("EMOTION_SHARED_DIR");
    const std::string shared = argc > 1 ? argv[1] : env ? env : EMOTION_DEFAULT_SHARED_DIR;
    const std::vector<float> audio = load_speech(shared);
    std::printf("input: %.1f s of audio, looped to %.0f s, %zu-sample buffers, one thread\n",
                static_cast<double>(audio.size()) / dsp::kSampleRate, kSeconds, kBuffer);

    dsp::LldStream lld;
    std::vector<float> features;
    features.reserve(kBuffer / dsp::kLldHop * dsp::kLldFeatures + dsp::kLldFeatures);
    size_t frames = 0;
    double voiced = 0;
    const Timing lld_t = time_stream(audio, [&](const float* x, size_t n) {
        features.clear();
        const size_t got = lld.push(x, n, features);
        for (size_t t = 0; t < got; ++t) voiced += features[t * dsp::kLldFeatures + 35] > 0.0f;
        frames += got;
    });
    report("lld", lld_t,
           ", " + std::to_string(frames) + " frames (" +
               std::to_string(static_cast<int>(100 * voiced / frames)) + " % voiced)");

    dsp::MulawSegmenter mulaw;
    size_t segments = 0;
    float checksum = 0.0f;
    const auto count_segment = [&](const dsp::MulawSegmenter::Segment& s) {
        ++segments;
        checksum += s.values[12345];
    };
    const Timing mulaw_t =
        time_stream(audio, [&](const float* x, size_t n) { mulaw.push(x, n, count_segment); });
    mulaw.finish(count_segment);
    report("mulaw", mulaw_t,
           ", " + std::to_string(segments) + " segments (checksum " + std::to_string(checksum) + ")");

    dsp::Vad vad;
    std::vector<bool> decided;
    size_t speech = 0;
    size_t energies = 0;
    size_t samples = 0;
    const Timing vad_t = time_stream(audio, [&](const float*, size_t n) {
        // One energy per 160 samples, as the LLD stream would deliver them.
        samples += n;
        for (; energies < samples / dsp::kLldHop; ++energies) {
            decided.clear();
            vad.push(1e-4 * (1.0 + std::sin(0.01 * static_cast<double>(energies))), decided);
            for (bool d : decided) speech += d;
        }
    });
    report("vad", vad_t, " (energies only), " + std::to_string(speech) + " speech frames");

    for (const char* recipe : {"default", "speed=0.9:1.1", "pitch=-2:2", "noise=5:25", "reverb=0.2:0.8",
                               "bandlimit=3000:7000", "telephone=1"}) {
        double checksum = 0.0;
        const Timing t = time_augmentation(audio, recipe, checksum);
        report((std::string("augment ") + recipe).c_str(), t, " (checksum " + std::to_string(checksum) + ")");
    }
    return 0;
}
