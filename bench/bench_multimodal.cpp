// The multimodal (M4) pipelines, with EmoDB's utterances looped into long speech and their
// transcripts as subtitles at their times (bench/looped_speech.h):
//   file: filesrc WAV ! decodebin ! audioconvert ! audioresample ! lldextract
//           ! ksmmtransformer name=m ! emotionsink     filesrc SRT ! subparse ! m.text
//         (3 s windows: looped EmoDB has too few pauses for VAD segments)
//         real-time factor, CPU time, results, peak resident memory;
//   live: appsrc (audio paced by the pipeline clock in 20 ms buffers, as a capture card
//           delivers them) ! lldextract ! ksmmtransformer text-timeout=T ! fakesink
//         appsrc (each transcript pushed D seconds after its utterance ends, as a speech-to-text
//           element would) ! m.text
//         the latency the pipeline reports, and per result the delay from the end of its segment
//         to its `emotion` message (median, 95th percentile, maximum).
//   bench_multimodal [--seconds 600] [--live-seconds 60] [--model FILE] [--threads 1]
//                    [--text-timeout 1.0] [--stt-delay 0.3]
// The model defaults to the shipped models/ksmm.safetensors.
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "live_feed.h"
#include "looped_speech.h"
#include "result-delays.h"

namespace {

struct Settings {
    int seconds = 600, live_seconds = 60, threads = 1;
    double text_timeout = 1.0, stt_delay = 0.3;
    std::string model = EMOTION_DEFAULT_MODEL;
};

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

GstElement* launch(const std::string& description) {
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    if (!pipeline || error) {
        std::fprintf(stderr, "cannot build the pipeline: %s\n", error ? error->message : "?");
        g_clear_error(&error);
        return nullptr;
    }
    return pipeline;
}

// Waits for EOS or an error; false on an error.
bool wait_for_end(GstElement* pipeline) {
    GstBus* bus = gst_element_get_bus(pipeline);
    GstMessage* m = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE,
                                               GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    const bool ok = GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
    if (!ok) {
        GError* error = nullptr;
        gst_message_parse_error(m, &error, nullptr);
        std::fprintf(stderr, "error: %s\n", error ? error->message : "?");
        g_clear_error(&error);
    }
    gst_message_unref(m);
    gst_object_unref(bus);
    return ok;
}

void count_result(GstElement*, GstStructure*, gpointer count) { ++*static_cast<unsigned*>(count); }

bool run_file(const Settings& s, const bench::LoopedSpeech& speech) {
    const std::string description = "filesrc location=\"" + speech.wav +
                                    "\" ! decodebin ! audioconvert ! audioresample ! "
                                    "lldextract ! ksmmtransformer name=m threads=" +
                                    std::to_string(s.threads) + " model=\"" + s.model +
                                    "\" ! emotionsink name=sink  filesrc location=\"" + speech.srt +
                                    "\" ! subparse ! m.text";
    GstElement* pipeline = launch(description);
    if (!pipeline) return false;
    unsigned results = 0;
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    g_signal_connect(sink, "result", G_CALLBACK(count_result), &results);
    gst_object_unref(sink);
    const double cpu_before = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    const bool ok = wait_for_end(pipeline);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_before;
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    if (!ok) return false;
    std::printf(
        "file: %d s of speech, %zu subtitle lines: %.1f s wall (%.0fx real time), %.1f s CPU (%.0fx), "
        "%u results, peak RSS %.1f MiB\n",
        s.seconds, speech.utterances.size(), wall, s.seconds / wall, cpu, s.seconds / cpu, results,
        bench::rss_kib("VmHWM:") / 1024.0);
    return true;
}

bool run_live(const Settings& s, const bench::LoopedSpeech& speech) {
    std::vector<int16_t> pcm;
    bench::read_pcm16(speech.wav, &pcm);
    pcm.resize(std::min(pcm.size(), size_t(16000) * s.live_seconds));
    char timeout[32];
    std::snprintf(timeout, sizeof timeout, "%.3f", s.text_timeout);
    const std::string description =
        "appsrc name=audio is-live=true format=time min-latency=20000000 "
        "caps=audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved "
        "! lldextract ! ksmmtransformer name=m text-timeout=" +
        std::string(timeout) + " threads=" + std::to_string(s.threads) + " model=\"" + s.model +
        "\" ! fakesink sync=true "
        // min-latency set, or appsrc reports its text basesrc's max latency 0 (no buffer size)
        "appsrc name=text is-live=true format=time min-latency=0 caps=text/x-raw,format=utf8 ! m.text";
    GstElement* pipeline = launch(description);
    if (!pipeline) return false;
    auto delays = std::make_unique<emotion::pipelines::ResultDelays>(pipeline);
    GstElement* audio = gst_bin_get_by_name(GST_BIN(pipeline), "audio");
    GstElement* text = gst_bin_get_by_name(GST_BIN(pipeline), "text");
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    // The sink completes its state change only with a first buffer: wait for the source, which
    // has the clock and base time once it plays.
    gst_element_get_state(audio, nullptr, nullptr, GST_CLOCK_TIME_NONE);
    std::thread audio_thread(bench::feed_audio, pipeline, GST_APP_SRC(audio), std::cref(pcm), nullptr);
    std::thread text_thread(bench::feed_text, pipeline, GST_APP_SRC(text), std::cref(speech.utterances),
                            double(s.live_seconds), s.stt_delay);
    // the latency is known once data flows
    std::this_thread::sleep_for(std::chrono::seconds(2));
    bool live = false;
    const double latency = bench::reported_latency(pipeline, "m", &live);
    const bool ok = wait_for_end(pipeline);
    audio_thread.join();
    text_thread.join();
    gst_element_set_state(pipeline, GST_STATE_NULL);
    const std::vector<double> seconds = delays->seconds();
    delays.reset();
    gst_object_unref(audio);
    gst_object_unref(text);
    gst_object_unref(pipeline);
    if (!ok || seconds.empty()) {
        if (ok) std::fprintf(stderr, "live: no result\n");
        return false;
    }
    std::printf("live: %d s of speech, text-timeout %.2f s, transcripts %.2f s after each utterance: "
                "reported latency %.2f s (live %s), %zu results, delay from segment end to result: "
                "median %.3f s, 95 %% %.3f s, max %.3f s\n",
                s.live_seconds, s.text_timeout, s.stt_delay, latency, live ? "yes" : "no", seconds.size(),
                bench::percentile(seconds, 0.5), bench::percentile(seconds, 0.95),
                bench::percentile(seconds, 1.0));
    return true;
}

bool parse(int argc, char** argv, Settings* s) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string name = argv[i], value = argv[i + 1];
        if (name == "--seconds")
            s->seconds = std::atoi(value.c_str());
        else if (name == "--live-seconds")
            s->live_seconds = std::atoi(value.c_str());
        else if (name == "--model")
            s->model = value;
        else if (name == "--threads")
            s->threads = std::atoi(value.c_str());
        else if (name == "--text-timeout")
            s->text_timeout = std::atof(value.c_str());
        else if (name == "--stt-delay")
            s->stt_delay = std::atof(value.c_str());
        else
            return false;
    }
    return argc % 2 == 1 && s->seconds > 0 && s->live_seconds >= 0 && s->threads > 0;
}

} // namespace

int main(int argc, char** argv) {
    setenv("GST_PLUGIN_PATH", EMOTION_PLUGIN_DIR, 0);
    gst_init(&argc, &argv);
    Settings s;
    if (!parse(argc, argv, &s)) {
        std::fprintf(stderr,
                     "usage: bench_multimodal [--seconds N] [--live-seconds N] [--model FILE] [--threads N] "
                     "[--text-timeout S] [--stt-delay S]\n");
        return 2;
    }
    s.live_seconds = std::min(s.live_seconds, s.seconds); // the live run plays the file's start
    const bench::LoopedSpeech speech = bench::make_looped_speech(EMOTION_BENCH_DIR, s.seconds);
    if (speech.wav.empty()) {
        std::fprintf(stderr, "no audio to loop (EmoDB or reference speech) under %s\n",
                     bench::shared_dir().c_str());
        return 1;
    }
    std::printf("model %s, %d thread(s), OMP_WAIT_POLICY=%s\n", s.model.c_str(), s.threads,
                std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "(unset)");
    if (!run_file(s, speech)) return 1;
    if (s.live_seconds > 0 && !run_live(s, speech)) return 1;
    return 0;
}
