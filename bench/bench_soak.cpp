// Soak: live speech for a long time through each classifier in turn, with the resident memory
// sampled while it plays. Looped EmoDB speech (bench/looped_speech.h) is pushed by an appsrc at
// the clock's pace in 20 ms buffers (bench/live_feed.h), with a 0.5 s pause after each utterance,
// segmented by voice activity, classified:
//   alstm  appsrc ! lldextract segmentation=vad ! alstmclassify ! fakesink sync=true
//   apcnn  appsrc (utterances marked by segment events, as an upstream VAD would: mulawspec has
//          no VAD of its own) ! mulawspec ! apcnnclassify ! fakesink sync=true
//   stl    appsrc ! lldextract segmentation=vad ! stlclassify ! fakesink sync=true
//   ksmm   appsrc ! lldextract segmentation=vad ! ksmmtransformer text-timeout=1 ! fakesink
//          sync=true, appsrc (each transcript 0.3 s after its utterance) ! text pad
// Per classifier: the results, their segment ids (unique and contiguous: none lost or
// duplicated), the delay from each segment's end to its result against the reported latency,
// and the RSS series after warm-up (min, max, growth, least-squares slope per hour). Exit 1 when
// a result is lost or duplicated or the RSS grows by more than --rss-bound MiB after warm-up.
//   bench_soak [--seconds 3600 (total, split evenly)] [--classifiers alstm,apcnn,stl,ksmm]
//              [--sample-seconds 10] [--warmup-seconds 60] [--rss-bound 8]
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "live_feed.h"
#include "looped_speech.h"
#include "result-delays.h"

