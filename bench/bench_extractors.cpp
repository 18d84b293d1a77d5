// bench_extractors: real-time factor and peak RSS of lldextract and mulawspec in a real pipeline
// (appsrc -> element -> fakesink sync=false, one streaming thread), over a long stretch of
// speech (a reference sentence looped; default 600 s). Each element runs in its own child
// process so that its peak RSS is its own. The wall-clock factor is the figure; the CPU-time
// factor (process CPU time while the pipeline runs) is printed as well, as it stays meaningful
// on a loaded machine.
//
//   bench_extractors [--seconds N] [--buffer SAMPLES] [ELEMENT-DESCRIPTION ...]
//   e.g. bench_extractors --seconds 600 lldextract "lldextract segmentation=vad" "mulawspec hop=0.4"
#include <gst/gst.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "dsp/lld.h"
#include "dsp/mulaw.h"
#include "io/wav.h"

namespace {

struct Source {
    std::vector<float> clip; // looped
    uint64_t total = 0;      // samples to produce
    uint64_t produced = 0;
    size_t buffer_samples = 4096;
};

std::vector<float> load_clip() {
    const char* dir = g_getenv("EMOTION_SHARED_DIR");
    std::string shared = dir ? dir : EMOTION_DEFAULT_SHARED_DIR;
    try {
        return emotion::io::read_wav(shared + "/reference/mulaw/speech_en_espeak_long.wav").samples;
    } catch (const std::exception& e) {
        // no reference data: a vowel-like harmonic tone with pauses
        std::fprintf(stderr, "%s; using a synthetic signal\n", e.what());
        std::vector<float> clip(56000);
        for (size_t n = 0; n < clip.size(); ++n) {
            double t = n / 16000.0, v = 0;
            for (int k = 1; k <= 8; ++k) v += std::sin(2 * M_PI * 140 * k * t) / k;
            clip[n] = (n % 16000 < 12000) ? static_cast<float>(0.3 * v) : 0.0f;
        }
        return clip;
    }
}

void need_data(GstElement* appsrc, guint, gpointer data) {
    Source* src = static_cast<Source*>(data);
    GstFlowReturn ret;
    if (src->produced >= src->total) {
        g_signal_emit_by_name(appsrc, "end-of-stream", &ret);
        return;
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(src->buffer_samples, src->total - src->produced));
    GstBuffer* buffer = gst_buffer_new_allocate(NULL, n * sizeof(float), NULL);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_WRITE);
    float* out = reinterpret_cast<float*>(map.data);
    for (size_t i = 0; i < n;) {
        size_t at = static_cast<size_t>((src->produced + i) % src->clip.size());
        size_t run = std::min(n - i, src->clip.size() - at);
        std::copy(src->clip.begin() + at, src->clip.begin() + at + run, out + i);
        i += run;
    }
    gst_buffer_unmap(buffer, &map);
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale_int(src->produced, GST_SECOND, 16000);
    GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale_int(n, GST_SECOND, 16000);
    src->produced += n;
    g_signal_emit_by_name(appsrc, "push-buffer", buffer, &ret);
    gst_buffer_unref(buffer);
}

GstPadProbeReturn count_buffers(GstPad*, GstPadProbeInfo* info, gpointer data) {
    uint64_t* count = static_cast<uint64_t*>(data);
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
        *count += gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info));
    else
        *count += 1;
    return GST_PAD_PROBE_OK;
}

// CPU seconds of the core alone (no GStreamer) on the same audio in the same pieces, for the
// element's overhead; negative when the element has no core counterpart here.
double core_seconds(const std::string& element, const Source& source) {
    auto cpu_seconds = []() {
        struct timespec t;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        return t.tv_sec + 1e-9 * t.tv_nsec;
    };
    std::vector<float> piece(source.buffer_samples);
    auto feed = [&](auto&& push) {
        for (uint64_t done = 0; done < source.total;) {
            size_t n = static_cast<size_t>(std::min<uint64_t>(piece.size(), source.total - done));
            for (size_t i = 0; i < n; ++i) piece[i] = source.clip[(done + i) % source.clip.size()];
            push(piece.data(), n);
            done += n;
        }
    };
    double t0 = cpu_seconds();
    if (element.rfind("lldextract", 0) == 0) {
        emotion::dsp::LldStream stream;
        std::vector<float> out;
        feed([&](const float* x, size_t n) {
            out.clear();
            stream.push(x, n, out);
        });
    } else if (element.rfind("mulawspec", 0) == 0) {
        size_t at = element.find("hop=");
        int hop = at == std::string::npos
                      ? 100
                      : static_cast<int>(std::lround(100 * std::atof(element.c_str() + at + 4)));
        emotion::dsp::MulawSegmenter segmenter(200, hop);
        float sink = 0;
        auto emit = [&](const emotion::dsp::MulawSegmenter::Segment& s) { sink += s.values[0]; };
        feed([&](const float* x, size_t n) { segmenter.push(x, n, emit); });
        segmenter.finish(emit);
        if (sink == 12345.0f) std::printf(" ");
    } else {
        return -1;
    }
    return cpu_seconds() - t0;
}

