// Speed of M2 `apcnn`: inference real-time factor per 2 s mu-law segment at batch 1 on one and
// two threads (oneDNN's OpenMP threads), and training throughput (batch 64, forward + backward +
// SGD Nesterov step) in seconds of audio per second, plus the process's peak RSS.
//
//   bench_m2 [--pooling att|gap] [--iterations N] [--train-steps N] [--batch B] [--threads 1,2]
//            [--warmup N]
//
// --iterations 0 skips inference, --train-steps 0 training; --warmup sets the untimed runs
// (default 3) or steps (default 1). Each measurement also prints a RESULT line
// (bench/result_line.h) for bench/compare-pytorch.
#include <omp.h>

#include <cstdio>
#include <algorithm>
#include <string>
#include <vector>

#include "bench_common.h"
#include "result_line.h"
#include "models/apcnn_model.h"
#include "nn/optim.h"

using namespace emotion;

namespace {

constexpr double kSegmentSeconds = 2.0;

nn::Tensor random_segments(int batch, nn::Rng& rng) {
    nn::Tensor x({batch, 1, models::ApcnnModel::kFrequencies, models::ApcnnModel::kFrames});
    for (int64_t i = 0; i < x.size(); ++i) x[i] = rng.uniform(-1.0f, 1.0f);
    return x;
}

// A fresh model per thread count (oneDNN sizes its work split when a primitive is made) with the
// weights of `model`.
std::unique_ptr<models::ApcnnModel> copy_of(models::ApcnnModel& model, nn::Context& context,
                                            const models::ApcnnConfig& config) {
    auto copy = std::make_unique<models::ApcnnModel>(context, config);
    const auto from = model.parameters(), to = copy->parameters();
    for (size_t i = 0; i < from.size(); ++i) to[i].parameter->value.copy_from(from[i].parameter->value);
    return copy;
}

} // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // figures appear as they are measured
    std::string pooling = "att", thread_list = "1,2";
    int iterations = 50, train_steps = 3, batch = 64, warmup = -1;
    const bool parsed = bench::Options("[--pooling att|gap] [--iterations N] [--train-steps N] [--batch B] "
                                       "[--threads 1,2] [--warmup N]")
                            .add("--pooling", pooling)
                            .add("--iterations", iterations)
                            .add("--train-steps", train_steps)
                            .add("--batch", batch)
                            .add("--threads", thread_list)
                            .add("--warmup", warmup)
                            .parse(argc, argv);
    if (!parsed) return 2;
    if (iterations < 0 || train_steps < 0 || batch < 2) {
        std::fprintf(stderr, "iterations >= 0, train-steps >= 0, batch >= 2\n");
        return 2;
    }
    std::vector<int> thread_counts;
    for (const std::string& t : bench::split_list(thread_list))
        thread_counts.push_back(std::max(1, std::atoi(t.c_str())));

    nn::Context context;
    models::ApcnnConfig config;
    config.pooling = pooling;
    models::ApcnnModel model(context, config);
    nn::Rng rng(7);
    model.init(rng);
    const nn::Tensor segment = random_segments(1, rng);

    std::printf("M2 apcnn (pooling=%s), input [1, 1, 400, 200] = one 2 s segment\n", pooling.c_str());
    for (int threads : iterations > 0 ? thread_counts : std::vector<int>{}) {
        omp_set_num_threads(threads);
        nn::Context local_context;
        auto local = copy_of(model, local_context, config);
        // The mean is what perf_pytorch_models.py reports (total audio / total time); the median
        // and best show how much other load on the machine moved it.
        const bench::RunTiming t = bench::time_runs(
            iterations, [&] { local->forward(segment, nn::Mode::Infer); }, bench::or_default(warmup, 3));
        std::printf("  inference, batch 1, %d thread%s: %.0fx real time (mean %.2f ms per segment; "
                    "median %.2f ms = %.0fx, best %.2f ms = %.0fx)\n",
                    threads, threads > 1 ? "s" : "", kSegmentSeconds / t.mean, t.mean * 1e3, t.median * 1e3,
                    kSegmentSeconds / t.median, t.best * 1e3, kSegmentSeconds / t.best);
        bench::print_result(
            {"m2", "infer", threads, 1, models::ApcnnModel::kFrames, t.best, t.median, kSegmentSeconds});
    }
    if (iterations > 0) std::printf("  peak RSS after inference: %.0f MB\n", bench::peak_rss_mb());

    if (train_steps > 0) {
        models::Batch data;
        data.features = random_segments(batch, rng);
        for (int i = 0; i < batch; ++i) data.targets["emotion"].push_back(i % config.K);
        nn::SgdOptions options;
        options.lr = 0.05;
        options.momentum = 0.9;
        options.nesterov = true;
        options.weight_decay = 1e-4;
        for (int threads : thread_counts) {
            omp_set_num_threads(threads);
            nn::Context local_context;
            auto local = copy_of(model, local_context, config);
            nn::Sgd sgd(nn::trainable_parameters(local->parameters()), options);
            const bench::StepTiming t = bench::time_training(
                *local, sgd, train_steps, [&](int) -> const models::Batch& { return data; },
                bench::or_default(warmup, 1));
            std::printf("  training, batch %d, %d thread%s: %.2f s per step (CPU %.2f s), %.0f s "
                        "of audio per second (loss %.3f)\n",
                        batch, threads, threads > 1 ? "s" : "", t.wall, t.cpu,
                        batch * kSegmentSeconds / t.wall, t.loss);
            bench::print_result({"m2", "train", threads, batch, models::ApcnnModel::kFrames, t.best, t.median,
                                 batch * kSegmentSeconds});
        }
        std::printf("  peak RSS after training: %.0f MB\n", bench::peak_rss_mb());
    }
    return 0;
}