namespace {

struct Settings {
    int seconds = 3600, sample_seconds = 10, warmup_seconds = 60, rss_bound_mib = 8;
    std::string classifiers = "alstm,apcnn,stl,ksmm";
};

std::string model(const std::string& name) {
    return std::string(EMOTION_MODELS_DIR) + "/" + name + ".safetensors";
}

// The live pipeline of one classifier; its classifier is named "m", its sources "audio" and, for
// ksmm, "text".
std::string description(const std::string& classifier) {
    const std::string source = "appsrc name=audio is-live=true format=time min-latency=20000000 "
                               "caps=audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved ! ";
    const std::string sink = " ! fakesink sync=true";
    if (classifier == "apcnn")
        return source + "mulawspec ! apcnnclassify name=m model=\"" + model("apcnn") + "\"" + sink;
    if (classifier == "ksmm")
        return source + "lldextract segmentation=vad ! ksmmtransformer name=m text-timeout=1 model=\"" +
               model("ksmm") + "\"" + sink +
               " appsrc name=text is-live=true format=time min-latency=0 caps=text/x-raw,format=utf8 ! "
               "m.text";
    const std::string element = classifier == "alstm" ? "alstmclassify" : "stlclassify";
    return source + "lldextract segmentation=vad ! " + element + " name=m model=\"" + model(classifier) +
           "\"" + sink;
}

// Looped EmoDB has its utterances back to back: the VAD would find one segment a minute. A live
// talk has pauses: `pause` seconds of silence after each utterance, the whole cut to `seconds`.
struct Speech {
    std::vector<int16_t> pcm;
    std::vector<bench::Utterance> utterances;
};

Speech with_pauses(const bench::LoopedSpeech& looped, double pause, int seconds) {
    std::vector<int16_t> pcm;
    bench::read_pcm16(looped.wav, &pcm);
    Speech out;
    const size_t limit = size_t(16000) * seconds, silence = size_t(16000 * pause);
    for (const auto& u : looped.utterances) {
        const size_t begin = size_t(u.start * 16000), end = std::min(pcm.size(), size_t(u.end * 16000));
        if (out.pcm.size() + (end - begin) > limit) break;
        const double start = out.pcm.size() / 16000.0;
        out.pcm.insert(out.pcm.end(), pcm.begin() + begin, pcm.begin() + end);
        out.utterances.push_back({start, out.pcm.size() / 16000.0, u.text});
        out.pcm.resize(std::min(limit, out.pcm.size() + silence), 0);
    }
    out.pcm.resize(limit, 0);
    return out;
}

struct RssSample {
    double seconds, mib;
};

struct Phase {
    std::vector<std::string> ids; // in the order the results came
    std::vector<RssSample> rss;
    std::vector<double> delays;
    double latency = 0, cpu = 0;
    bool live = false, ok = true;
};

// Plays `seconds` of speech live through `classifier`, reading the bus on this thread and sampling
// the RSS every `sample_seconds`.
Phase play(const std::string& classifier, const Speech& speech, int seconds, int sample_seconds) {
    Phase phase;
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(description(classifier).c_str(), &error);
    if (!pipeline || error) {
        std::fprintf(stderr, "%s: %s\n", classifier.c_str(), error ? error->message : "cannot build");
        g_clear_error(&error);
        phase.ok = false;
        return phase;
    }
    auto delays = std::make_unique<emotion::pipelines::ResultDelays>(pipeline);
    GstElement* audio = gst_bin_get_by_name(GST_BIN(pipeline), "audio");
    GstElement* text = gst_bin_get_by_name(GST_BIN(pipeline), "text");
    const double cpu_start = bench::cpu_seconds();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    gst_element_get_state(audio, nullptr, nullptr, GST_CLOCK_TIME_NONE); // clock and base time
    std::thread audio_thread(bench::feed_audio, pipeline, GST_APP_SRC(audio), std::cref(speech.pcm),
                             classifier == "apcnn" ? &speech.utterances : nullptr);
    std::thread text_thread;
    if (text)
        text_thread = std::thread(bench::feed_text, pipeline, GST_APP_SRC(text), std::cref(speech.utterances),
                                  double(seconds), 0.3);
    GstBus* bus = gst_element_get_bus(pipeline);
    const double start = bench::wall_seconds();
    double next_sample = sample_seconds;
    for (bool done = false; !done;) {
        const double now = bench::wall_seconds() - start;
        if (now >= next_sample) {
            phase.rss.push_back({now, bench::rss_kib("VmRSS:") / 1024.0});
            next_sample += sample_seconds;
            continue;
        }
        GstMessage* m = gst_bus_timed_pop_filtered(
            bus, GstClockTime((next_sample - now) * GST_SECOND),
            GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT));
        if (!m) continue;
        const GstStructure* s = gst_message_get_structure(m);
        if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT && gst_structure_has_name(s, "emotion")) {
            if (phase.ids.empty()) phase.latency = bench::reported_latency(pipeline, "m", &phase.live);
            const gchar* id = gst_structure_get_string(s, "segment-id");
            phase.ids.push_back(id ? id : "");
        } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
            GError* e = nullptr;
            gst_message_parse_error(m, &e, nullptr);
            std::fprintf(stderr, "%s: error: %s\n", classifier.c_str(), e ? e->message : "?");
            g_clear_error(&e);
            phase.ok = false;
            done = true;
        } else if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS) {
            done = true;
        }
        gst_message_unref(m);
    }
    phase.cpu = bench::cpu_seconds() - cpu_start;
    gst_element_set_state(pipeline, GST_STATE_NULL); // unblocks the feeders after an error
    audio_thread.join();
    if (text_thread.joinable()) text_thread.join();
    phase.delays = delays->seconds();
    delays.reset();
    gst_object_unref(bus);
    gst_object_unref(audio);
    if (text) gst_object_unref(text);
    gst_object_unref(pipeline);
    return phase;
}

// Ids "<prefix><n>": how many of 0..expected-1 (or 0..the largest n) are missing, and how many
// results repeat an id.
void count_ids(const std::vector<std::string>& ids, long expected, long* lost, long* duplicated) {
    std::map<long, int> seen;
    for (const auto& id : ids) {
        const size_t digits = id.find_first_of("0123456789");
        ++seen[digits == std::string::npos ? -1 : std::atol(id.c_str() + digits)];
    }
    *duplicated = static_cast<long>(ids.size() - seen.size());
    long largest = seen.empty() ? -1 : seen.rbegin()->first;
    const long range = std::max(expected, largest + 1);
    *lost = range - static_cast<long>(seen.size()) + (seen.count(-1) ? 1 : 0);
}

struct RssTrend {
    double min = 0, max = 0, growth = 0, slope_per_hour = 0;
    size_t samples = 0;
};

