// Many streams: the same recording tagged by many pipelines at once, first in one process
// (threads), then in several processes (this program re-run with --child), every pipeline's
// results compared bit for bit with a single-stream run of the same pipeline. The recording is
// looped EmoDB speech (bench/looped_speech.h); the pipelines alternate between M1 and M3:
//   filesrc ! decodebin ! audioconvert ! audioresample ! lldextract ! alstmclassify | stlclassify
//     ! fakesink      (3 s windows; results read from the `emotion` bus messages)
// Prints the throughput (audio seconds per wall second), the RSS of each process after warm-up
// (a quarter into the run) and at its end (the last sample before a pipeline finished), whether
// every result is identical (segment ids, labels, scores), and how many are lost or duplicated.
// Exit 1 on any difference.
//   bench_streams [--pipelines 32] [--processes 4] [--seconds 300]
#include <gst/gst.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench_common.h"
#include "looped_speech.h"
#include "run-pipeline.h"

namespace {

const char* const kClassifiers[] = {"alstm", "stl"};

std::string classifier_of(int pipeline) { return kClassifiers[pipeline % 2]; }

std::string description(const std::string& wav, const std::string& classifier) {
    return "filesrc location=\"" + wav + "\" ! decodebin ! audioconvert ! audioresample ! lldextract ! " +
           classifier + "classify model=\"" + EMOTION_MODELS_DIR + "/" + classifier +
           ".safetensors\" ! fakesink";
}

// One result as a line: segment id, label and the scores as hexadecimal floats (exact).
std::string result_line(const GstStructure* s) {
    const gchar* id = gst_structure_get_string(s, "segment-id");
    const gchar* label = gst_structure_get_string(s, "label");
    std::string line = std::string(id ? id : "?") + " " + (label ? label : "?");
    const GValue* scores = gst_structure_get_value(s, "scores");
    for (guint k = 0; scores && k < gst_value_array_get_size(scores); ++k) {
        char score[40];
        std::snprintf(score, sizeof score, " %a", g_value_get_double(gst_value_array_get_value(scores, k)));
        line += score;
    }
    return line;
}

using Results = std::vector<std::string>; // result lines of one pipeline, in order

struct Run {
    std::vector<Results> results; // per pipeline
    double wall = 0, rss_warm = 0, rss_end = 0, peak = 0;
    bool ok = true;
};

// Plays `count` pipelines (numbered from `first`, for their classifier) at once, one thread
// each, sampling the RSS every 0.1 s until the first of them finishes.
Run run_pipelines(const std::string& wav, int first, int count) {
    Run run;
    run.results.resize(count);
    std::atomic<int> finished{0};
    std::atomic<bool> failed{false};
    std::vector<std::pair<double, double>> rss; // (seconds, MiB)
    const double start = bench::wall_seconds();
    std::thread sampler([&] {
        while (finished == 0) {
            rss.push_back({bench::wall_seconds() - start, bench::rss_kib("VmRSS:") / 1024.0});
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    std::vector<std::thread> threads;
    for (int i = 0; i < count; ++i)
        threads.emplace_back([&, i] {
            const std::string error = emotion::pipelines::run_pipeline(
                description(wav, classifier_of(first + i)), [&](const GstStructure* s) {
                    if (gst_structure_has_name(s, "emotion")) run.results[i].push_back(result_line(s));
                });
            if (!error.empty()) {
                std::fprintf(stderr, "pipeline %d: %s\n", first + i, error.c_str());
                failed = true;
            }
            ++finished;
        });
    for (auto& t : threads) t.join();
    sampler.join();
    run.wall = bench::wall_seconds() - start;
    run.ok = !failed;
    run.peak = bench::rss_kib("VmHWM:") / 1024.0;
    if (!rss.empty()) {
        const double quarter = rss.back().first / 4;
        for (const auto& sample : rss)
            if (sample.first >= quarter) {
                run.rss_warm = sample.second;
                break;
            }
        run.rss_end = rss.back().second;
    }
    return run;
}

// --child: runs the pipelines and prints "rss WARM END PEAK" and "result PIPELINE LINE" lines.
int child(const std::string& wav, int first, int count) {
    const Run run = run_pipelines(wav, first, count);
    std::printf("rss %.1f %.1f %.1f\n", run.rss_warm, run.rss_end, run.peak);
    for (int i = 0; i < count; ++i)
        for (const auto& line : run.results[i]) std::printf("result %d %s\n", first + i, line.c_str());
    return run.ok ? 0 : 1;
}

// Results of `count` processes of this program, each running its share of `pipelines`: the
// results per pipeline, and per process its RSS figures.
bool run_processes(const std::string& wav, int pipelines, int processes, std::vector<Results>* results,
                   std::vector<std::string>* rss) {
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return false;
    self[n] = 0;
    std::vector<FILE*> children;
    for (int p = 0; p < processes; ++p) {
        const int first = pipelines * p / processes, last = pipelines * (p + 1) / processes;
        const std::string command = std::string("\"") + self + "\" --child " + std::to_string(first) + ":" +
                                    std::to_string(last - first) + " --wav \"" + wav + "\"";
        children.push_back(popen(command.c_str(), "r"));
        if (!children.back()) return false;
    }
    results->assign(pipelines, {});
    bool ok = true;
    for (FILE* out : children) {
        char line[4096];
        while (std::fgets(line, sizeof line, out)) {
            std::string text(line);
            if (!text.empty() && text.back() == '\n') text.pop_back();
            int pipeline = 0, used = 0;
            if (std::sscanf(text.c_str(), "result %d %n", &pipeline, &used) == 1 && pipeline >= 0 &&
                pipeline < pipelines)
                (*results)[pipeline].push_back(text.substr(used));
            else if (text.compare(0, 4, "rss ") == 0)
                rss->push_back(text.substr(4));
        }
        ok = pclose(out) == 0 && ok;
    }
    return ok;
}

// Compares every pipeline's results with the single-stream reference of its classifier.
struct Comparison {
    bool identical = true;
    long lost = 0, duplicated = 0, results = 0;
};

Comparison compare(const std::vector<Results>& results, const std::map<std::string, Results>& reference) {
    Comparison c;
    for (size_t i = 0; i < results.size(); ++i) {
        const Results& expected = reference.at(classifier_of(int(i)));
        c.identical = c.identical && results[i] == expected;
        c.results += long(results[i].size());
        auto id = [](const std::string& line) { return line.substr(0, line.find(' ')); };
        std::set<std::string> seen, wanted;
        for (const auto& line : expected) wanted.insert(id(line));
        for (const auto& line : results[i])
            if (!seen.insert(id(line)).second) ++c.duplicated;
        for (const auto& w : wanted) c.lost += !seen.count(w);
    }
    return c;
}

void print(const char* what, int pipelines, int seconds, double wall, const Comparison& c) {
    std::printf(
        "%s: %d pipelines x %d s in %.1f s wall: %.0f audio s per wall s; %ld results, identical: %s, "
        "lost %ld, duplicated %ld\n",
        what, pipelines, seconds, wall, pipelines * double(seconds) / wall, c.results,
        c.identical ? "yes" : "no", c.lost, c.duplicated);
}

} // namespace

int main(int argc, char** argv) {
    setenv("GST_PLUGIN_PATH", EMOTION_PLUGIN_DIR, 0);
    setenv("OMP_NUM_THREADS", "1", 0); // one thread a pipeline; many pipelines share the cores
    gst_init(&argc, &argv);
    int pipelines = 32, processes = 4, seconds = 300;
    std::string child_range, wav;
    bench::Options options("[--pipelines 32] [--processes 4] [--seconds 300]");
    options.add("--pipelines", pipelines)
        .add("--processes", processes)
        .add("--seconds", seconds)
        .add("--child", child_range)
        .add("--wav", wav);
    if (!options.parse(argc, argv) || pipelines < 1 || processes < 1 || seconds < 1) return 2;
    if (!child_range.empty()) {
        int first = 0, count = 0;
        if (std::sscanf(child_range.c_str(), "%d:%d", &first, &count) != 2) return 2;
        return child(wav, first, count);
    }
    wav = bench::make_looped_speech(EMOTION_BENCH_DIR, seconds).wav;
    if (wav.empty()) {
        std::fprintf(stderr, "no audio to loop under %s\n", bench::shared_dir().c_str());
        return 1;
    }
    std::printf("recording %s (%d s); OMP_NUM_THREADS=%s\n", wav.c_str(), seconds,
                std::getenv("OMP_NUM_THREADS"));
    std::map<std::string, Results> reference;
    for (int c = 0; c < 2; ++c) {
        const Run single = run_pipelines(wav, c, 1);
        if (!single.ok || single.results[0].empty()) return 1;
        reference[classifier_of(c)] = single.results[0];
        std::printf("single stream %s: %zu results, %.1f s wall (%.0fx)\n", classifier_of(c).c_str(),
                    single.results[0].size(), single.wall, seconds / single.wall);
    }
    std::fflush(stdout);
    const Run threads = run_pipelines(wav, 0, pipelines);
    const Comparison in_process = compare(threads.results, reference);
    print("one process", pipelines, seconds, threads.wall, in_process);
    std::printf("  RSS after warm-up %.1f MiB, at the end %.1f MiB, peak %.1f MiB\n", threads.rss_warm,
                threads.rss_end, threads.peak);
    std::fflush(stdout);

    std::vector<Results> results;
    std::vector<std::string> rss;
    const double start = bench::wall_seconds();
    const bool children_ok = run_processes(wav, pipelines, processes, &results, &rss);
    const Comparison across = compare(results, reference);
    char what[64];
    std::snprintf(what, sizeof what, "%d processes", processes);
    print(what, pipelines, seconds, bench::wall_seconds() - start, across);
    for (size_t p = 0; p < rss.size(); ++p) {
        double warm = 0, end = 0, peak = 0;
        std::sscanf(rss[p].c_str(), "%lf %lf %lf", &warm, &end, &peak);
        std::printf("  process %zu: RSS after warm-up %.1f MiB, at the end %.1f MiB, peak %.1f MiB\n", p,
                    warm, end, peak);
    }
    const bool ok = threads.ok && children_ok && in_process.identical && across.identical &&
                    !in_process.lost && !across.lost && !in_process.duplicated && !across.duplicated;
    std::printf("%s\n", ok ? "passed" : "FAILED");
    return ok ? 0 : 1;
}
