// The registry: one descriptor per architecture of spec/MODELS.md.
#include "models/architecture.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "dsp/lld.h"
#include "dsp/mulaw.h"
#include "models/alstm_model.h"
#include "models/apcnn_model.h"
#include "models/ksmm_model.h"
#include "models/stl_model.h"

namespace emotion::models {

namespace {

const char* const kLldNormalisation = "per-segment z-score of each feature (population std, floor 1e-5)";
const char* const kMulawNormalisation = "per-segment min-max scaling to [-1, 1], then mu-law (mu = 255)";

nlohmann::json user_settings(const nlohmann::json& overrides) {
    return overrides.is_object() ? overrides : nlohmann::json::object();
}

// Emotion head only: the class count is the configuration's K.
nlohmann::json config_with_classes(const nlohmann::json& overrides, int classes, int, int) {
    nlohmann::json config = user_settings(overrides);
    config["K"] = classes;
    return config;
}

// M1 multitask: "tasks" (user setting) lists the auxiliary heads to train, by default every task
// the data labels with at least two classes.
nlohmann::json config_with_heads(const nlohmann::json& overrides, int classes, int speakers, int genders) {
    nlohmann::json config = user_settings(overrides);
    std::vector<std::string> tasks = {"speaker", "gender"};
    if (config.contains("tasks")) {
        tasks = config.at("tasks").get<std::vector<std::string>>();
        config.erase("tasks");
    }
    auto wanted = [&](const char* task) {
        return std::find(tasks.begin(), tasks.end(), task) != tasks.end();
    };
    nlohmann::json heads = {{"emotion", classes}};
    if (speakers >= 2 && wanted("speaker")) heads["speaker"] = speakers;
    if (genders >= 2 && wanted("gender")) heads["gender"] = genders;
    config["heads"] = heads;
    return config;
}

template <class ModelClass>
std::unique_ptr<Model> built_from_config(nn::Context& context, const nlohmann::json& config) {
    return ModelClass::from_config(context, config);
}

// LLD frames as lldextract sends them: one 36-value tensor every 10 ms.
void read_lld_frames(Architecture& a) {
    a.features = {FeatureKind::Lld, dsp::kSampleRate, {dsp::kLldFeatures}};
    a.batch_layout = BatchLayout::Sequences;
    a.caps_dimensions = {dsp::kLldFeatures, 1};
    a.caps_frame_rate = dsp::kSampleRate / dsp::kLldHop;
    a.normalisation = kLldNormalisation;
    a.features_element = "lldextract";
}

Architecture alstm() {
    Architecture a;
    a.name = "alstm";
    a.description = "M1: A-LSTM weighted-pooling RNN on LLD frames (Tao & Liu, ICASSP 2018)";
    read_lld_frames(a);
    a.training.optimizer = "adam"; // Adam, batch 32, early stopping after 3
    a.training.learning_rate = 1e-3;
    a.training.batch_size = 32;
    a.training.patience = 3;
    a.training_config = config_with_heads;
    a.create = built_from_config<AlstmModel>;
    a.element = "alstmclassify";
    return a;
}

Architecture apcnn() {
    Architecture a;
    a.name = "apcnn";
    a.description = "M2: attention-pooling CNN on mu-law spectrogram segments (Li et al., Interspeech 2018)";
    a.features = {FeatureKind::Mulaw, dsp::kSampleRate, {dsp::kMulawBins, dsp::kMulawSegmentFrames}};
    a.batch_layout = BatchLayout::SegmentImages;
    a.caps_dimensions = {dsp::kMulawSegmentFrames, dsp::kMulawBins}; // time innermost
    a.caps_frame_rate = 0;
    a.normalisation = kMulawNormalisation;
    // SGD Nesterov, lr 0.05 x0.1 at 21/31/41. Decision: BatchNorm statistics re-estimated before
    // validation (EmoDB gives ~9 steps per epoch, too few for the running averages to follow).
    a.training.bn_recalibration = 256;
    a.training.optimizer = "sgd";
    a.training.learning_rate = 0.05;
    a.training.momentum = 0.9;
    a.training.nesterov = true;
    a.training.weight_decay = 1e-4;
    a.training.batch_size = 64;
    a.training.schedule = "multistep";
    a.training.milestones = {21, 31, 41};
    a.training.gamma = 0.1;
    a.training_config = config_with_classes;
    a.create = built_from_config<ApcnnModel>;
    a.element = "apcnnclassify";
    a.features_element = "mulawspec";
    return a;
}

Architecture stl() {
    Architecture a;
    a.name = "stl";
    a.description = "M3: CNN-BiLSTM and stacked transformer layers on LLD frames (Wang et al., ICASSP 2021)";
    read_lld_frames(a);
    a.min_frames = 16;             // the CNN pools time by 16
    a.training.optimizer = "adam"; // Adam lr 2e-4, batch 32, patience 8
    a.training.learning_rate = 2e-4;
    a.training.batch_size = 32;
    a.training.patience = 8;
    a.training_config = config_with_classes;
    a.create = built_from_config<StlModel>;
    a.element = "stlclassify";
    return a;
}

Architecture ksmm() {
    Architecture a;
    a.name = "ksmm";
    a.description =
        "M4: key-sparse multimodal transformer on LLD frames and words (Chen et al., ICASSP 2022)";
    read_lld_frames(a);
    a.vocabulary_size = [](const nlohmann::json& config) { return KsmmConfig::from_json(config).vocab; };
    a.training.optimizer = "sgd"; // SGD momentum 0.9, lr 5e-4, cosine over 120 epochs
    a.training.learning_rate = 5e-4;
    a.training.momentum = 0.9;
    a.training.batch_size = 32;
    a.training.schedule = "cosine";
    a.training.cosine_epochs = 120;
    a.training_config = config_with_classes;
    a.create = [](nn::Context& context, const nlohmann::json& config) -> std::unique_ptr<Model> {
        return std::make_unique<KsmmModel>(context, KsmmConfig::from_json(config));
    };
    a.element = "ksmmtransformer";
    return a;
}

} // namespace

const std::vector<Architecture>& architectures() {
    static const std::vector<Architecture> all = {alstm(), apcnn(), stl(), ksmm()};
    return all;
}

std::string architecture_names(bool text_only) {
    std::string names;
    for (const Architecture& a : architectures())
        if (!text_only || a.takes_text()) names += (names.empty() ? "" : ", ") + a.name;
    return names;
}

const Architecture& architecture_named(const std::string& name) {
    for (const Architecture& a : architectures())
        if (a.name == name) return a;
    throw std::invalid_argument("unknown architecture '" + name + "' (known: " + architecture_names() + ")");
}

const Architecture& architecture_of(const Model& model) { return architecture_named(model.architecture()); }

void Architecture::fill_features(const FeatureItem* items, size_t count, Batch& batch) const {
    const int b = static_cast<int>(count);
    const size_t item = static_cast<size_t>(item_size());
    batch.lengths.clear();
    if (batch_layout == BatchLayout::SegmentImages) {
        const int height = features.dimensions.at(0), width = features.dimensions.at(1);
        batch.features.resize({b, 1, height, width});
        for (int i = 0; i < b; ++i)
            std::memcpy(batch.features.data() + size_t(i) * item, items[i].values, sizeof(float) * item);
        batch.lengths.assign(b, width);
        return;
    }
    int t_max = 0;
    for (int i = 0; i < b; ++i) t_max = std::max(t_max, items[i].frames);
    batch.features.resize({b, t_max, static_cast<int64_t>(item)});
    batch.features.zero();
    for (int i = 0; i < b; ++i) {
        std::memcpy(batch.features.data() + size_t(i) * t_max * item, items[i].values,
                    sizeof(float) * items[i].frames * item);
        batch.lengths.push_back(items[i].frames);
    }
}

} // namespace emotion::models
