// Training speed and memory of each architecture on EmoDB (4 classes; validation speakers
// emodb08, emodb09; everything else trains), through the same pipeline as emotion-train:
//   emodatasetsrc ! lldextract|mulawspec ! <arch>classify mode=train ! fakesink
// Each architecture runs in its own process so that its peak resident memory is its own.
// Prints wall and CPU seconds per epoch (after the first, which also warms caches) and peak RSS.
//   bench_training [--epochs N] [--threads N] [--word-vectors FILE] [--augment RECIPE] [ARCH ...]
// (default: every architecture of models/architecture.h that takes no text (alstm apcnn stl),
// and those that do (ksmm) when FILE, an embedding table or pretrained text branch for their
// new model, is given; 2 epochs). --augment puts emoaugment with RECIPE ("default": its default
// recipe) before the features, as emotion-train --augment does.
#include <gst/gst.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dataset-pipelines.h"
#include "models/architecture.h"

using namespace emotion::pipelines;

namespace {

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

// Runs one architecture in this process and prints its line of the table.
int run_one(const std::string& arch, unsigned epochs, int threads, const std::string& word_vectors,
            const std::string& augment) {
    const char* shared = std::getenv("EMOTION_SHARED_DIR");
    DatasetOptions data;
    data.manifest = std::string(shared ? shared : EMOTION_DEFAULT_SHARED_DIR) + "/data/emodb/manifest.csv";
    data.valid_speakers = "emodb08,emodb09";
    data.epochs = epochs;
    TrainOptions train;
    train.architecture = arch;
    train.output = std::string(EMOTION_BENCH_DIR) + "/bench-training-" + arch + ".safetensors";
    train.patience = 0;
    train.threads = threads;
    train.word_vectors = word_vectors;
    train.augment = augment;
    std::vector<double> wall, cpu;
    double cpu_before = cpu_seconds();
    auto result = run_training(data, train, nullptr, [&](const EpochRecord& r, unsigned) {
        wall.push_back(r.seconds);
        cpu.push_back(cpu_seconds() - cpu_before);
        cpu_before = cpu_seconds();
    });
    if (!result.ok) {
        std::fprintf(stderr, "%s: %s\n", arch.c_str(), result.error.c_str());
        return 1;
    }
    // Epochs after the first; the first alone when only one ran.
    size_t first = wall.size() > 1 ? 1 : 0;
    double w = 0, c = 0;
    for (size_t i = first; i < wall.size(); ++i) {
        w += wall[i] / (wall.size() - first);
        c += cpu[i] / (wall.size() - first);
    }
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    std::printf("%-6s %8zu %12.1f %12.1f %10.0f\n", arch.c_str(), wall.size(), w, c, u.ru_maxrss / 1024.0);
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    setenv("GST_PLUGIN_PATH", EMOTION_PLUGIN_DIR, 0);
    gst_init(&argc, &argv);
    unsigned epochs = 2;
    int threads = 1;
    std::vector<std::string> archs;
    bool child = false;
    std::string word_vectors, augment;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--epochs" && i + 1 < argc)
            epochs = unsigned(std::atoi(argv[++i]));
        else if (a == "--threads" && i + 1 < argc)
            threads = std::atoi(argv[++i]);
        else if (a == "--word-vectors" && i + 1 < argc)
            word_vectors = argv[++i];
        else if (a == "--augment" && i + 1 < argc)
            augment = argv[++i];
        else if (a == "--child")
            child = true;
        else
            archs.push_back(a);
    }
    if (archs.empty())
        for (const auto& architecture : emotion::models::architectures())
            if (!architecture.takes_text() || !word_vectors.empty()) archs.push_back(architecture.name);
    if (child) return run_one(archs.front(), epochs, threads, word_vectors, augment);

    std::printf(
        "EmoDB, 4 classes, 8 training + 2 validation speakers, %u epochs, %d thread(s), augmentation: %s\n",
        epochs, threads, augment.empty() ? "none" : augment.c_str());
    std::printf("%-6s %8s %12s %12s %10s\n", "arch", "epochs", "wall s/epoch", "CPU s/epoch", "peak MiB");
    std::fflush(stdout);
    int failures = 0;
    for (const auto& arch : archs) {
        pid_t pid = fork();
        if (pid == 0) {
            std::string e = std::to_string(epochs), t = std::to_string(threads);
            execl("/proc/self/exe", argv[0], "--child", "--epochs", e.c_str(), "--threads", t.c_str(),
                  "--word-vectors", word_vectors.c_str(), "--augment", augment.c_str(), arch.c_str(),
                  (char*)nullptr);
            _exit(127);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return failures ? 1 : 0;
}