RssTrend trend_after(const std::vector<RssSample>& series, double warmup) {
    RssTrend t;
    std::vector<RssSample> kept;
    for (const auto& s : series)
        if (s.seconds >= warmup) kept.push_back(s);
    t.samples = kept.size();
    if (kept.empty()) return t;
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    t.min = t.max = kept.front().mib;
    for (const auto& s : kept) {
        t.min = std::min(t.min, s.mib);
        t.max = std::max(t.max, s.mib);
        sx += s.seconds, sy += s.mib, sxx += s.seconds * s.seconds, sxy += s.seconds * s.mib;
    }
    t.growth = t.max - kept.front().mib;
    const double n = double(kept.size()), denominator = n * sxx - sx * sx;
    if (kept.size() > 1 && denominator > 0) t.slope_per_hour = (n * sxy - sx * sy) / denominator * 3600;
    return t;
}

} // namespace

int main(int argc, char** argv) {
    setenv("GST_PLUGIN_PATH", EMOTION_PLUGIN_DIR, 0);
    gst_init(&argc, &argv);
    Settings s;
    bench::Options options("[--seconds N] [--classifiers alstm,apcnn,stl,ksmm] [--sample-seconds N] "
                           "[--warmup-seconds N] [--rss-bound MiB]");
    options.add("--seconds", s.seconds)
        .add("--classifiers", s.classifiers)
        .add("--sample-seconds", s.sample_seconds)
        .add("--warmup-seconds", s.warmup_seconds)
        .add("--rss-bound", s.rss_bound_mib);
    const std::vector<std::string> classifiers = bench::split_list(s.classifiers);
    if (!options.parse(argc, argv) || classifiers.empty() || s.sample_seconds <= 0) return 2;
    const int each = s.seconds / static_cast<int>(classifiers.size());
    const int warmup = std::min(s.warmup_seconds, each / 2); // at least half of each run is measured
    const bench::LoopedSpeech looped = bench::make_looped_speech(EMOTION_BENCH_DIR, each);
    if (looped.wav.empty()) {
        std::fprintf(stderr, "no audio to loop under %s\n", bench::shared_dir().c_str());
        return 1;
    }
    std::printf("%d s live per classifier, RSS every %d s, warm-up %d s, bound +%d MiB; OMP_NUM_THREADS=%s\n",
                each, s.sample_seconds, warmup, s.rss_bound_mib,
                std::getenv("OMP_NUM_THREADS") ? std::getenv("OMP_NUM_THREADS") : "(unset)");
    std::fflush(stdout);
    const Speech speech = with_pauses(looped, 0.5, each);
    int status = 0;
    for (const auto& classifier : classifiers) {
        const Phase phase = play(classifier, speech, each, s.sample_seconds);
        long lost = 0, duplicated = 0;
        count_ids(phase.ids, classifier == "apcnn" ? long(speech.utterances.size()) : 0, &lost, &duplicated);
        const RssTrend rss = trend_after(phase.rss, warmup);
        const size_t late = phase.delays.empty() ? 0
                                                 : std::count_if(phase.delays.begin(), phase.delays.end(),
                                                                 [&](double d) { return d > phase.latency; });
        std::printf(
            "%s: %zu results (%ld lost, %ld duplicated), %.1f CPU s; reported latency %.2f s (live %s), "
            "delay segment end to result: p95 %.3f s, max %.3f s, %zu over the latency; RSS after "
            "warm-up (%zu samples) %.1f-%.1f MiB, growth %+.1f MiB, slope %+.2f MiB/h\n",
            classifier.c_str(), phase.ids.size(), lost, duplicated, phase.cpu, phase.latency,
            phase.live ? "yes" : "no", phase.delays.empty() ? 0.0 : bench::percentile(phase.delays, 0.95),
            phase.delays.empty() ? 0.0 : bench::percentile(phase.delays, 1.0), late, rss.samples, rss.min,
            rss.max, rss.growth, rss.slope_per_hour);
        std::printf("%s RSS series (s MiB):", classifier.c_str());
        for (const auto& sample : phase.rss) std::printf(" %.0f %.1f", sample.seconds, sample.mib);
        std::printf("\n");
        std::fflush(stdout);
        if (!phase.ok || phase.ids.empty() || lost || duplicated || rss.growth > s.rss_bound_mib) status = 1;
    }
    std::printf("peak RSS %.1f MiB; %s\n", bench::rss_kib("VmHWM:") / 1024.0, status ? "FAILED" : "passed");
    return status;
}
