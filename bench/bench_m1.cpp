// Speed of M1 `alstm`: inference real-time factor at batch 1 on 4.5 s utterances (T = 450 LLD
// frames, 100 frames/s) for the cells lstm, alstm and mean (all on nn::Alstm), on one and two
// threads (oneDNN's OpenMP threads); and training throughput (batch 32 of ~3 s utterances with
// varied lengths, forward + backward + Adam) in seconds of audio per second, plus peak RSS.
//
//   bench_m1 [--cells lstm,alstm,mean] [--iterations N] [--train-steps N] [--batch B]
//            [--frames T] [--threads 1,2]
//
// Times are wall-clock medians; "cpu" is the process CPU time per utterance (all threads), which
// stays meaningful on a machine shared with other jobs.
#include <omp.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "models/alstm_model.h"
#include "nn/optim.h"

using namespace emotion;

namespace {

constexpr double kFramesPerSecond = 100.0;

// A model of `cell` with fresh weights from `seed`.
std::unique_ptr<models::AlstmModel> make_model(nn::Context& context, const std::string& cell, uint64_t seed) {
    models::AlstmConfig config;
    config.cell = cell;
    if (cell == "lstm") config.offsets = {1};
    auto model = std::make_unique<models::AlstmModel>(context, config);
    nn::Rng rng(seed);
    model->init(rng);
    return model;
}

} // namespace

int main(int argc, char** argv) {
    std::string cells = "lstm,alstm,mean", thread_list = "1,2";
    int iterations = 30, train_steps = 4, batch_size = 32, frames = 450;
    const bool parsed =
        bench::Options("[--cells lstm,alstm,mean] [--iterations N] [--train-steps N] [--batch B] "
                       "[--frames T] [--threads 1,2]")
            .add("--cells", cells)
            .add("--iterations", iterations)
            .add("--train-steps", train_steps)
            .add("--batch", batch_size)
            .add("--frames", frames)
            .add("--threads", thread_list)
            .parse(argc, argv);
    if (!parsed) return 2;
    if (iterations < 1 || train_steps < 0 || batch_size < 1 || frames < 10) {
        std::fprintf(stderr, "iterations >= 1, train-steps >= 0, batch >= 1, frames >= 10\n");
        return 2;
    }

    std::vector<int> threads_to_run;
    for (const std::string& t : bench::split_list(thread_list))
        threads_to_run.push_back(std::atoi(t.c_str()));

    nn::Rng data_rng(11);
    const models::Batch utterance = bench::random_lld_batch({frames}, 36, data_rng);
    const double seconds = frames / kFramesPerSecond;
    std::printf("M1 alstm, inference at batch 1 on %.1f s utterances (T = %d), median of %d\n", seconds,
                frames, iterations);
    for (const std::string& cell : bench::split_list(cells)) {
        for (int threads : threads_to_run) {
            omp_set_num_threads(threads);
            nn::Context context;
            auto model = make_model(context, cell, 3);
            const bench::RunTiming t =
                bench::time_runs(iterations, [&] { model->forward(utterance, nn::Mode::Infer); });
            std::printf("  cell %-5s %d thread%s: %6.2f ms per utterance (best %.2f, cpu %.2f), "
                        "%5.0fx real time (best %.0fx, cpu %.0fx)\n",
                        cell.c_str(), threads, threads > 1 ? "s" : " ", t.median * 1e3, t.best * 1e3,
                        t.cpu * 1e3, seconds / t.median, seconds / t.best, seconds / t.cpu);
        }
    }
    std::printf("  peak RSS after inference: %.0f MB\n", bench::peak_rss_mb());

    if (train_steps == 0) return 0;
    std::printf("M1 training: batch %d, lengths uniform in [200, 400] frames (new lengths every "
                "step), forward + backward + Adam, %d steps after one warm-up\n",
                batch_size, train_steps);
    for (const std::string& cell : bench::split_list(cells)) {
        for (int threads : threads_to_run) {
            omp_set_num_threads(threads);
            nn::Context context;
            auto model = make_model(context, cell, 5);
            nn::Adam adam(nn::trainable_parameters(model->parameters()), {});
            nn::Rng length_rng(9);
            std::vector<models::Batch> batches;
            double audio = 0.0;
            for (int s = 0; s <= train_steps; ++s) {
                std::vector<int> lengths;
                for (int b = 0; b < batch_size; ++b)
                    lengths.push_back(200 + static_cast<int>(length_rng.next() % 201));
                batches.push_back(bench::random_lld_batch(lengths, 36, data_rng));
                if (s > 0)
                    for (int L : lengths) audio += L / kFramesPerSecond;
            }
            const bench::StepTiming t = bench::time_training(
                *model, adam, train_steps, [&](int s) -> const models::Batch& { return batches[s]; });
            std::printf("  cell %-5s %d thread%s: %.3f s per step (cpu %.3f s), %5.0f s of audio "
                        "per second (per cpu second %.0f) (loss %.3f)\n",
                        cell.c_str(), threads, threads > 1 ? "s" : " ", t.wall, t.cpu,
                        audio / (t.wall * train_steps), audio / (t.cpu * train_steps), t.loss);
        }
    }
    std::printf("  peak RSS after training: %.0f MB\n", bench::peak_rss_mb());
    return 0;
}
