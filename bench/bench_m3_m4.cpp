// Speed of M3 `stl` and M4 `ksmm`: inference real-time factor at batch 1 (M3 on 4.5 s = 450 LLD
// frames; M4 on 4.6 s = 460 frames + 20 tokens) on one and two threads (oneDNN's OpenMP
// threads), training throughput (batch 32, forward + backward + optimiser step: Adam for M3, SGD
// momentum 0.9 for M4, as the papers) in seconds of audio per second, and peak RSS.
// Peak RSS is per process: run one model per process (--models m3 / m4) for per-model figures.
//
//   bench_m3_m4 [--models m3,m4] [--threads 1,2] [--iterations N] [--train-steps N] [--batch B]
//               [--lengths a,b,c] [--warmup N]
//
// --iterations 0 skips inference, --train-steps 0 training; --lengths trains every step on one
// batch of those lengths (its size is the batch); --warmup sets the untimed runs (default 3) or
// steps (default 1). Each measurement also prints a RESULT line (bench/result_line.h) for
// bench/compare-pytorch.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.h"
#include "result_line.h"
#include "step_lengths.h"
#include "models/ksmm_model.h"
#include "models/stl_model.h"
#include "nn/optim.h"

using namespace emotion;

namespace {

constexpr double kFramesPerSecond = 100.0;
constexpr int kVocabulary = 5000;

// M3 or M4 with fresh weights from `seed`.
std::unique_ptr<models::Model> make_model(nn::Context& context, const std::string& name, uint64_t seed) {
    std::unique_ptr<models::Model> model;
    if (name == "m3") {
        model = std::make_unique<models::StlModel>(context, models::StlConfig{});
    } else {
        models::KsmmConfig config;
        config.vocab = kVocabulary;
        model = std::make_unique<models::KsmmModel>(context, config);
    }
    nn::Rng rng(seed);
    model->init(rng);
    return model;
}

// Random LLD-like frames, and for M4 random word ids.
models::Batch random_batch(const std::string& name, const std::vector<int>& lengths, nn::Rng& rng) {
    return bench::random_lld_batch(lengths, 36, rng, name == "m4" ? kVocabulary : 0);
}

void bench_inference(const std::string& name, int frames, int iterations, int warmup,
                     const std::vector<int>& thread_counts) {
    nn::Rng data_rng(11);
    const models::Batch utterance = random_batch(name, {frames}, data_rng);
    const double seconds = frames / kFramesPerSecond;
    std::printf("%s inference at batch 1 on %.1f s (T = %d%s), median of %d\n",
                name == "m3" ? "M3 stl" : "M4 ksmm", seconds, frames, name == "m4" ? ", 12-20 tokens" : "",
                iterations);
    for (int threads : thread_counts) {
        omp_set_num_threads(threads);
        nn::Context context;
        auto model = make_model(context, name, 3);
        const bench::RunTiming t = bench::time_runs(
            iterations, [&] { model->forward(utterance, nn::Mode::Infer); }, bench::or_default(warmup, 3));
        std::printf("  %d thread%s: %7.2f ms per utterance (best %.2f), %6.0fx real time (best %.0fx)\n",
                    threads, threads > 1 ? "s" : " ", t.median * 1e3, t.best * 1e3, seconds / t.median,
                    seconds / t.best);
        bench::print_result({name, "infer", threads, 1, frames, t.best, t.median, seconds});
    }
    std::printf("  peak RSS after inference: %.0f MB\n", bench::peak_rss_mb());
}

void bench_training(const std::string& name, int batch_size, int steps, int warmup,
                    const std::vector<int>& given_lengths, const std::vector<int>& thread_counts) {
    if (!given_lengths.empty()) batch_size = static_cast<int>(given_lengths.size());
    std::printf("%s training: batch %d, %s, forward + backward + %s, %d steps after %d warm-up\n",
                name == "m3" ? "M3 stl" : "M4 ksmm", batch_size,
                !given_lengths.empty() ? "the given lengths every step"
                : name == "m3"         ? "lengths uniform in [200, 400] frames"
                                       : "lengths uniform in [200, 600] frames (cut to 460)",
                name == "m3" ? "Adam" : "SGD momentum 0.9", steps, bench::or_default(warmup, 1));
    nn::Rng data_rng(13);
    for (int threads : thread_counts) {
        omp_set_num_threads(threads);
        nn::Context context;
        auto model = make_model(context, name, 5);
        const auto trainable = nn::trainable_parameters(model->parameters());
        std::unique_ptr<nn::Optimizer> optimizer;
        if (name == "m3") {
            nn::AdamOptions o;
            o.lr = 2e-4;
            optimizer = std::make_unique<nn::Adam>(trainable, o);
        } else {
            nn::SgdOptions o;
            o.lr = 5e-4;
            o.momentum = 0.9;
            optimizer = std::make_unique<nn::Sgd>(trainable, o);
        }
        nn::Rng length_rng(9);
        std::vector<models::Batch> batches;
        double audio = 0.0;
        int longest = 0;
        // The warm-up batch has the longest lengths, so the layers' buffers reach their
        // steady-state sizes before the timed steps (as after the first steps of an epoch).
        const int longest_drawn = name == "m3" ? 400 : 600;
        const auto lengths_per_step = bench::step_lengths(steps, batch_size, given_lengths, 200,
                                                          longest_drawn, length_rng, longest_drawn);
        for (size_t s = 0; s < lengths_per_step.size(); ++s) {
            batches.push_back(random_batch(name, lengths_per_step[s], data_rng));
            if (s > 0)
                for (int L : lengths_per_step[s]) {
                    audio += L / kFramesPerSecond; // seconds of audio given
                    longest = std::max(longest, L);
                }
            // (M4 sees at most 4.6 s of each: longer utterances are cut.)
        }
        const bench::StepTiming t = bench::time_training(
            *model, *optimizer, steps, [&](int s) -> const models::Batch& { return batches[s]; },
            bench::or_default(warmup, 1));
        std::printf("  %d thread%s: %.3f s per step, %6.0f s of audio per second (loss %.3f)\n", threads,
                    threads > 1 ? "s" : " ", t.wall, audio / (t.wall * steps), t.loss);
        bench::print_result({name, "train", threads, batch_size, longest, t.best, t.median, audio / steps});
    }
    std::printf("  peak RSS after training: %.0f MB\n", bench::peak_rss_mb());
}

} // namespace

