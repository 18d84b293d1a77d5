// emotion-pretrain-text: pretrains M4's text branch alone on GoEmotions (train split), chooses
// the epoch by dev macro-F1 (or UA), reports test WA / UA / macro-F1, and writes a text-branch
// file that new ksmm models start from (emotion-model init ksmm --table text.safetensors).
//   emotion-pretrain-text --table embeddings.safetensors --data DIR --out text.safetensors
//       [--labels angry,happy,neutral,sad] [--label-map anger:angry,joy:happy,sadness:sad,neutral:neutral]
//       [--epochs 4] [--batch-size 32] [--lr 5e-4] [--select macro_f1|ua] [--seed 1]
//       [--config JSON] [--max-train N] [--threads 1] [--no-balance]
// DIR holds train.tsv, dev.tsv, test.tsv and labels.txt (shared/data/text/goemotions-ekman).
// Rows are kept when all their labels map to one model label (io/text_corpus.h). --max-train
// uses the first N kept training rows (quick runs). --threads: oneDNN's OpenMP threads (batches of
// 32 x 20 words gain little from a second thread, and lose much on a busy machine).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "../common/options.h"
#include "io/text_corpus.h"
#include "models/ksmm_text.h"
#include "nn/context.h"
#include "train/dataset_plan.h"
#include "train/text_pretrain.h"

using namespace emotion;

namespace {

const char* kUsage =
    "usage: emotion-pretrain-text --table embeddings.safetensors --data DIR --out text.safetensors\n"
    "           [--labels angry,happy,neutral,sad] [--label-map anger:angry,joy:happy,...]\n"
    "           [--epochs 4] [--batch-size 32] [--lr 5e-4] [--select macro_f1|ua] [--seed 1]\n"
    "           [--config JSON] [--max-train N] [--threads 1] [--no-balance]\n"
    "  DIR holds train.tsv, dev.tsv, test.tsv and labels.txt (GoEmotions, Ekman classes);\n"
    "  --max-train N: the first N kept training rows only (quick runs)\n";

nlohmann::json metrics_json(const train::ConfusionMatrix& m) {
    return {{"wa", m.weighted_accuracy()},
            {"ua", m.unweighted_accuracy()},
            {"macro_f1", m.macro_f1()},
            {"total", m.total()},
            {"confusion", m.to_json()}};
}

int run(const tools::Options& o) {
    const std::vector<std::string> labels = train::split_list(o.str("labels"));
    const auto label_map = io::parse_label_map(o.str("label-map"));
    const std::string dir = o.str("data");
    const auto source_labels = io::read_label_names(dir + "/labels.txt");

    train::TextPretrainSettings settings;
    settings.epochs = static_cast<int>(o.integer("epochs"));
    settings.batch_size = static_cast<int>(o.integer("batch-size"));
    settings.learning_rate = o.number("lr");
    settings.select = o.str("select");
    settings.seed = static_cast<uint64_t>(o.integer("seed"));
    settings.balance = !o.flag("no-balance");
    const nlohmann::json config = nlohmann::json::parse(o.str("config"));
    nn::Context context(static_cast<int>(std::max(1L, o.integer("threads"))));
    nn::ThreadScope threads(context); // the whole run: the primitives are made and run below

    const text::EmbeddingTable table = models::read_word_vectors(o.str("table"));
    train::TextPretrainer pretrainer(context, table, labels, config, settings);

    nlohmann::json data = {{"corpus", "GoEmotions (Demszky et al. 2020), Ekman mapping, Apache-2.0"},
                           {"folder", dir},
                           {"label_map", label_map},
                           {"rows", "kept when all labels map to one model label"}};
    std::map<std::string, std::vector<train::TextItem>> splits;
    for (const char* split : {"train", "dev", "test"}) {
        io::TextCorpusStats stats;
        auto texts =
            io::read_goemotions(dir + "/" + split + ".tsv", source_labels, label_map, labels, &stats);
        if (std::string(split) == "train" && o.integer("max-train") > 0 &&
            texts.size() > static_cast<size_t>(o.integer("max-train")))
            texts.resize(static_cast<size_t>(o.integer("max-train")));
        splits[split] = pretrainer.prepare(texts);
        std::printf(
            "%-5s %d rows, kept %zu (unmapped label %d, conflicting labels %d), words known %.1f %%\n", split,
            stats.rows, splits[split].size(), stats.unmapped, stats.conflicting,
            100.0 * train::TextPretrainer::known_share(splits[split]));
        data[split] = {
            {"rows", stats.rows}, {"kept", splits[split].size()}, {"per_label_in_file", stats.per_label}};
    }

    train::ConfusionMatrix best_dev(labels);
    for (int epoch = 0; epoch < settings.epochs; ++epoch) {
        train::TextEpochReport r = pretrainer.train_epoch(splits["train"], splits["dev"]);
        std::printf("epoch %d/%d  lr %.2e  loss %.4f  dev WA %.3f UA %.3f macro-F1 %.3f  %.1f s%s\n",
                    epoch + 1, settings.epochs, r.learning_rate, r.train_loss, r.valid.weighted_accuracy(),
                    r.valid.unweighted_accuracy(), r.valid.macro_f1(), r.seconds, r.improved ? "  *" : "");
        std::fflush(stdout);
        if (r.improved) best_dev = r.valid;
    }
    pretrainer.restore_best();
    const train::ConfusionMatrix test = pretrainer.evaluate(splits["test"]);
    std::printf("test (epoch %d): WA %.3f UA %.3f macro-F1 %.3f\n%s", pretrainer.best_epoch() + 1,
                test.weighted_accuracy(), test.unweighted_accuracy(), test.macro_f1(),
                test.to_text().c_str());

    nlohmann::json training = {{"data", data},
                               {"settings", settings.to_json()},
                               {"embeddings", table.source},
                               {"best_epoch", pretrainer.best_epoch() + 1}};
    nlohmann::json metrics = {{"dev", metrics_json(best_dev)}, {"test", metrics_json(test)}};
    pretrainer.save(o.str("out"), training, metrics);
    std::printf("wrote %s\n", o.str("out").c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::unique_ptr<tools::Options> options;
    try {
        options = std::make_unique<tools::Options>(
            argc, argv,
            std::map<std::string, std::string>{{"table", ""},
                                               {"data", ""},
                                               {"out", ""},
                                               {"labels", "angry,happy,neutral,sad"},
                                               {"label-map", io::kEkmanToFourClasses},
                                               {"epochs", "4"},
                                               {"batch-size", "32"},
                                               {"lr", "5e-4"},
                                               {"select", "macro_f1"},
                                               {"seed", "1"},
                                               {"config", "{}"},
                                               {"max-train", "0"},
                                               {"threads", "1"}},
            std::map<std::string, bool>{{"help", false}, {"no-balance", false}});
        if (options->flag("help")) {
            std::printf("%s", kUsage);
            return 0;
        }
        if (options->str("table").empty() || options->str("data").empty() || options->str("out").empty())
            throw std::invalid_argument("--table, --data and --out are required");
    } catch (const std::exception& e) {
        return tools::usage_error("emotion-pretrain-text", e.what(), kUsage);
    }
    try {
        return run(*options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-pretrain-text: %s\n", e.what());
        return 1;
    }
}
