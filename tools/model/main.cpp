// emotion-model: inspect and create model files.
//   emotion-model info MODEL
//   emotion-model init ARCH OUT --labels a,b,c,d [--config JSON] [--seed N] [--table TABLE]
//   emotion-model from-reference REFERENCE OUT --labels a,b,c,d
// `from-reference` turns a shared/reference/nn model file (its `config` and `param.*` tensors)
// into a usable model file: the tests build classifier models this way.
// ksmm models carry a vocabulary (one word per text.embedding row). `init --table` takes it and
// the vectors from an embedding table (emotion-embeddings) or a pretrained text branch
// (emotion-pretrain-text). Reference models, and `init` without --table, get the placeholder
// vocabulary "", "w1", "w2", ... (models::placeholder_vocabulary): their rows are no real words,
// so only tests that feed such words use them.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../common/options.h"
#include "io/safetensors.h"
#include "models/architecture.h"
#include "models/ksmm_text.h"
#include "models/model_file.h"
#include "nn/context.h"
#include "nn/rng.h"
#include "train/dataset_plan.h"

using namespace emotion;

namespace {

const char* kUsage =
    "usage: emotion-model info MODEL\n"
    "       emotion-model init ARCH OUT --labels L1,L2,... [--config JSON] [--seed N] [--table TABLE]\n"
    "       emotion-model from-reference REFERENCE OUT --labels L1,L2,...\n";

int info(const std::string& path) {
    nn::Context context;
    models::ModelInfo info;
    auto model = models::load_model(context, path, &info);
    size_t parameters = 0;
    for (const auto& entry : model->parameters())
        if (entry.parameter->trainable) parameters += entry.parameter->value.size();
    std::printf("architecture  %s\nconfig        %s\nlabels       ", info.architecture.c_str(),
                info.config.dump().c_str());
    for (const auto& label : info.labels) std::printf(" %s", label.c_str());
    std::printf("\nfeatures      %s\nparameters    %zu\n", info.features.describe().c_str(), parameters);
    if (!info.normalisation.empty()) std::printf("normalisation %s\n", info.normalisation.c_str());
    if (!info.training.empty()) std::printf("training      %s\n", info.training.dump().c_str());
    if (!info.metrics.empty()) std::printf("metrics       %s\n", info.metrics.dump().c_str());
    if (!info.vocabulary.empty()) {
        std::printf("vocabulary    %zu words:", info.vocabulary.size());
        for (size_t i = 1; i < info.vocabulary.size() && i <= 10; ++i)
            std::printf(" %s", info.vocabulary[i].c_str());
        std::printf("%s\n", info.vocabulary.size() > 11 ? " ..." : "");
    }
    return 0;
}

models::ModelInfo base_info(const models::Architecture& architecture, const std::string& labels) {
    models::ModelInfo info;
    info.architecture = architecture.name;
    info.labels = train::split_list(labels);
    info.features = architecture.features;
    info.normalisation = architecture.normalisation;
    return info;
}

// Text models get the placeholder vocabulary: one word per embedding row.
void set_placeholder_vocabulary(const models::Architecture& architecture, const models::Model& model,
                                models::ModelInfo& info) {
    if (architecture.takes_text())
        info.vocabulary = models::placeholder_vocabulary(architecture.vocabulary_size(model.config()));
}

int init(const std::string& name, const std::string& out, const std::string& labels,
         const std::string& config_text, uint64_t seed, const std::string& words) {
    const models::Architecture& architecture = models::architecture_named(name);
    nn::Context context;
    models::ModelInfo info = base_info(architecture, labels);
    nlohmann::json config =
        config_text.empty() ? nlohmann::json::object() : nlohmann::json::parse(config_text);
    nn::Rng rng(seed);
    std::unique_ptr<models::Model> model;
    if (!words.empty()) {
        if (!architecture.takes_text())
            throw std::runtime_error("--table is for " + models::architecture_names(true) + " models, not '" +
                                     name + "'");
        model = models::create_ksmm_model(context, config, words, rng, info);
    } else {
        model = architecture.create(context, config);
        model->init(rng);
        set_placeholder_vocabulary(architecture, *model, info);
    }
    if (model->num_classes() != static_cast<int>(info.labels.size()))
        throw std::runtime_error("the configuration has " + std::to_string(model->num_classes()) +
                                 " classes but " + std::to_string(info.labels.size()) + " labels were given");
    info.config = model->config();
    info.training = {{"note", "untrained: fresh initialisation"}, {"seed", seed}};
    if (!words.empty()) info.training["word_vectors"] = words; // a table, or a pretrained text branch
    models::save_model(out, *model, info);
    return 0;
}

int from_reference(const std::string& reference, const std::string& out, const std::string& labels) {
    io::SafetensorsFile file = io::SafetensorsFile::read(reference);
    std::string kind = file.metadata_value("kind");
    if (kind.rfind("model_", 0) != 0)
        throw std::runtime_error(reference + ": not a model reference (kind '" + kind + "')");
    const models::Architecture& architecture = models::architecture_named(kind.substr(6));
    nn::Context context;
    nlohmann::json config = nlohmann::json::parse(file.metadata_value("config"));
    auto model = architecture.create(context, config);
    models::ModelInfo info = base_info(architecture, labels);
    if (model->num_classes() != static_cast<int>(info.labels.size()))
        throw std::runtime_error("the reference model has " + std::to_string(model->num_classes()) +
                                 " classes but " + std::to_string(info.labels.size()) + " labels were given");
    for (const auto& entry : model->parameters()) {
        std::string name = "param." + entry.name;
        if (!file.has(name)) throw std::runtime_error(reference + ": missing " + name);
        if (file.entry(name).dtype == io::DType::I64) {
            auto values = file.i64(name);
            for (size_t i = 0; i < values.size() && i < size_t(entry.parameter->value.size()); ++i)
                entry.parameter->value[i] = float(values[i]);
        } else {
            entry.parameter->value.copy_from(file.f32(name, entry.parameter->value.shape()));
        }
    }
    info.config = model->config();
    set_placeholder_vocabulary(architecture, *model, info);
    info.training = {{"note", "parameters of a PyTorch reference test case, not a trained model"},
                     {"source", reference}};
    models::save_model(out, *model, info);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::unique_ptr<tools::Options> o;
    std::vector<std::string> words; // COMMAND and its arguments
    try {
        o = std::make_unique<tools::Options>(
            argc, argv,
            std::map<std::string, std::string>{
                {"labels", "angry,happy,neutral,sad"}, {"config", ""}, {"seed", "1"}, {"table", ""}},
            std::map<std::string, bool>{{"help", false}}, std::map<std::string, std::string>{}, 3);
        if (o->flag("help")) {
            std::printf("%s", kUsage);
            return 0;
        }
        words = o->positional();
        const std::map<std::string, size_t> arguments = {{"info", 2}, {"init", 3}, {"from-reference", 3}};
        if (words.empty()) throw std::invalid_argument("a command is required");
        auto command = arguments.find(words[0]);
        if (command == arguments.end()) throw std::invalid_argument("unknown command '" + words[0] + "'");
        if (words.size() != command->second)
            throw std::invalid_argument(words[0] + " takes " + std::to_string(command->second - 1) +
                                        " argument" + (command->second == 2 ? "" : "s"));
        o->integer("seed"); // a number, or a usage error
    } catch (const std::exception& e) { return tools::usage_error("emotion-model", e.what(), kUsage); }
    try {
        if (words[0] == "info") return info(words[1]);
        if (words[0] == "init")
            return init(words[1], words[2], o->str("labels"), o->str("config"),
                        static_cast<uint64_t>(o->integer("seed")), o->str("table"));
        return from_reference(words[1], words[2], o->str("labels"));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-model: %s\n", e.what());
        return 1;
    }
}
