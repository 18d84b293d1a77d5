// emotion-pair-text: a synthetic multimodal manifest. Every utterance of a speech manifest gets
// a sentence of a GoEmotions split with the same emotion (drawn without replacement, seeded), so
// M4's text path can be trained and measured where no corpus pairs real emotional speech with
// real emotional text. Say "synthetic pairing" wherever its results are reported.
//   emotion-pair-text --manifest ../shared/data/emodb/manifest.csv
//       --text ../shared/data/text/goemotions-ekman [--split test] --out paired.jsonl
//       [--labels angry,happy,neutral,sad] [--label-map A:B,...]
//       [--text-label-map anger:angry,joy:happy,sadness:sad,neutral:neutral] [--seed 1]
// The default split is GoEmotions' test split: emotion-pretrain-text never trains on it nor
// chooses its epoch with it, so a pretrained text branch has not seen these sentences.
// Audio paths are written absolute, so the manifest may live anywhere.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "../common/options.h"
#include "io/manifest.h"
#include "io/text_corpus.h"
#include "train/text_pairing.h"

using namespace emotion;

namespace {

const char* kUsage =
    "usage: emotion-pair-text --manifest FILE --text DIR --out FILE.jsonl [--split train|dev|test]\n"
    "                         [--labels L,...] [--label-map A:B,...] [--text-label-map A:B,...] [--seed N]\n";

int run(const tools::Options& o) {
    const std::vector<std::string> labels = train::split_list(o.str("labels"));
    const auto policy = train::LabelPolicy::parse(o.str("label-map"), o.str("labels"));
    const std::string dir = o.str("text");
    const std::string tsv = dir + "/" + o.str("split") + ".tsv";
    io::TextCorpusStats stats;
    const auto texts = io::read_goemotions(tsv, io::read_label_names(dir + "/labels.txt"),
                                           io::parse_label_map(o.str("text-label-map")), labels, &stats);

    auto utterances = io::read_manifest(o.str("manifest"));
    for (auto& u : utterances) u.path = std::filesystem::absolute(u.path).lexically_normal().string();
    train::PairingReport report;
    const auto paired = train::pair_with_texts(utterances, policy, texts, labels,
                                               static_cast<uint64_t>(o.integer("seed")), &report);
    io::write_jsonl_manifest(o.str("out"), paired);

    std::printf(
        "%s: %zu utterances of %s paired with sentences of %s (%d utterances of other labels left out)\n",
        o.str("out").c_str(), paired.size(), o.str("manifest").c_str(), tsv.c_str(), report.dropped);
    for (size_t l = 0; l < labels.size(); ++l)
        std::printf("  %-10s %4d utterances, %5d sentences available\n", labels[l].c_str(),
                    report.used_per_label[l], report.available_per_label[l]);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::unique_ptr<tools::Options> o;
    try {
        o = std::make_unique<tools::Options>(
            argc, argv,
            std::map<std::string, std::string>{{"manifest", ""},
                                               {"text", ""},
                                               {"out", ""},
                                               {"split", "test"},
                                               {"labels", "angry,happy,neutral,sad"},
                                               {"label-map", ""},
                                               {"text-label-map", io::kEkmanToFourClasses},
                                               {"seed", "1"}},
            std::map<std::string, bool>{{"help", false}});
        if (o->flag("help")) {
            std::printf("%s", kUsage);
            return 0;
        }
        if (o->str("manifest").empty() || o->str("text").empty() || o->str("out").empty())
            throw std::invalid_argument("--manifest, --text and --out are required");
    } catch (const std::exception& e) { return tools::usage_error("emotion-pair-text", e.what(), kUsage); }
    try {
        return run(*o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-pair-text: %s\n", e.what());
        return 1;
    }
}
