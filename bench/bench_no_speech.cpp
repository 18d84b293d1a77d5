// The min-speech gate measured (issue 14 item 6): how much of non-speech input still carries an
// emotion label, and how many EmoDB utterances still get one, per LLD classifier and min-speech.
//
// Non-speech: `--minutes` each of digital silence, white noise, pink noise (audiotestsrc,
// volume 0.1 = -20 dBFS peak) and two synthetic music-like signals (three-tone chords with note
// changes every 0.2-0.6 s; "music" decays at most 9 dB within a note, "music-staccato" 26 dB,
// like plucked notes), through `lldextract segmentation=window` (3 s windows every 1.5 s) and the
// classifier: the share of the signal's time covered by windows labelled with an emotion.
// Speech: every EmoDB utterance (emodatasetsrc, one segment each) through lldextract and the
// classifier: the share of utterances labelled with an emotion; and all utterances back to back
// in windows as above, clean and with white noise 10 dB below the speech: the share of time.
//
//   bench_no_speech [--minutes 10] [--models alstm,stl] [--min-speech 0,0.1,0.2]
#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bench_common.h"
#include "io/wav.h"

namespace {

constexpr int kRate = 16000;

struct Labelled {
    std::vector<std::pair<double, double>> spans; // [start, end) seconds of results with an emotion
    int results = 0, no_speech = 0;
    std::string error;
};

// Runs `description` to EOS, keeping the `emotion` messages.
Labelled run(const std::string& description) {
    Labelled out;
    GError* error = NULL;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    if (!pipeline) {
        out.error = error ? error->message : "parse error";
        g_clear_error(&error);
        return out;
    }
    GstBus* bus = gst_element_get_bus(pipeline);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    for (bool done = false; !done;) {
        GstMessage* m = gst_bus_timed_pop_filtered(
            bus, GST_CLOCK_TIME_NONE,
            (GstMessageType)(GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
        if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT) {
            const GstStructure* s = gst_message_get_structure(m);
            if (s && gst_structure_has_name(s, "emotion")) {
                const char* label = gst_structure_get_string(s, "label");
                guint64 start = 0, duration = 0;
                gst_structure_get_uint64(s, "timestamp", &start);
                gst_structure_get_uint64(s, "duration", &duration);
                if (label && std::string(label) == "no-speech") {
                    out.no_speech++;
                } else {
                    out.results++;
                    out.spans.push_back({start / 1e9, (start + duration) / 1e9});
                }
            }
        } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
            GError* e = NULL;
            gst_message_parse_error(m, &e, NULL);
            out.error = e->message;
            g_clear_error(&e);
            done = true;
        } else {
            done = true;
        }
        gst_message_unref(m);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
    return out;
}

// Seconds covered by the union of `spans` (windows overlap).
double covered(std::vector<std::pair<double, double>> spans) {
    std::sort(spans.begin(), spans.end());
    double total = 0, end = -1e300;
    for (const auto& [a, b] : spans) {
        const double from = std::max(a, end);
        if (b > from) total += b - from;
        end = std::max(end, b);
    }
    return total;
}

// Chords of three different notes of a pentatonic scale (with two overtones each) changing every 0.2-0.6 s, a
// 10 ms attack, then an exponential decay to `sustain` of the peak at the note's end.
std::vector<float> synthetic_music(double seconds, double sustain, unsigned seed) {
    std::mt19937 rng(seed);
    const double scale[] = {0, 2, 4, 7, 9};
    std::uniform_int_distribution<int> degree(0, 14);
    std::uniform_real_distribution<double> length(0.2, 0.6);
    std::vector<float> x;
    const size_t total = static_cast<size_t>(seconds * kRate);
    std::vector<double> phase(9, 0.0);
    while (x.size() < total) {
        int degrees[3];
        for (int k = 0; k < 3; ++k) // three different notes: a unison would add up 9.5 dB louder
            do degrees[k] = degree(rng);
            while (std::count(degrees, degrees + k, degrees[k]) > 0);
        double freq[3];
        for (int k = 0; k < 3; ++k)
            freq[k] = 220.0 * std::pow(2.0, (12.0 * (degrees[k] / 5) + scale[degrees[k] % 5]) / 12.0);
        const int n = static_cast<int>(length(rng) * kRate);
        for (int i = 0; i < n && x.size() < total; ++i) {
            const double attack = std::min(1.0, i / (0.01 * kRate));
            const double env = attack * std::pow(sustain, static_cast<double>(i) / n);
            double v = 0;
            for (int k = 0; k < 9; ++k) {
                phase[k] += 2 * M_PI * freq[k / 3] * (k % 3 + 1) / kRate;
                v += std::sin(phase[k]) / (k % 3 + 1);
            }
            x.push_back(static_cast<float>(0.05 * env * v));
        }
    }
    return x;
}

std::vector<std::string> split_lines(const char* text) {
    std::vector<std::string> lines;
    std::stringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Every EmoDB utterance back to back (continuous speech, pauses only within utterances), plus
// white noise `snr_db` below the speech's RMS (none when infinite).
std::vector<float> emodb_speech(const std::string& dir, const std::vector<std::string>& wavs, double snr_db) {
    std::vector<float> x;
    for (const std::string& wav : wavs) {
        const std::vector<float> samples = emotion::io::read_wav(dir + wav).samples;
        x.insert(x.end(), samples.begin(), samples.end());
    }
    if (!std::isfinite(snr_db)) return x;
    double power = 0;
    for (float v : x) power += static_cast<double>(v) * v;
    std::mt19937 rng(5);
    std::normal_distribution<float> noise(
        0.0f, static_cast<float>(std::sqrt(power / x.size()) * std::pow(10.0, -snr_db / 20.0)));
    for (float& v : x) v += noise(rng);
    return x;
}

struct Signal {
    std::string name, source; // source: a pipeline fragment giving 16 kHz mono F32 audio
    double seconds;
};

} // namespace

int main(int argc, char** argv) {
    std::string models = "alstm,stl", min_speech = "0,0.1,0.2";
    int minutes = 10;
    bench::Options options("[--minutes 10] [--models alstm,stl] [--min-speech 0,0.1,0.2]");
    options.add("--minutes", minutes).add("--models", models).add("--min-speech", min_speech);
    if (!options.parse(argc, argv)) return 2;
    g_setenv("GST_PLUGIN_PATH", EMOTION_PLUGIN_DIR, FALSE);
    gst_init(NULL, NULL);
    const char* dir = g_getenv("EMOTION_SHARED_DIR");
    const std::string manifest =
        std::string(dir ? dir : EMOTION_DEFAULT_SHARED_DIR) + "/data/emodb/manifest.csv";

    gchar* rows = NULL;
    if (!g_file_get_contents(manifest.c_str(), &rows, NULL, NULL)) {
        fprintf(stderr, "cannot read %s\n", manifest.c_str());
        return 1;
    }
    std::vector<std::string> wavs; // the manifest's first column, after its header
    for (const std::string& line : split_lines(rows))
        if (!line.empty()) wavs.push_back(line.substr(0, line.find(',')));
    g_free(rows);
    wavs.erase(wavs.begin());
    const int utterances = static_cast<int>(wavs.size());
    const std::string emodb_dir = manifest.substr(0, manifest.rfind('/') + 1);

    const double seconds = minutes * 60.0;
    const std::string caps = " ! audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved";
    const int buffers = static_cast<int>(seconds * 10); // 1600 samples each
    std::vector<Signal> signals;
    for (const char* wave : {"silence", "white-noise", "pink-noise"})
        signals.push_back({wave,
                           std::string("audiotestsrc wave=") + wave + " volume=0.1 samplesperbuffer=1600 " +
                               "num-buffers=" + std::to_string(buffers) + caps,
                           seconds});
    for (const auto& [name, sustain] :
         {std::pair<const char*, double>{"music", 0.35}, {"music-staccato", 0.05}}) {
        const std::string path = std::string(EMOTION_BENCH_DIR) + "/no_speech_" + name + ".wav";
        emotion::io::write_wav(path, synthetic_music(seconds, sustain, 11), kRate);
        signals.push_back(
            {name, "filesrc location=\"" + path + "\" ! wavparse ! audioconvert" + caps, seconds});
    }
    for (const auto& [name, snr_db] :
         {std::pair<const char*, double>{"emodb-windows", INFINITY}, {"emodb-windows-10dB", 10.0}}) {
        const std::string path = std::string(EMOTION_BENCH_DIR) + "/no_speech_" + name + ".wav";
        const std::vector<float> speech = emodb_speech(emodb_dir, wavs, snr_db);
        emotion::io::write_wav(path, speech, kRate);
        signals.push_back({name, "filesrc location=\"" + path + "\" ! wavparse ! audioconvert" + caps,
                           static_cast<double>(speech.size()) / kRate});
    }

    printf("%-6s %-10s %-18s %s\n", "model", "min-speech", "input", "labelled");
    for (const std::string& model : bench::split_list(models)) {
        for (const std::string& gate : bench::split_list(min_speech)) {
            const std::string classifier = model + "classify min-speech=" + gate + " ! fakesink";
            for (const Signal& signal : signals) {
                const Labelled r = run(signal.source + " ! lldextract segmentation=window ! " + classifier);
                if (!r.error.empty()) {
                    fprintf(stderr, "%s: %s\n", signal.name.c_str(), r.error.c_str());
                    return 1;
                }
                printf("%-6s %-10s %-18s %6.2f %% of %.0f s (%d windows)\n", model.c_str(), gate.c_str(),
                       signal.name.c_str(), 100.0 * covered(r.spans) / signal.seconds, signal.seconds,
                       r.results);
                fflush(stdout);
            }
            const Labelled r =
                run("emodatasetsrc location=\"" + manifest + "\" ! lldextract ! " + classifier);
            if (!r.error.empty()) {
                fprintf(stderr, "emodb: %s\n", r.error.c_str());
                return 1;
            }
            printf("%-6s %-10s %-18s %6.2f %% of %d utterances (%d)\n", model.c_str(), gate.c_str(), "emodb",
                   100.0 * r.results / utterances, utterances, r.results);
            fflush(stdout);
        }
    }
    return 0;
}
