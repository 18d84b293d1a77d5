// emotion-train: trains a model in a GStreamer pipeline from a dataset manifest, with a progress
// bar on terminals (plain lines otherwise), and writes the model plus PNG plots of the learning
// curves and the validation confusion matrix.
#include <gst/gst.h>
#include <unistd.h>

#include <cstdio>

#include "../common/model-architecture.h"
#include "../common/options.h"
#include "../common/plots.h"
#include "../common/training-options.h"
#include "dataset-pipelines.h"
#include "dsp/augment.h"
#include "dsp/feature_mask.h"
#include "io/safetensors.h"
#include "models/architecture.h"
#include "train/checkpoint.h"

using namespace emotion::pipelines;
using namespace emotion::tools;

namespace {

const char* kUsage =
    "usage: emotion-train --manifest FILE --arch alstm|apcnn|stl|ksmm --out MODEL [options]\n"
    "       emotion-train --manifest FILE --model START --out MODEL [options]   (fine-tuning)\n"
    "  --arch NAME           the architecture of a new model (stl, the recommended one); with\n"
    "                        --model the starting model's (--arch, if given, must agree)\n"
    "  --epochs N            passes over the training data (30)\n"
    "  --valid-speakers A,B  validation speakers: they choose the best epoch and stop training\n"
    "                        early; by default (--valid-fraction 0.2) speakers drawn with the\n"
    "                        seed until they hold a fifth of the utterances (none when the\n"
    "                        manifest names one speaker; --valid-fraction 0: no validation)\n"
    "  --test-speakers A,B   held-out speakers, never used\n"
    "  --labels L1,L2,...    classes to keep (angry,happy,neutral,sad)\n"
    "  --label-map A:B,...   rename labels first\n"
    "  --model FILE          starting model (fine-tuning)\n"
    "  --resume              continue an interrupted run from OUT's checkpoint, in its architecture\n"
    "                        (OUT.checkpoint.safetensors, written after every epoch)\n"
    "                        A model already at OUT is kept until the run finishes (the best\n"
    "                        so far goes to OUT.pending.safetensors meanwhile)\n"
    "  --seed N              seed of the data order, initial weights, dropout and augmentation (1)\n"
    "  --augment[=RECIPE]    augment the training utterances (emoaugment): speed, pitch, gain,\n"
    "                        noise, babble, reverb, band limit, telephone; RECIPE as\n"
    "                        'speed=0.9:1.1@0.5,noise=5:20@0.5,telephone=0.1' (README), default\n"
    "                        the recipe of emoaugment's documentation\n"
    "  --feature-masks SPEC  SpecAugment-style masks on the training features, e.g.\n"
    "                        'time=2:0.1,feature=2:4' (2 runs of up to 10 % of the frames, 2 of\n"
    "                        up to 4 features, set to the feature's mean)\n"
    "  --plots PREFIX        write PREFIX-curves.png and PREFIX-confusion.png (default: OUT without "
    ".safetensors)\n";

std::string fixed3(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", value);
    return text;
}

// `epoch_seconds`: the last whole epoch's time, 0 during the first; then the epoch's length is
// estimated from the batches done so far (`in_epoch` seconds since it started).
void draw_progress(bool tty, unsigned epoch, unsigned epochs, unsigned step, unsigned steps, double loss,
                   double elapsed, double in_epoch, double epoch_seconds) {
    if (!tty) return; // plain output prints one line per epoch instead
    const int width = 30;
    double fraction = steps ? std::min(1.0, double(step) / steps) : 0.0;
    int filled = int(fraction * width);
    if (epoch_seconds <= 0 && fraction > 0) epoch_seconds = in_epoch / fraction;
    double eta = epoch_seconds > 0 ? epoch_seconds * (epochs - epoch) - fraction * epoch_seconds : 0.0;
    std::fprintf(stderr, "\r epoch %u/%u [%.*s%*s] batch %u/%u loss %.4f  %.0fs  ETA %.0fs ", epoch + 1,
                 epochs, filled, "==============================", width - filled, "", step, steps, loss,
                 elapsed, eta > 0 ? eta : 0.0);
    std::fflush(stderr);
}

} // namespace

