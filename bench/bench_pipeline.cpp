// End-to-end benchmark of the file-tagging pipeline:
//   filesrc ! decodebin ! audioconvert ! audioresample ! lldextract ! alstmclassify ! emotionsink
// over one hour of speech (EmoDB utterances looped into a 16 kHz WAV, written once into the
// build folder), for the A-LSTM model variants built from shared/reference/nn (model_alstm:
// cell alstm, model_alstm_lstm, model_alstm_mean). Prints the real-time factor (audio seconds per
// wall second) and the resident memory at 25/50/75/100 % of the stream, plus the peak.
//   bench_pipeline [SECONDS] [MODEL_REFERENCE ...]
// Note: with OpenMP's default wait policy, idle oneDNN/OpenMP worker threads spin and take most
// of the CPU (perf: ~76 % in libgomp); compare with OMP_WAIT_POLICY=passive.
#include <gst/gst.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "looped_speech.h"

namespace {

using bench::rss_kib;
using bench::shared_dir;

struct Figures {
    double wall = 0, audio = 0, cpu = 0;
    long rss[4] = {-1, -1, -1, -1};
    long peak = 0;
    unsigned results = 0;
};

void on_result(GstElement*, GstStructure*, gpointer count) { ++*static_cast<unsigned*>(count); }

bool run(const std::string& wav, const std::string& model, double seconds, Figures* f) {
    std::string description = "filesrc location=\"" + wav +
                              "\" ! decodebin ! audioconvert ! audioresample ! "
                              "lldextract ! alstmclassify model=\"" +
                              model + "\" ! emotionsink name=sink";
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    if (!pipeline || error) {
        std::fprintf(stderr, "%s\n", error ? error->message : "parse failed");
        return false;
    }
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    g_signal_connect(sink, "result", G_CALLBACK(on_result), &f->results);
    gst_object_unref(sink);
    GstBus* bus = gst_element_get_bus(pipeline);
    auto cpu_seconds = []() {
        struct rusage u;
        getrusage(RUSAGE_SELF, &u);
        return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    };
    double cpu_start = cpu_seconds();
    auto start = std::chrono::steady_clock::now();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    bool ok = true;
    int next_mark = 0;
    while (true) {
        GstMessage* m = gst_bus_timed_pop_filtered(bus, 100 * GST_MSECOND,
                                                   (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
        gint64 position = 0;
        // RSS sampled every 100 ms; recorded when the stream passes 25, 50, 75 %
        if (gst_element_query_position(pipeline, GST_FORMAT_TIME, &position))
            while (next_mark < 3 && position / 1e9 >= seconds * (next_mark + 1) / 4.0)
                f->rss[next_mark++] = rss_kib("VmRSS:");
        if (!m) continue;
        if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
            GError* err = nullptr;
            gst_message_parse_error(m, &err, nullptr);
            std::fprintf(stderr, "error: %s\n", err->message);
            g_clear_error(&err);
            ok = false;
        }
        gst_message_unref(m);
        break;
    }
    f->wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f->cpu = cpu_seconds() - cpu_start;
    f->rss[3] = rss_kib("VmRSS:");
    f->peak = rss_kib("VmHWM:");
    f->audio = seconds;
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
    return ok;
}

} // namespace

int main(int argc, char** argv) {
    setenv("GST_PLUGIN_PATH", EMOTION_PLUGIN_DIR, 0);
    gst_init(&argc, &argv);
    int seconds = argc > 1 ? std::atoi(argv[1]) : 3600;
    std::vector<std::string> references;
    for (int i = 2; i < argc; ++i) references.push_back(argv[i]);
    if (references.empty()) references = {"model_alstm", "model_alstm_lstm", "model_alstm_mean"};

    const std::string wav = bench::make_looped_speech(EMOTION_BENCH_DIR, seconds).wav;
    if (wav.empty()) {
        std::fprintf(stderr, "no audio to loop (EmoDB or reference speech) under %s\n", shared_dir().c_str());
        return 1;
    }
    const char* wait = std::getenv("OMP_WAIT_POLICY");
    std::printf("input %s (%d s of looped speech, 16 kHz mono), OMP_WAIT_POLICY=%s\n", wav.c_str(), seconds,
                wait ? wait : "(unset)");
    std::printf("%-18s %8s %7s %8s %9s %8s %8s  %s\n", "model", "wall s", "RTF", "CPU s", "audio/CPU",
                "results", "peak MiB", "RSS MiB at 25/50/75/100 %");
    int status = 0;
    for (const auto& ref : references) {
        std::string model = std::string(EMOTION_BENCH_DIR) + "/" + ref + ".safetensors";
        std::string command = std::string("\"") + EMOTION_MODEL_TOOL + "\" from-reference \"" + shared_dir() +
                              "/reference/nn/" + ref + ".safetensors\" \"" + model + "\" > /dev/null";
        if (std::system(command.c_str()) != 0) {
            std::fprintf(stderr, "cannot build %s\n", model.c_str());
            return 1;
        }
        Figures f;
        if (!run(wav, model, seconds, &f)) return 1;
        double rtf = f.audio / f.wall;
        std::printf("%-18s %8.1f %6.0fx %8.1f %8.0fx %8u %8.1f  %.1f / %.1f / %.1f / %.1f\n", ref.c_str(),
                    f.wall, rtf, f.cpu, f.audio / f.cpu, f.results, f.peak / 1024.0, f.rss[0] / 1024.0,
                    f.rss[1] / 1024.0, f.rss[2] / 1024.0, f.rss[3] / 1024.0);
        std::fflush(stdout);
        if (rtf < 150) status = 2;
    }
    if (status) std::printf("below the 150x real-time target\n");
    return status;
}
