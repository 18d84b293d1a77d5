// Speed of M3 `stl` and M4 `ksmm`: inference real-time factor at batch 1 (M3 on 4.5 s = 450 LLD
// frames; M4 on 4.6 s = 460 frames + 20 tokens) on one and two threads (oneDNN's OpenMP
// threads), training throughput (batch 32, forward + backward + optimiser step: Adam for M3, SGD
// momentum 0.9 for M4, as the papers) in seconds of audio per second, and peak RSS.
// Peak RSS is per process: run one model per process (--models m3 / m4) for per-model figures.
//
//   bench_m3_m4 [--models m3,m4] [--threads 1,2] [--iterations N] [--train-steps N] [--batch B]
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "models/ksmm_model.h"
#include "models/stl_model.h"
#include "nn/optim.h"

using namespace emotion;

namespace {

constexpr double kFramesPerSecond = 100.0;
constexpr int kVocabulary = 5000;
std::vector<int> g_threads = {1, 2};

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024.0; // Linux: kilobytes
}

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Random LLD-like frames (per-feature offsets and scales, so the z-normalisation has work), and
// for M4 random word ids (12..20 tokens).
models::Batch random_batch(const std::vector<int>& lengths, int features, bool tokens, nn::Rng& rng) {
    models::Batch batch;
    const int T = *std::max_element(lengths.begin(), lengths.end());
    const int B = static_cast<int>(lengths.size());
    batch.features.resize({B, T, features}, true);
    batch.features.zero();
    for (int b = 0; b < B; ++b)
        for (int t = 0; t < lengths[b]; ++t)
            for (int f = 0; f < features; ++f)
                batch.features[(static_cast<int64_t>(b) * T + t) * features + f] =
                    f * 0.5f + (1.0f + f * 0.1f) * rng.normal(0.0f, 1.0f);
    batch.lengths = lengths;
    for (int b = 0; b < B; ++b) {
        batch.targets["emotion"].push_back(b % 4);
        if (tokens) {
            std::vector<int> ids(12 + rng.next() % 9);
            for (int& id : ids) id = static_cast<int>(rng.next() % kVocabulary);
            batch.tokens.push_back(ids);
        }
    }
    return batch;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

std::unique_ptr<models::Model> make_model(nn::Context& context, const std::string& name) {
    if (name == "m3") return std::make_unique<models::StlModel>(context, models::StlConfig{});
    models::KsmmConfig config;
    config.vocab = kVocabulary;
    return std::make_unique<models::KsmmModel>(context, config);
}

void bench_inference(const std::string& name, int frames, int iterations) {
    nn::Rng data_rng(11);
    const models::Batch utterance = random_batch({frames}, 36, name == "m4", data_rng);
    const double seconds = frames / kFramesPerSecond;
    std::printf("%s inference at batch 1 on %.1f s (T = %d%s), median of %d\n",
                name == "m3" ? "M3 stl" : "M4 ksmm", seconds, frames, name == "m4" ? ", 12-20 tokens" : "",
                iterations);
    for (int threads : g_threads) {
        omp_set_num_threads(threads);
        nn::Context context;
        auto model = make_model(context, name);
        nn::Rng rng(3);
        model->init(rng);
        for (int i = 0; i < 3; ++i) model->forward(utterance, nn::Mode::Infer);
        std::vector<double> times;
        for (int i = 0; i < iterations; ++i) {
            const double start = now();
            model->forward(utterance, nn::Mode::Infer);
            times.push_back(now() - start);
        }
        std::sort(times.begin(), times.end());
        const double median = times[times.size() / 2], best = times.front();
        std::printf("  %d thread%s: %7.2f ms per utterance (best %.2f), %6.0fx real time (best %.0fx)\n",
                    threads, threads > 1 ? "s" : " ", median * 1e3, best * 1e3, seconds / median,
                    seconds / best);
    }
    std::printf("  peak RSS after inference: %.0f MB\n", peak_rss_mb());
}

void bench_training(const std::string& name, int batch_size, int steps) {
    std::printf("%s training: batch %d, %s, forward + backward + %s, %d steps after one warm-up\n",
                name == "m3" ? "M3 stl" : "M4 ksmm", batch_size,
                name == "m3" ? "lengths uniform in [200, 400] frames"
                             : "lengths uniform in [200, 600] frames (cut to 460)",
                name == "m3" ? "Adam" : "SGD momentum 0.9", steps);
    nn::Rng data_rng(13);
    for (int threads : g_threads) {
        omp_set_num_threads(threads);
        nn::Context context;
        auto model = make_model(context, name);
        nn::Rng rng(5);
        model->init(rng);
        const auto table = model->parameters();
        std::unique_ptr<nn::Optimizer> optimizer;
        if (name == "m3") {
            nn::AdamOptions o;
            o.lr = 2e-4;
            optimizer = std::make_unique<nn::Adam>(nn::trainable_parameters(table), o);
        } else {
            nn::SgdOptions o;
            o.lr = 5e-4;
            o.momentum = 0.9;
            optimizer = std::make_unique<nn::Sgd>(nn::trainable_parameters(table), o);
        }
        nn::Rng length_rng(9);
        std::vector<models::Batch> batches;
        double audio = 0.0;
        for (int s = 0; s <= steps; ++s) {
            // The warm-up batch has the longest lengths, so the layers' buffers reach their
            // steady-state sizes before the timed steps (as after the first steps of an epoch).
            std::vector<int> lengths;
            for (int b = 0; b < batch_size; ++b)
                lengths.push_back(s == 0         ? (name == "m3" ? 400 : 600)
                                  : name == "m3" ? 200 + static_cast<int>(length_rng.next() % 201)
                                                 : 200 + static_cast<int>(length_rng.next() % 401));
            batches.push_back(random_batch(lengths, 36, name == "m4", data_rng));
            if (s > 0)
                for (int L : lengths) audio += L / kFramesPerSecond; // seconds of audio given
            // (M4 sees at most 4.6 s of each: longer utterances are cut.)
        }
        auto step = [&](const models::Batch& batch) {
            nn::zero_grads(table);
            model->forward(batch, nn::Mode::Train);
            const float loss = model->backward(batch);
            optimizer->step();
            return loss;
        };
        step(batches[0]); // warm-up
        const double start = now();
        float loss = 0.0f;
        for (int s = 1; s <= steps; ++s) loss = step(batches[s]);
        const double elapsed = now() - start;
        std::printf("  %d thread%s: %.3f s per step, %6.0f s of audio per second (loss %.3f)\n", threads,
                    threads > 1 ? "s" : " ", elapsed / steps, audio / elapsed, loss);
    }
    std::printf("  peak RSS after training: %.0f MB\n", peak_rss_mb());
}

} // namespace

