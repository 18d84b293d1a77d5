// What the model and DSP benchmark programs share: clocks (wall and process CPU seconds), the
// peak resident memory, "--name value" options, comma lists, random LLD-like batches, and the
// timing of repeated inference runs and of training steps (mean, best and median).
#pragma once

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "models/model.h"
#include "nn/optim.h"

namespace bench {

inline double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0; // Linux: kilobytes
}

inline double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds of the whole process (all threads): unlike wall time, barely moved by other jobs on
// a loaded machine.
inline double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// "a,b,c" -> {"a", "b", "c"} (empty items dropped).
inline std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// "--name value" options, each read into the variable bound to its name.
class Options {
public:
    explicit Options(std::string usage) : usage_(std::move(usage)) {}
    Options& add(const std::string& name, std::string& value) {
        readers_[name] = [&value](const char* text) { value = text; };
        return *this;
    }
    Options& add(const std::string& name, int& value) {
        readers_[name] = [&value](const char* text) { value = std::atoi(text); };
        return *this;
    }
    // False, after printing "usage: <program> <usage>", on an unknown name or one without a value.
    bool parse(int argc, char** argv) const {
        for (int i = 1; i < argc; i += 2) {
            const auto reader = readers_.find(argv[i]);
            if (reader == readers_.end() || i + 1 >= argc) {
                std::fprintf(stderr, "usage: %s %s\n", argv[0], usage_.c_str());
                return false;
            }
            reader->second(argv[i + 1]);
        }
        return true;
    }

private:
    std::string usage_;
    std::map<std::string, std::function<void(const char*)>> readers_;
};

// Random LLD-like frames [B, T_max, features], zero-padded after each of `lengths` (per-feature
// offsets and scales, so the z-normalisation has work), emotion targets b % 4, and with a
// vocabulary 12..20 random word ids per item.
inline emotion::models::Batch random_lld_batch(const std::vector<int>& lengths, int features,
                                               emotion::nn::Rng& rng, int vocabulary = 0) {
    emotion::models::Batch batch;
    const int T = *std::max_element(lengths.begin(), lengths.end());
    const int B = static_cast<int>(lengths.size());
    batch.features.resize({B, T, features}, true);
    for (int b = 0; b < B; ++b)
        for (int t = 0; t < lengths[b]; ++t)
            for (int f = 0; f < features; ++f)
                batch.features[(static_cast<int64_t>(b) * T + t) * features + f] =
                    f * 0.5f + (1.0f + f * 0.1f) * rng.normal(0.0f, 1.0f);
    batch.lengths = lengths;
    for (int b = 0; b < B; ++b) {
        batch.targets["emotion"].push_back(b % 4);
        if (vocabulary > 0) {
            std::vector<int> ids(12 + rng.next() % 9);
            for (int& id : ids) id = static_cast<int>(rng.next() % vocabulary);
            batch.tokens.push_back(ids);
        }
    }
    return batch;
}

// Seconds per run of `iterations` runs after `warmup` untimed runs: the mean, median and best wall
// time, and the process CPU time.
struct RunTiming {
    double mean, median, best, cpu;
};

// The median of `times` (sorted in place).
inline double median_of(std::vector<double>& times) {
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

inline RunTiming time_runs(int iterations, const std::function<void()>& run, int warmup = 3) {
    for (int i = 0; i < warmup; ++i) run();
    std::vector<double> times;
    const double cpu_start = cpu_seconds();
    for (int i = 0; i < iterations; ++i) {
        const double start = wall_seconds();
        run();
        times.push_back(wall_seconds() - start);
    }
    const double cpu = (cpu_seconds() - cpu_start) / iterations;
    double total = 0.0;
    for (double t : times) total += t;
    const double median = median_of(times);
    return {total / iterations, median, times.front(), cpu};
}

// Seconds (wall, process CPU) per training step (zero the grads, forward, backward, optimiser
// step) over the steps on batch_of(1) .. batch_of(steps), after `warmup` steps on batch_of(0):
// the mean, and the best and median wall time of one step; the loss of the last step.
struct StepTiming {
    double wall, cpu, best, median;
    float loss;
};

inline StepTiming time_training(emotion::models::Model& model, emotion::nn::Optimizer& optimizer, int steps,
                                const std::function<const emotion::models::Batch&(int)>& batch_of,
                                int warmup = 1) {
    const auto table = model.parameters();
    auto step = [&](const emotion::models::Batch& batch) {
        emotion::nn::zero_grads(table);
        model.forward(batch, emotion::nn::Mode::Train);
        const float loss = model.backward(batch);
        optimizer.step();
        return loss;
    };
    for (int i = 0; i < warmup; ++i) step(batch_of(0)); // primitives and buffers
    std::vector<double> times;
    const double start = wall_seconds(), cpu_start = cpu_seconds();
    float loss = 0.0f;
    for (int s = 1; s <= steps; ++s) {
        const double step_start = wall_seconds();
        loss = step(batch_of(s));
        times.push_back(wall_seconds() - step_start);
    }
    const double wall = (wall_seconds() - start) / steps, cpu = (cpu_seconds() - cpu_start) / steps;
    const double median = median_of(times);
    return {wall, cpu, times.front(), median, loss};
}

// `value` when an option set it (>= 0), else `fallback`.
inline int or_default(int value, int fallback) { return value >= 0 ? value : fallback; }

} // namespace bench
