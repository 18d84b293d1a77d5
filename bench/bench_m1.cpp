// Speed of M1 `alstm`: inference real-time factor at batch 1 on 4.5 s utterances (T = 450 LLD
// frames, 100 frames/s) for the cells lstm (oneDNN fused LSTM), alstm and mean, on one and two
// threads (oneDNN's OpenMP threads); and training throughput (batch 32 of ~3 s utterances with
// varied lengths, forward + backward + Adam) in seconds of audio per second, plus peak RSS.
//
//   bench_m1 [--cells lstm,alstm,mean] [--iterations N] [--train-steps N] [--batch B]
//            [--frames T] [--threads 1,2]
//
// Times are wall-clock medians; "cpu" is the process CPU time per utterance (all threads), which
// stays meaningful on a machine shared with other jobs.
#include <omp.h>
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "models/alstm_model.h"
#include "nn/optim.h"

using namespace emotion;

namespace {

constexpr double kFramesPerSecond = 100.0;

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0; // Linux: kilobytes
}

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Random LLD-like frames (per-feature offsets and scales, so the z-normalisation has work).
models::Batch random_batch(const std::vector<int>& lengths, int features, nn::Rng& rng) {
    models::Batch batch;
    const int T = *std::max_element(lengths.begin(), lengths.end());
    const int B = static_cast<int>(lengths.size());
    batch.features.resize({B, T, features}, true);
    for (int b = 0; b < B; ++b)
        for (int t = 0; t < lengths[b]; ++t)
            for (int f = 0; f < features; ++f)
                batch.features[(static_cast<int64_t>(b) * T + t) * features + f] =
                    f * 0.5f + (1.0f + f * 0.1f) * rng.normal(0.0f, 1.0f);
    batch.lengths = lengths;
    for (int b = 0; b < B; ++b) { batch.targets["emotion"].push_back(b % 4); }
    return batch;
}

double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    std::string cells = "lstm,alstm,mean", thread_list = "1,2";
    int iterations = 30, train_steps = 4, batch_size = 32, frames = 450;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key == "--cells")
            cells = argv[i + 1];
        else if (key == "--iterations")
            iterations = std::atoi(argv[i + 1]);
        else if (key == "--train-steps")
            train_steps = std::atoi(argv[i + 1]);
        else if (key == "--batch")
            batch_size = std::atoi(argv[i + 1]);
        else if (key == "--frames")
            frames = std::atoi(argv[i + 1]);
        else if (key == "--threads")
            thread_list = argv[i + 1];
        else {
            std::fprintf(stderr,
                         "usage: %s [--cells lstm,alstm,mean] [--iterations N] "
                         "[--train-steps N] [--batch B] [--frames T] "
                         "[--threads 1,2]\n",
                         argv[0]);
            return 2;
        }
    }
    if (iterations < 1 || train_steps < 0 || batch_size < 1 || frames < 10) {
        std::fprintf(stderr, "iterations >= 1, train-steps >= 0, batch >= 1, frames >= 10\n");
        return 2;
    }

    std::vector<int> threads_to_run;
    for (const std::string& t : split(thread_list)) threads_to_run.push_back(std::atoi(t.c_str()));

    nn::Rng data_rng(11);
    const models::Batch utterance = random_batch({frames}, 36, data_rng);
    const double seconds = frames / kFramesPerSecond;
    std::printf("M1 alstm, inference at batch 1 on %.1f s utterances (T = %d), median of %d\n", seconds,
                frames, iterations);
    for (const std::string& cell : split(cells)) {
        for (int threads : threads_to_run) {
            omp_set_num_threads(threads);
            nn::Context context;
            models::AlstmConfig config;
            config.cell = cell;
            if (cell == "lstm") config.offsets = {1};
            models::AlstmModel model(context, config);
            nn::Rng rng(3);
            model.init(rng);
            for (int i = 0; i < 3; ++i) model.forward(utterance, nn::Mode::Infer);
            std::vector<double> times;
            const double cpu_start = cpu_now();
            for (int i = 0; i < iterations; ++i) {
                const double start = now();
                model.forward(utterance, nn::Mode::Infer);
                times.push_back(now() - start);
            }
            const double cpu = (cpu_now() - cpu_start) / iterations;
            std::sort(times.begin(), times.end());
            const double median = times[times.size() / 2], best = times.front();
            std::printf("  cell %-5s %d thread%s: %6.2f ms per utterance (best %.2f, cpu %.2f), "
                        "%5.0fx real time (best %.0fx, cpu %.0fx)\n",
                        cell.c_str(), threads, threads > 1 ? "s" : " ", median * 1e3, best * 1e3, cpu * 1e3,
                        seconds / median, seconds / best, seconds / cpu);
        }
    }
    std::printf("  peak RSS after inference: %.0f MB\n", peak_rss_mb());

    if (train_steps == 0) return 0;
    std::printf("M1 training: batch %d, lengths uniform in [200, 400] frames (new lengths every "
                "step), forward + backward + Adam, %d steps after one warm-up\n",
                batch_size, train_steps);
    for (const std::string& cell : split(cells)) {
        for (int threads : threads_to_run) {
            omp_set_num_threads(threads);
            nn::Context context;
            models::AlstmConfig config;
            config.cell = cell;
            if (cell == "lstm") config.offsets = {1};
            config.heads = {{"emotion", 4}};
            models::AlstmModel model(context, config);
            nn::Rng rng(5);
            model.init(rng);
            const auto table = model.parameters();
            nn::Adam adam(nn::trainable_parameters(table), {});
            nn::Rng length_rng(9);
            std::vector<models::Batch> batches;
            double audio = 0.0;
            for (int s = 0; s <= train_steps; ++s) {
                std::vector<int> lengths;
                for (int b = 0; b < batch_size; ++b)
                    lengths.push_back(200 + static_cast<int>(length_rng.next() % 201));
                batches.push_back(random_batch(lengths, 36, data_rng));
                if (s > 0)
                    for (int L : lengths) audio += L / kFramesPerSecond;
            }
            auto step = [&](const models::Batch& batch) {
                nn::zero_grads(table);
                model.forward(batch, nn::Mode::Train);
                const float loss = model.backward(batch);
                adam.step();
                return loss;
            };
            step(batches[0]); // warm-up
            const double start = now(), cpu_start = cpu_now();
            float loss = 0.0f;
            for (int s = 1; s <= train_steps; ++s) loss = step(batches[s]);
            const double elapsed = now() - start, cpu = cpu_now() - cpu_start;
            std::printf("  cell %-5s %d thread%s: %.3f s per step (cpu %.3f s), %5.0f s of audio "
                        "per second (per cpu second %.0f) (loss %.3f)\n",
                        cell.c_str(), threads, threads > 1 ? "s" : " ", elapsed / train_steps,
                        cpu / train_steps, audio / elapsed, audio / cpu, loss);
        }
    }
    std::printf("  peak RSS after training: %.0f MB\n", peak_rss_mb());
    return 0;
}
