// Speed of M2 `apcnn`: inference real-time factor per 2 s mu-law segment at batch 1 on one and
// two threads (oneDNN's OpenMP threads), and training throughput (batch 64, forward + backward +
// SGD Nesterov step) in seconds of audio per second, plus the process's peak RSS.
//
//   bench_m2 [--pooling att|gap] [--iterations N] [--train-steps N] [--batch B]
#include <omp.h>

#include <cstdio>
#include <string>

#include "bench_common.h"
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
    std::string pooling = "att";
    int iterations = 50, train_steps = 3, batch = 64;
    const bool parsed = bench::Options("[--pooling att|gap] [--iterations N] [--train-steps N] [--batch B]")
                            .add("--pooling", pooling)
                            .add("--iterations", iterations)
                            .add("--train-steps", train_steps)
                            .add("--batch", batch)
                            .parse(argc, argv);
    if (!parsed) return 2;
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
        nn::Context local_context;
        auto local = copy_of(model, local_context, config);
        // The mean is what perf_pytorch_models.py reports (total audio / total time); the median
        // and best show how much other load on the machine moved it.
        const bench::RunTiming t =
            bench::time_runs(iterations, [&] { local->forward(segment, nn::Mode::Infer); });
        std::printf("  inference, batch 1, %d thread%s: %.0fx real time (mean %.2f ms per segment; "
                    "median %.2f ms = %.0fx, best %.2f ms = %.0fx)\n",
                    threads, threads > 1 ? "s" : "", kSegmentSeconds / t.mean, t.mean * 1e3, t.median * 1e3,
                    kSegmentSeconds / t.median, t.best * 1e3, kSegmentSeconds / t.best);
    }
    std::printf("  peak RSS after inference: %.0f MB\n", bench::peak_rss_mb());

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
            auto local = copy_of(model, local_context, config);
            nn::Sgd sgd(nn::trainable_parameters(local->parameters()), options);
            const bench::StepTiming t = bench::time_training(
                *local, sgd, train_steps, [&](int) -> const models::Batch& { return data; });
            std::printf("  training, batch %d, %d thread%s: %.2f s per step (CPU %.2f s), %.0f s "
                        "of audio per second (loss %.3f)\n",
                        batch, threads, threads > 1 ? "s" : "", t.wall, t.cpu,
                        batch * kSegmentSeconds / t.wall, t.loss);
        }
        std::printf("  peak RSS after training: %.0f MB\n", bench::peak_rss_mb());
    }
    return 0;
}
