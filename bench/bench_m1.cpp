// Speed of M1 `alstm`: inference real-time factor at batch 1 on 4.5 s utterances (T = 450 LLD
// frames, 100 frames/s) for the cells lstm, alstm and mean (all on nn::Alstm), on one and two
// threads (oneDNN's OpenMP threads); and training throughput (batch 32 of ~3 s utterances with
// varied lengths, forward + backward + Adam) in seconds of audio per second, plus peak RSS.
//
//   bench_m1 [--cells lstm,alstm,mean] [--iterations N] [--train-steps N] [--batch B]
//            [--frames T] [--threads 1,2] [--lengths a,b,c] [--warmup N]
//
// Times are wall-clock medians; "cpu" is the process CPU time per utterance (all threads), which
// stays meaningful on a machine shared with other jobs. --iterations 0 skips inference,
// --train-steps 0 training; --lengths trains every step on one batch of those lengths (its
// size is the batch); --warmup sets the untimed runs (default 3) or steps (default 1). Each
// measurement also prints a RESULT line (bench/result_line.h) for bench/compare-pytorch.
#include <omp.h>

#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.h"
#include "result_line.h"
#include "step_lengths.h"
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
    std::string cells = "lstm,alstm,mean", thread_list = "1,2", length_list;
    int iterations = 30, train_steps = 4, batch_size = 32, frames = 450, warmup = -1;
    const bool parsed =
        bench::Options("[--cells lstm,alstm,mean] [--iterations N] [--train-steps N] [--batch B] "
                       "[--frames T] [--threads 1,2] [--lengths a,b,c] [--warmup N]")
            .add("--cells", cells)
            .add("--iterations", iterations)
            .add("--train-steps", train_steps)
            .add("--batch", batch_size)
            .add("--frames", frames)
            .add("--threads", thread_list)
            .add("--lengths", length_list)
            .add("--warmup", warmup)
            .parse(argc, argv);
    if (!parsed) return 2;
    const std::vector<int> given_lengths = bench::parse_lengths(length_list);
    if (iterations < 0 || train_steps < 0 || batch_size < 1 || frames < 10 ||
        given_lengths.empty() != length_list.empty()) {
        std::fprintf(stderr, "iterations >= 0, train-steps >= 0, batch >= 1, frames >= 10, lengths > 0\n");
        return 2;
    }
    if (!given_lengths.empty()) batch_size = static_cast<int>(given_lengths.size());

    std::vector<int> threads_to_run;
    for (const std::string& t : bench::split_list(thread_list))
        threads_to_run.push_back(std::atoi(t.c_str()));

    nn::Rng data_rng(11);
    const models::Batch utterance = bench::random_lld_batch({frames}, 36, data_rng);
    const double seconds = frames / kFramesPerSecond;
    if (iterations > 0)
        std::printf("M1 alstm, inference at batch 1 on %.1f s utterances (T = %d), median of %d\n", seconds,
                    frames, iterations);
    for (const std::string& cell : bench::split_list(iterations > 0 ? cells : "")) {
        for (int threads : threads_to_run) {
            omp_set_num_threads(threads);
            nn::Context context;
            auto model = make_model(context, cell, 3);
            const bench::RunTiming t = bench::time_runs(
                iterations, [&] { model->forward(utterance, nn::Mode::Infer); },
                bench::or_default(warmup, 3));
            std::printf("  cell %-5s %d thread%s: %6.2f ms per utterance (best %.2f, cpu %.2f), "
                        "%5.0fx real time (best %.0fx, cpu %.0fx)\n",
                        cell.c_str(), threads, threads > 1 ? "s" : " ", t.median * 1e3, t.best * 1e3,
                        t.cpu * 1e3, seconds / t.median, seconds / t.best, seconds / t.cpu);
            bench::print_result({"m1-" + cell, "infer", threads, 1, frames, t.best, t.median, seconds});
        }
    }
    if (iterations > 0) std::printf("  peak RSS after inference: %.0f MB\n", bench::peak_rss_mb());

    if (train_steps == 0) return 0;
    std::printf("M1 training: batch %d, %s, forward + backward + Adam, %d steps after %d warm-up\n",
                batch_size,
                given_lengths.empty() ? "lengths uniform in [200, 400] frames (new lengths every step)"
                                      : "the given lengths every step",
                train_steps, bench::or_default(warmup, 1));
    for (const std::string& cell : bench::split_list(cells)) {
        for (int threads : threads_to_run) {
            omp_set_num_threads(threads);
            nn::Context context;
            auto model = make_model(context, cell, 5);
            nn::Adam adam(nn::trainable_parameters(model->parameters()), {});
            nn::Rng length_rng(9);
            std::vector<models::Batch> batches;
            double audio = 0.0;
            int longest = 0;
            const auto lengths_per_step =
                bench::step_lengths(train_steps, batch_size, given_lengths, 200, 400, length_rng);
            for (size_t s = 0; s < lengths_per_step.size(); ++s) {
                batches.push_back(bench::random_lld_batch(lengths_per_step[s], 36, data_rng));
                if (s > 0)
                    for (int L : lengths_per_step[s]) {
                        audio += L / kFramesPerSecond;
                        longest = std::max(longest, L);
                    }
            }
            const bench::StepTiming t = bench::time_training(
                *model, adam, train_steps, [&](int s) -> const models::Batch& { return batches[s]; },
                bench::or_default(warmup, 1));
            std::printf("  cell %-5s %d thread%s: %.3f s per step (cpu %.3f s), %5.0f s of audio "
                        "per second (per cpu second %.0f) (loss %.3f)\n",
                        cell.c_str(), threads, threads > 1 ? "s" : " ", t.wall, t.cpu,
                        audio / (t.wall * train_steps), audio / (t.cpu * train_steps), t.loss);
            bench::print_result(
                {"m1-" + cell, "train", threads, batch_size, longest, t.best, t.median, audio / train_steps});
        }
    }
    std::printf("  peak RSS after training: %.0f MB\n", bench::peak_rss_mb());
    return 0;
}
