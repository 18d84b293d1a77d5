#include "models/model_file.h"

#include <cmath>
#include <iomanip>
#include <locale>
#include <set>
#include <sstream>

#include "models/architecture.h"
#include "text/embedding_table.h"
#include "io/untrusted_json.h"

namespace emotion::models {

using nlohmann::json;

FeatureSpec features_for(const std::string& architecture) {
    return architecture_named(architecture).features;
}

std::unique_ptr<Model> create_model(nn::Context& context, const std::string& architecture,
                                    const nlohmann::json& config) {
    return architecture_named(architecture).create(context, config);
}

nlohmann::json training_config(const std::string& architecture, const nlohmann::json& overrides, int classes,
                               int speakers, int genders) {
    return architecture_named(architecture).training_config(overrides, classes, speakers, genders);
}

namespace {

json parse_json_field(const io::SafetensorsFile& file, const std::string& key, bool required,
                      json::value_t expected) {
    auto it = file.metadata().find(key);
    if (it == file.metadata().end()) {
        if (required) throw io::FormatError("model metadata: missing '" + key + "'");
        return expected == json::value_t::array ? json::array() : json::object();
    }
    json value = io::parse_untrusted_json(it->second);
    if (value.is_discarded() || value.type() != expected)
        throw io::FormatError("model metadata: '" + key + "' is not a JSON " +
                              (expected == json::value_t::array ? "array" : "object"));
    return value;
}

// The embedding rows the configuration of a text model asks for.
int vocabulary_size(const Architecture& architecture, const json& config) {
    try {
        return architecture.vocabulary_size(config);
    } catch (const std::exception& e) {
        throw io::FormatError("model metadata: invalid " + architecture.name + " 'config': " + e.what());
    }
}

bool is_counter(const std::string& name) {
    const std::string suffix = "num_batches_tracked";
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

ModelInfo read_model_info(const io::SafetensorsFile& file) {
    ModelInfo info;
    std::string format = file.metadata_value("format");
    if (format != kModelFormat)
        throw io::FormatError("not a gst-emotion model: metadata 'format' is '" + format + "', expected '" +
                              kModelFormat + "'");
    info.architecture = file.metadata_value("architecture");
    if (info.architecture.empty()) throw io::FormatError("model metadata: missing 'architecture'");
    const Architecture* architecture = nullptr;
    try {
        architecture = &architecture_named(info.architecture);
    } catch (const std::invalid_argument& e) {
        throw io::FormatError(std::string("model metadata: ") + e.what());
    }
    info.config = parse_json_field(file, "config", true, json::value_t::object);
    json labels = parse_json_field(file, "labels", true, json::value_t::array);
    for (const json& label : labels) {
        if (!label.is_string() || label.get<std::string>().empty())
            throw io::FormatError("model metadata: 'labels' must be non-empty strings");
        info.labels.push_back(label.get<std::string>());
    }
    if (info.labels.size() < 2) throw io::FormatError("model metadata: 'labels' needs at least 2 classes");
    std::set<std::string> unique(info.labels.begin(), info.labels.end());
    if (unique.size() != info.labels.size()) throw io::FormatError("model metadata: duplicate labels");

    json features = parse_json_field(file, "features", true, json::value_t::object);
    try {
        info.features.kind = parse_feature_kind(features.at("kind").get<std::string>());
        info.features.sample_rate = features.at("sample_rate").get<int>();
        info.features.dimensions = features.at("dimensions").get<std::vector<int>>();
    } catch (const std::exception& e) { // json::exception, or an unknown kind
        throw io::FormatError(std::string("model metadata: 'features' is malformed: ") + e.what());
    }
    const FeatureSpec& expected = architecture->features;
    if (!(info.features == expected))
        throw io::FormatError("model metadata: architecture '" + info.architecture + "' takes " +
                              expected.describe() + ", but the file says " + info.features.describe());
    info.normalisation = file.metadata_value("normalisation");
    info.training = parse_json_field(file, "training", false, json::value_t::object);
    info.metrics = parse_json_field(file, "metrics", false, json::value_t::object);
    if (file.metadata().count("temperature")) {
        const std::string text = file.metadata_value("temperature");
        std::istringstream in(text); // not strtod: the application's locale may use decimal commas
        in.imbue(std::locale::classic());
        in >> info.temperature;
        if (in.fail() || !in.eof() || !(info.temperature > 0.0) || !std::isfinite(info.temperature) ||
            info.temperature > 1000.0)
            throw io::FormatError("model metadata: 'temperature' must be a number in (0, 1000], not '" +
                                  text + "'");
    }
    double prior_frames = 0.0;
    try {
        prior_frames = SpeakerStatisticsConfig::from_json(info.config).prior_frames;
    } catch (const std::invalid_argument& e) {
        throw io::FormatError(std::string("model metadata: 'config': ") + e.what());
    }
    if (file.metadata().count("speaker_prior")) {
        json prior = parse_json_field(file, "speaker_prior", true, json::value_t::object);
        try {
            info.speaker_prior = SpeakerPrior::from_json(prior, info.features.dimensions.front());
        } catch (const std::invalid_argument& e) {
            throw io::FormatError(std::string("model metadata: 'speaker_prior': ") + e.what());
        }
    } else if (prior_frames > 0.0) {
        throw io::FormatError("model metadata: missing 'speaker_prior' (the config's speaker_prior_frames "
                              "needs the training population's statistics)");
    }

    const bool has_vocabulary = file.metadata().count("vocabulary") != 0;
    if (architecture->takes_text()) {
        if (!has_vocabulary)
            throw io::FormatError("model metadata: missing 'vocabulary' (a " + info.architecture +
                                  " model needs the words of text.embedding's rows)");
        info.vocabulary =
            text::parse_word_list(file.metadata_value("vocabulary"), "model metadata: 'vocabulary'");
        const int rows = vocabulary_size(*architecture, info.config);
        if (static_cast<int>(info.vocabulary.size()) != rows)
            throw io::FormatError("model metadata: 'vocabulary' has " +
                                  std::to_string(info.vocabulary.size()) + " words, expected " +
                                  std::to_string(rows) + " (config 'vocab')");
    } else if (has_vocabulary) {
        throw io::FormatError("model metadata: 'vocabulary' is only for " + architecture_names(true) +
                              " models, not '" + info.architecture + "'");
    }
    return info;
}

ModelInfo read_model_info(const std::string& path) {
    io::SafetensorsFile file = io::SafetensorsFile::read(path);
    try {
        return read_model_info(file);
    } catch (const io::FormatError& e) { throw io::FormatError(path + ": " + e.what()); }
}

void load_parameters(const io::SafetensorsFile& file, const nn::ParameterTable& table) {
    std::set<std::string> unused;
    // A training checkpoint is a model file plus the optimiser's state, which inference ignores.
    const bool checkpoint = file.metadata().count(kCheckpointKey) != 0;
    for (const std::string& name : file.names())
        if (!checkpoint || name.rfind(kOptimizerPrefix, 0) != 0) unused.insert(name);
    for (const auto& entry : table) {
        nn::Tensor& value = entry.parameter->value;
        if (!file.has(entry.name)) throw io::FormatError("missing tensor '" + entry.name + "'");
        const io::TensorEntry& stored = file.entry(entry.name);
        if (stored.dtype == io::DType::I64) {
            std::vector<int64_t> values = file.i64(entry.name);
            if (static_cast<int64_t>(values.size()) != value.size())
                throw io::FormatError("tensor '" + entry.name + "': " + std::to_string(values.size()) +
                                      " values, expected " + std::to_string(value.size()));
            for (size_t i = 0; i < values.size(); ++i) value[i] = static_cast<float>(values[i]);
        } else {
            value.copy_from(file.f32(entry.name, value.shape()));
        }
        unused.erase(entry.name);
    }
    if (!unused.empty()) {
        std::string names;
        for (const std::string& name : unused) names += (names.empty() ? "'" : ", '") + name + "'";
        throw io::FormatError("not all tensors loaded: " + names + " not used by the model");
    }
}

std::unique_ptr<Model> load_model(nn::Context& context, const std::string& path, ModelInfo* info_out) {
    io::SafetensorsFile file = io::SafetensorsFile::read(path);
    ModelInfo info;
    std::unique_ptr<Model> model;
    try {
        info = read_model_info(file);
        int64_t file_elements = 0;
        for (const std::string& name : file.names())
            file_elements += nn::shape_elements(file.entry(name).shape);
        nn::ParameterBudget budget(file_elements); // every parameter must come from the file
        model = create_model(context, info.architecture, info.config);
        if (model->num_classes() != static_cast<int>(info.labels.size()))
            throw io::FormatError("the model has " + std::to_string(model->num_classes()) + " outputs but " +
                                  std::to_string(info.labels.size()) + " labels");
        load_parameters(file, model->parameters());
    } catch (const io::FormatError& e) {
        throw io::FormatError(path + ": " + e.what());
    } catch (const std::exception& e) {
        throw io::FormatError(path + ": invalid model configuration: " + e.what());
    }
    if (info_out) *info_out = info;
    return model;
}

io::SafetensorsWriter model_writer(Model& model, const ModelInfo& info) {
    io::SafetensorsWriter writer;
    writer.set_metadata("format", kModelFormat);
    writer.set_metadata("architecture", model.architecture());
    writer.set_metadata("config", model.config().dump());
    writer.set_metadata("labels", json(info.labels).dump());
    json features = {{"kind", feature_kind_name(info.features.kind)},
                     {"sample_rate", info.features.sample_rate},
                     {"dimensions", info.features.dimensions}};
    writer.set_metadata("features", features.dump());
    writer.set_metadata("normalisation", info.normalisation);
    writer.set_metadata("training", info.training.dump());
    writer.set_metadata("metrics", info.metrics.dump());
    if (info.temperature != 1.0) {
        if (!(info.temperature > 0.0) || !std::isfinite(info.temperature) || info.temperature > 1000.0)
            throw std::invalid_argument("a model's temperature must be in (0, 1000], not " +
                                        std::to_string(info.temperature));
        std::ostringstream text;
        text.imbue(std::locale::classic());
        text << std::setprecision(6) << info.temperature;
        writer.set_metadata("temperature", text.str());
    }
    if (!info.speaker_prior.empty())
        writer.set_metadata("speaker_prior", info.speaker_prior.to_json().dump());
    else if (SpeakerStatisticsConfig::from_json(model.config()).prior_frames > 0.0)
        throw std::invalid_argument("a model with speaker_prior_frames needs its population prior "
                                    "(Classifier::set_speaker_prior)");
    const Architecture& architecture = architecture_of(model);
    if (architecture.takes_text()) {
        const int rows = architecture.vocabulary_size(model.config());
        if (static_cast<int>(info.vocabulary.size()) != rows)
            throw std::invalid_argument("a " + architecture.name + " model file needs a vocabulary of " +
                                        std::to_string(rows) + " words (one per text.embedding row), got " +
                                        std::to_string(info.vocabulary.size()) +
                                        "; models::attach_embeddings sets it");
        writer.set_metadata("vocabulary", json(info.vocabulary).dump());
    } else if (!info.vocabulary.empty()) {
        throw std::invalid_argument("a vocabulary is only for " + architecture_names(true) +
                                    " models, not '" + model.architecture() + "'");
    }
    for (const auto& entry : model.parameters()) {
        const nn::Tensor& value = entry.parameter->value;
        if (is_counter(entry.name)) // PyTorch stores BatchNorm's counter as int64
            writer.add_i64(entry.name, {static_cast<int64_t>(value.size() ? value[0] : 0)}, {});
        else
            writer.add(entry.name, value);
    }
    return writer;
}

void save_model(const std::string& path, Model& model, const ModelInfo& info) {
    model_writer(model, info).write_atomic(path);
}

} // namespace emotion::models
