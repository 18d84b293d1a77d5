// Speed of M2 `apcnn`: inference real-time factor per 2 s mu-law segment at batch 1 on one and
// two threads (oneDNN's OpenMP threads), and training throughput (batch 64, forward + backward +
// SGD Nesterov step) in seconds of audio per second, plus the process's peak RSS.
//
//   bench_m2 [--pooling att|gap] [--iterations N] [--train-steps N] [--batch B]
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "models/apcnn_model.h"
#include "nn/optim.h"

using namespace emotion;

namespace {

constexpr double kSegmentSeconds = 2.0;

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0; // Linux: kilobytes
}

// CPU seconds of the whole process (all threads): unlike wall time, barely moved by other jobs
// on a loaded machine.
double cpu_now() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

nn::Tensor random_segments(int batch, nn::Rng& rng) {
    nn::Tensor x({batch, 1, models::ApcnnModel::kFrequencies, models::ApcnnModel::kFrames});
    for (int64_t i = 0; i < x.size(); ++i) x[i] = rng.uniform(-1.0f, 1.0f);
    return x;
}

struct Timing {
    double mean, median, best; // seconds per forward
};

// Seconds per batch-1 forward. The mean is what perf_pytorch_models.py reports (total audio /
// total time); the median and best show how much other load on the machine moved it.
Timing infer_seconds(models::ApcnnModel& model, const nn::Tensor& x, int iterations) {
    for (int i = 0; i < 3; ++i) model.forward(x, nn::Mode::Infer);
    std::vector<double> times;
    for (int i = 0; i < iterations; ++i) {
        const double start = now();
        model.forward(x, nn::Mode::Infer);
        times.push_back(now() - start);
    }
    double total = 0.0;
    for (double t : times) total += t;
    std::sort(times.begin(), times.end());
    return {total / iterations, times[times.size() / 2], times.front()};
}

} // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // figures appear as they are measured
    std::string pooling = "att";
    int iterations = 50, train_steps = 3, batch = 64;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key == "--pooling")
            pooling = argv[i + 1];
        else if (key == "--iterations")
            iterations = std::atoi(argv[i + 1]);
        else if (key == "--train-steps")
            train_steps = std::atoi(argv[i + 1]);
        else if (key == "--batch")
            batch = std::atoi(argv[i + 1]);
        else {
            std::fprintf(stderr,
                         "usage: %s [--pooling att|gap] [--iterations N] "
                         "[--train-steps N] [--batch B]\n",
                         argv[0]);
            return 2;
        }
    }
    if (iterations < 1 || train_steps < 0 || batch < 2) {
        std::fprintf(stderr, "iterations >= 1, train-steps >= 0, batch >= 2\n");
        return 2;
    }

    nn::Context context;
    models::ApcnnConfig config;
    config.pooling = pooling;
    models::ApcnnModel model(context, config);
    nn::Rng rng(7);
    model.init(rng);
    const nn::Tensor segment = random_segments(1, rng);

    std::printf("M2 apcnn (pooling=%s), input [1, 1, 400, 200] = one 2 s segment\n", pooling.c_str());
    for (int threads : {1, 2}) {
        omp_set_num_threads(threads);
        // A fresh model per thread count: oneDNN sizes its work split when a primitive is made.
        nn::Context local_context;
        models::ApcnnModel local(local_context, config);
        const auto from = model.parameters(), to = local.parameters();
        for (size_t i = 0; i < from.size(); ++i) to[i].parameter->value.copy_from(from[i].parameter->value);
        const Timing t = infer_seconds(local, segment, iterations);
        std::printf("  inference, batch 1, %d thread%s: %.0fx real time (mean %.2f ms per segment; "
                    "median %.2f ms = %.0fx, best %.2f ms = %.0fx)\n",
                    threads, threads > 1 ? "s" : "", kSegmentSeconds / t.mean, t.mean * 1e3, t.median * 1e3,
                    kSegmentSeconds / t.median, t.best * 1e3, kSegmentSeconds / t.best);
    }
    std::printf("  peak RSS after inference: %.0f MB\n", peak_rss_mb());

    if (train_steps > 0) {
        models::Batch data;
        data.features = random_segments(batch, rng);
        for (int i = 0; i < batch; ++i) data.targets["emotion"].push_back(i % config.K);
        nn::SgdOptions options;
        options.lr = 0.05;
        options.momentum = 0.9;
        options.nesterov = true;
        options.weight_decay = 1e-4;
        for (int threads : {1, 2}) {
            omp_set_num_threads(threads);
            nn::Context local_context;
            models::ApcnnModel local(local_context, config);
            const auto from = model.parameters(), table = local.parameters();
            for (size_t i = 0; i < from.size(); ++i)
                table[i].parameter->value.copy_from(from[i].parameter->value);
            nn::Sgd sgd(nn::trainable_parameters(table), options);
            auto step = [&] {
                nn::zero_grads(table);
                local.forward(data, nn::Mode::Train);
                const float loss = local.backward(data);
                sgd.step();
                return loss;
            };
            step(); // warm-up: primitives and buffers
            const double start = now(), cpu_start = cpu_now();
            float loss = 0.0f;
            for (int s = 0; s < train_steps; ++s) loss = step();
            const double per_step = (now() - start) / train_steps;
            const double cpu_per_step = (cpu_now() - cpu_start) / train_steps;
            std::printf("  training, batch %d, %d thread%s: %.2f s per step (CPU %.2f s), %.0f s "
                        "of audio per second (loss %.3f)\n",
                        batch, threads, threads > 1 ? "s" : "", per_step, cpu_per_step,
                        batch * kSegmentSeconds / per_step, loss);
        }
        std::printf("  peak RSS after training: %.0f MB\n", peak_rss_mb());
    }
    return 0;
}