int run(const std::string& element, double seconds, size_t buffer_samples) {
    g_setenv("GST_PLUGIN_PATH", EMOTION_PLUGIN_DIR, FALSE);
    gst_init(NULL, NULL);

    Source source;
    source.clip = load_clip();
    source.total = static_cast<uint64_t>(seconds * 16000);
    source.buffer_samples = buffer_samples;

    std::string description = "appsrc name=src format=time emit-signals=true "
                              "caps=audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved ! " +
                              element + " ! fakesink name=sink sync=false";
    GError* error = NULL;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    if (!pipeline || error) {
        std::fprintf(stderr, "%s: %s\n", description.c_str(), error ? error->message : "failed");
        return 1;
    }
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    g_signal_connect(src, "need-data", G_CALLBACK(need_data), &source);
    uint64_t buffers = 0;
    GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(sinkpad, (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      count_buffers, &buffers, NULL);
    gst_object_unref(sinkpad);

    auto cpu_seconds = []() {
        struct rusage u;
        getrusage(RUSAGE_SELF, &u);
        return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
    };
    double cpu0 = cpu_seconds();
    auto t0 = std::chrono::steady_clock::now();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(pipeline);
    GstMessage* message = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                                     (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    auto t1 = std::chrono::steady_clock::now();
    double cpu = cpu_seconds() - cpu0;
    int status = 0;
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        GError* err = NULL;
        gst_message_parse_error(message, &err, NULL);
        std::fprintf(stderr, "%s: %s\n", element.c_str(), err->message);
        g_clear_error(&err);
        status = 1;
    }
    gst_message_unref(message);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(src);
    gst_object_unref(sink);
    gst_object_unref(pipeline);

    double wall = std::chrono::duration<double>(t1 - t0).count();
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    if (status == 0)
        std::printf("%s: %.0f s of audio in %.2f s = %.0fx real time (CPU time %.2f s = %.0fx), "
                    "%llu buffers out, peak RSS %.0f MB\n",
                    element.c_str(), seconds, wall, seconds / wall, cpu, seconds / cpu,
                    static_cast<unsigned long long>(buffers), usage.ru_maxrss / 1024.0);
    double core = core_seconds(element, source);
    if (status == 0 && core >= 0)
        std::printf("    core alone (no GStreamer, same pieces): CPU time %.2f s = %.0fx real time; "
                    "element path overhead %.0f%%\n",
                    core, seconds / core, 100.0 * (cpu - core) / cpu);
    std::fflush(stdout);
    return status;
}

} // namespace

int main(int argc, char** argv) {
    double seconds = 600;
    size_t buffer_samples = 4096;
    std::vector<std::string> elements;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--seconds" && i + 1 < argc)
            seconds = std::atof(argv[++i]);
        else if (arg == "--buffer" && i + 1 < argc)
            buffer_samples = static_cast<size_t>(std::max(1, std::atoi(argv[++i])));
        else if (arg == "--help" || arg == "-h") {
            std::printf("usage: %s [--seconds N] [--buffer SAMPLES] [ELEMENT-DESCRIPTION ...]\n", argv[0]);
            return 0;
        } else
            elements.push_back(arg);
    }
    if (elements.empty())
        elements = {"lldextract", "lldextract segmentation=vad", "mulawspec", "mulawspec hop=0.4"};
    std::printf("appsrc (%zu-sample buffers) ! ELEMENT ! fakesink sync=false, one streaming "
                "thread\n",
                buffer_samples);
    std::fflush(stdout);

    int failed = 0;
    for (const std::string& element : elements) {
        pid_t child = fork();
        if (child == 0) _exit(run(element, seconds, buffer_samples));
        int status = 0;
        waitpid(child, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    }
    return failed ? 1 : 0;
}