int main(int argc, char** argv) {
    std::string names = "m3,m4", thread_list = "1,2", length_list;
    int iterations = 50, train_steps = 3, batch_size = 32, warmup = -1;
    const bool parsed =
        bench::Options("[--models m3,m4] [--threads 1,2] [--iterations N] [--train-steps N] [--batch B] "
                       "[--lengths a,b,c] [--warmup N]")
            .add("--models", names)
            .add("--threads", thread_list)
            .add("--iterations", iterations)
            .add("--train-steps", train_steps)
            .add("--batch", batch_size)
            .add("--lengths", length_list)
            .add("--warmup", warmup)
            .parse(argc, argv);
    if (!parsed) return 2;
    const std::vector<int> given_lengths = bench::parse_lengths(length_list);
    if (iterations < 0 || train_steps < 0 || batch_size < 1 || given_lengths.empty() != length_list.empty()) {
        std::fprintf(
            stderr,
            "usage: %s [--models m3,m4] [--iterations N >= 0] [--train-steps N >= 0] [--batch B >= 1] "
            "[--lengths a,b,c > 0]\n",
            argv[0]);
        return 2;
    }
    std::vector<int> thread_counts;
    for (const std::string& t : bench::split_list(thread_list))
        thread_counts.push_back(std::max(1, std::atoi(t.c_str())));
    for (const std::string& name : bench::split_list(names)) {
        if (name != "m3" && name != "m4") {
            std::fprintf(stderr, "unknown model '%s' (m3, m4)\n", name.c_str());
            return 2;
        }
        if (iterations > 0)
            bench_inference(name, name == "m3" ? 450 : 460, iterations, warmup, thread_counts);
        if (train_steps > 0)
            bench_training(name, batch_size, train_steps, warmup, given_lengths, thread_counts);
    }
    return 0;
}