int main(int argc, char** argv) {
    std::string names = "m3,m4";
    int iterations = 50, train_steps = 3, batch_size = 32;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string key = argv[i];
        if (key == "--models")
            names = argv[i + 1];
        else if (key == "--threads") {
            g_threads.clear();
            for (const std::string& t : split(argv[i + 1]))
                g_threads.push_back(std::max(1, std::atoi(t.c_str())));
        } else if (key == "--iterations")
            iterations = std::atoi(argv[i + 1]);
        else if (key == "--train-steps")
            train_steps = std::atoi(argv[i + 1]);
        else if (key == "--batch")
            batch_size = std::atoi(argv[i + 1]);
        else {
            std::fprintf(
                stderr,
                "usage: %s [--models m3,m4] [--threads 1,2] [--iterations N] [--train-steps N] [--batch B]\n",
                argv[0]);
            return 2;
        }
    }
    if (argc % 2 == 0 || iterations < 1 || train_steps < 0 || batch_size < 1) {
        std::fprintf(
            stderr,
            "usage: %s [--models m3,m4] [--iterations N >= 1] [--train-steps N >= 0] [--batch B >= 1]\n",
            argv[0]);
        return 2;
    }
    for (const std::string& name : split(names)) {
        if (name != "m3" && name != "m4") {
            std::fprintf(stderr, "unknown model '%s' (m3, m4)\n", name.c_str());
            return 2;
        }
        bench_inference(name, name == "m3" ? 450 : 460, iterations);
        if (train_steps > 0) bench_training(name, batch_size, train_steps);
    }
    return 0;
}
