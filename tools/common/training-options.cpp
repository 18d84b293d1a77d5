#include "training-options.h"

#include <stdexcept>

namespace emotion::tools {

std::map<std::string, std::string> training_option_defaults() {
    return {{"config", ""},       {"batch-size", "0"}, {"learning-rate", "0"},
            {"optimizer", ""},    {"schedule", ""},    {"weight-decay", "-1"},
            {"clip-norm", "0"},   {"patience", "-1"},  {"bn-recalibration", "-1"},
            {"word-vectors", ""}, {"threads", "1"},    {"normalization", ""}};
}

const char* kTrainingOptionsUsage =
    "  --config JSON         architecture settings, e.g. '{\"cell\":\"lstm\"}'\n"
    "  --batch-size N --learning-rate X --weight-decay X --clip-norm X   (0 / -1: the paper's)\n"
    "  --optimizer adam|sgd --schedule none|cosine|multistep             (default: the paper's)\n"
    "  --patience N (-1: the paper's, 0: never stop early) --threads N\n"
    "  --bn-recalibration N  training segments that re-estimate BatchNorm statistics before\n"
    "                        validation (-1: the architecture's default, 0: off)\n"
    "  --word-vectors FILE   ksmm, new model: embedding table or pretrained text branch\n"
    "  --normalization segment|speaker  alstm, stl, apcnn, new model: per-segment handling (the\n"
    "                        papers') or running per-speaker z-score (apcnn: mean; README);\n"
    "                        default speaker for alstm and stl, segment for apcnn; its\n"
    "                        warm-up (alstm, stl): --config '{\"speaker_reset\":0.2}'\n"
    "                        (speaker_first, speaker_prior_frames too)\n";

pipelines::TrainOptions training_options(const Options& o) {
    pipelines::TrainOptions t;
    t.config = o.str("config");
    t.batch_size = int(o.integer("batch-size"));
    t.learning_rate = o.number("learning-rate");
    t.optimizer = o.str("optimizer");
    t.schedule = o.str("schedule");
    t.weight_decay = o.number("weight-decay");
    t.clip_norm = o.number("clip-norm");
    t.patience = int(o.integer("patience"));
    t.bn_recalibration = int(o.integer("bn-recalibration"));
    t.word_vectors = o.str("word-vectors");
    t.threads = int(o.integer("threads"));
    t.normalization = o.str("normalization");
    if (!t.normalization.empty() && t.normalization != "segment" && t.normalization != "speaker")
        throw std::invalid_argument("--normalization is segment or speaker, not '" + t.normalization + "'");
    return t;
}

void apply_recommended_normalization(pipelines::TrainOptions& t) {
    const bool lld_model = t.architecture == "alstm" || t.architecture == "stl";
    if (t.normalization.empty() && t.start_model.empty() && lld_model) t.normalization = "speaker";
}

std::map<std::string, std::string> dataset_option_defaults() {
    return {{"manifest", ""},  {"epochs", "30"}, {"test-speakers", ""}, {"labels", "angry,happy,neutral,sad"},
            {"label-map", ""}, {"seed", "1"}};
}

pipelines::DatasetOptions dataset_options(const Options& o) {
    pipelines::DatasetOptions d;
    d.manifest = o.str("manifest");
    d.epochs = unsigned(o.integer("epochs"));
    d.test_speakers = o.str("test-speakers");
    d.labels = o.str("labels");
    d.label_map = o.str("label-map");
    d.seed = uint64_t(o.integer("seed"));
    return d;
}

} // namespace emotion::tools