int main(int argc, char** argv) {
    gst_init(&argc, &argv);
    DatasetOptions data;
    TrainOptions train;
    std::string plots;
    try {
        auto defaults = training_option_defaults();
        defaults.merge(dataset_option_defaults());
        defaults.insert({{"arch", ""},
                         {"out", ""},
                         {"valid-speakers", ""},
                         {"valid-fraction", "0.2"},
                         {"model", ""},
                         {"plots", ""},
                         {"augment", ""},
                         {"feature-masks", ""}});
        Options o(argc, argv, defaults, {{"help", false}, {"resume", false}}, {{"augment", "default"}});
        if (o.flag("help")) {
            std::printf("%s%s", kUsage, kTrainingOptionsUsage);
            return 0;
        }
        train = training_options(o);
        data = dataset_options(o);
        data.valid_speakers = o.str("valid-speakers");
        data.valid_fraction = o.number("valid-fraction");
        if (data.manifest.empty() || o.str("out").empty())
            throw std::invalid_argument("--manifest and --out are required");
        if (o.all("model").size() > 1) throw std::invalid_argument("--model given more than once");
        // a known name, the starting model's (or, resuming, the checkpoint's), or a usage error
        std::string recorded = o.str("model");
        const std::string checkpoint = emotion::train::checkpoint_path(o.str("out"));
        if (recorded.empty() && o.flag("resume") && g_file_test(checkpoint.c_str(), G_FILE_TEST_IS_REGULAR))
            recorded = checkpoint;
        train.architecture =
            run_architecture(recorded, o.str("arch"), emotion::models::kRecommendedArchitecture).name;
        train.output = o.str("out");
        train.start_model = o.str("model");
        apply_recommended_normalization(train);
        train.resume = o.flag("resume");
        train.augment = o.str("augment");
        if (!train.augment.empty()) emotion::dsp::Recipe::parse(train.augment); // a usage error when bad
        train.feature_masks = o.str("feature-masks");
        emotion::dsp::FeatureMaskSettings::parse(train.feature_masks);
        plots = o.str("plots");
    } catch (const std::invalid_argument& e) {
        return usage_error("emotion-train", e.what(), std::string(kUsage) + kTrainingOptionsUsage);
    } catch (const std::exception& e) { // the starting model cannot be read
        std::fprintf(stderr, "emotion-train: %s\n", e.what());
        return 1;
    }
    if (plots.empty()) {
        plots = train.output;
        const std::string suffix = ".safetensors";
        if (plots.size() > suffix.size() &&
            plots.compare(plots.size() - suffix.size(), suffix.size(), suffix) == 0)
            plots.erase(plots.size() - suffix.size());
    }

    gchar* folder = g_path_get_dirname(train.output.c_str());
    g_mkdir_with_parents(folder, 0755);
    g_free(folder);
    const bool tty = isatty(STDERR_FILENO);
    auto started = std::chrono::steady_clock::now();
    double last_epoch_seconds = 0.0, epoch_started = 0.0;
    auto elapsed = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    };
    TrainResult result = run_training(
        data, train,
        [&](unsigned epoch, unsigned epochs, unsigned step, unsigned steps, double loss) {
            const double now = elapsed();
            draw_progress(tty, epoch, epochs, step, steps, loss, now, now - epoch_started,
                          last_epoch_seconds);
        },
        [&](const EpochRecord& r, unsigned epochs) {
            last_epoch_seconds = elapsed() - epoch_started;
            epoch_started = elapsed();
            if (tty) std::fprintf(stderr, "\r%*s\r", 100, "");
            if (r.has_validation)
                std::printf(
                    "epoch %d/%u: train loss %.4f acc %.3f | valid loss %.4f WA %.3f UA %.3f | %.0fs\n",
                    r.epoch + 1, epochs, r.train_loss, r.train_accuracy, r.valid_loss, r.wa, r.ua, elapsed());
            else
                std::printf("epoch %d/%u: train loss %.4f acc %.3f | %.0fs\n", r.epoch + 1, epochs,
                            r.train_loss, r.train_accuracy, elapsed());
            std::fflush(stdout);
        });
    if (!result.ok) {
        std::fprintf(stderr, "emotion-train: %s\n", result.error.c_str());
        return 1;
    }
    if (result.best_ua >= 0)
        std::printf("best epoch %d (validation UA %.3f)%s; model written to %s in %.0f s\n",
                    result.best_epoch + 1, result.best_ua, result.stopped_early ? ", stopped early" : "",
                    train.output.c_str(), result.seconds);
    else // nothing to choose by: the last epoch's model
        std::printf("no validation data: the model of epoch %d written to %s in %.0f s\n",
                    result.best_epoch + 1, train.output.c_str(), result.seconds);

    try {
        plot_learning_curves(plots + "-curves.png", result.epochs,
                             train.architecture + " on " + data.manifest, result.best_epoch);
        auto file = emotion::io::SafetensorsFile::read(train.output);
        auto metrics = nlohmann::json::parse(file.metadata_value("metrics", "{}"), nullptr, false);
        if (metrics.is_object() && metrics.contains("validation")) {
            const auto& c = metrics["validation"]["confusion"];
            plot_confusion(plots + "-confusion.png", c["labels"].get<std::vector<std::string>>(),
                           c["matrix"].get<std::vector<std::vector<int>>>(),
                           "validation, epoch " + std::to_string(result.best_epoch + 1) + ", UA " +
                               fixed3(result.best_ua));
        }
        std::printf("plots: %s-curves.png%s\n", plots.c_str(),
                    metrics.contains("validation") ? (", " + plots + "-confusion.png").c_str() : "");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-train: plots: %s\n", e.what());
        return 1;
    }
    return 0;
}
