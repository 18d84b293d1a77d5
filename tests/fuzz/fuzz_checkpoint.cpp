// libFuzzer target for the training-checkpoint reader: the bytes of a checkpoint file restored
// into a small alstm model and its trainer, as `resume` does. Any input is restored or refused
// with an exception; a crash or sanitizer report is a bug. With FUZZ_CHECKPOINT_SEED=PATH it first
// writes a valid checkpoint of that model to PATH, the seed run-fuzz.sh starts from (so the seed
// always has the current format).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <string>

#include "models/architecture.h"
#include "nn/context.h"
#include "nn/rng.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace {

struct Run {
    emotion::nn::Context context;
    std::unique_ptr<emotion::models::Model> model;
    std::unique_ptr<emotion::train::Trainer> trainer;
    int file = -1; // a memory file the input is written to (the reader takes a path)
    std::string path;
    Run() {
        const auto& alstm = emotion::models::architecture_named("alstm");
        const nlohmann::json config = {{"fc", 16}, {"hidden", 8}, {"tasks", nlohmann::json::array()}};
        model = alstm.create(context, alstm.training_config(config, 4, 2, 2));
        emotion::nn::Rng rng(1);
        model->init(rng);
        trainer = std::make_unique<emotion::train::Trainer>(
            *model, std::vector<std::string>{"a", "b", "c", "d"},
            emotion::train::TrainSettings::defaults("alstm"), alstm.item_size());
        file = memfd_create("checkpoint", 0);
        path = "/proc/self/fd/" + std::to_string(file);
    }
};

Run& the_run() {
    static Run run;
    return run;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const char* seed = std::getenv("FUZZ_CHECKPOINT_SEED");
    if (seed == nullptr) return 0;
    Run& run = the_run();
    emotion::models::ModelInfo info;
    info.architecture = "alstm";
    info.config = run.model->config();
    info.labels = {"a", "b", "c", "d"};
    emotion::train::write_checkpoint(seed, *run.model, info, *run.trainer, {{"epochs_done", 1}});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Run& run = the_run();
    if (ftruncate(run.file, 0) != 0 || pwrite(run.file, data, size, 0) != static_cast<ssize_t>(size))
        return 0;
    try {
        emotion::train::restore_checkpoint(run.path, *run.model, *run.trainer);
    } catch (const std::exception&) {}
    return 0;
}
