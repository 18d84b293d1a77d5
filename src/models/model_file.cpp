#include "models/model_file.h"

#include <set>
#include <sstream>

#include "models/ksmm_model.h"
#include "text/embedding_table.h"

namespace emotion::models {

using nlohmann::json;

std::string FeatureSpec::describe() const {
    std::ostringstream out;
    out << kind << ' ';
    for (size_t i = 0; i < dimensions.size(); ++i) out << (i ? "x" : "") << dimensions[i];
    out << " @ " << sample_rate << " Hz";
    return out.str();
}

FeatureSpec features_for(const std::string& architecture) {
    if (architecture == "apcnn") return {"mulaw", 16000, {400, 200}};
    return {"lld", 16000, {36}};
}

namespace {

json parse_json_field(const io::SafetensorsFile& file, const std::string& key, bool required,
                      json::value_t expected) {
    auto it = file.metadata().find(key);
    if (it == file.metadata().end()) {
        if (required) throw io::FormatError("model metadata: missing '" + key + "'");
        return expected == json::value_t::array ? json::array() : json::object();
    }
    json value = json::parse(it->second, nullptr, false);
    if (value.is_discarded() || value.type() != expected)
        throw io::FormatError("model metadata: '" + key + "' is not a JSON " +
                              (expected == json::value_t::array ? "array" : "object"));
    return value;
}

// The embedding rows a ksmm configuration asks for.
int ksmm_vocab(const json& config) {
    try {
        return KsmmConfig::from_json(config).vocab;
    } catch (const std::exception& e) {
        throw io::FormatError(std::string("model metadata: invalid ksmm 'config': ") + e.what());
    }
}

bool is_counter(const std::string& name) {
    const std::string suffix = "num_batches_tracked";
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

ModelInfo read_model_info(const io::SafetensorsFile& file) {
    ModelInfo info;
    std::string format = file.metadata_value("format");
    if (format != kModelFormat)
        throw io::FormatError("not a gst-emotion model: metadata 'format' is '" + format +
                              "', expected '" + kModelFormat + "'");
    info.architecture = file.metadata_value("architecture");
    if (info.architecture.empty()) throw io::FormatError("model metadata: missing 'architecture'");
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
        info.features.kind = features.at("kind").get<std::string>();
        info.features.sample_rate = features.at("sample_rate").get<int>();
        info.features.dimensions = features.at("dimensions").get<std::vector<int>>();
    } catch (const json::exception& e) {
        throw io::FormatError(std::string("model metadata: 'features' is malformed: ") + e.what());
    }
    FeatureSpec expected = features_for(info.architecture);
    if (!(info.features == expected))
        throw io::FormatError("model metadata: architecture '" + info.architecture + "' takes " +
                              expected.describe() + ", but the file says " + info.features.describe());
    info.normalisation = file.metadata_value("normalisation");
    info.training = parse_json_field(file, "training", false, json::value_t::object);
    info.metrics = parse_json_field(file, "metrics", false, json::value_t::object);

    const bool has_vocabulary = file.metadata().count("vocabulary") != 0;
    if (info.architecture == "ksmm") {
        if (!has_vocabulary)
            throw io::FormatError("model metadata: missing 'vocabulary' (a ksmm model needs the words of "
                                  "text.embedding's rows)");
        info.vocabulary = text::parse_word_list(file.metadata_value("vocabulary"), "model metadata: 'vocabulary'");
        const int rows = ksmm_vocab(info.config);
        if (static_cast<int>(info.vocabulary.size()) != rows)
            throw io::FormatError("model metadata: 'vocabulary' has " + std::to_string(info.vocabulary.size()) +
                                  " words, expected " + std::to_string(rows) + " (config 'vocab')");
    } else if (has_vocabulary) {
        throw io::FormatError("model metadata: 'vocabulary' is only for ksmm models, not '" + info.architecture + "'");
    }
    return info;
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
        model = create_model(context, info.architecture, info.config);
        if (model->num_classes() != static_cast<int>(info.labels.size()))
            throw io::FormatError("the model has " + std::to_string(model->num_classes()) +
                                  " outputs but " + std::to_string(info.labels.size()) + " labels");
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
    json features = {{"kind", info.features.kind},
                     {"sample_rate", info.features.sample_rate},
                     {"dimensions", info.features.dimensions}};
    writer.set_metadata("features", features.dump());
    writer.set_metadata("normalisation", info.normalisation);
    writer.set_metadata("training", info.training.dump());
    writer.set_metadata("metrics", info.metrics.dump());
    if (model.architecture() == "ksmm") {
        const int rows = model.config().value("vocab", 0);
        if (static_cast<int>(info.vocabulary.size()) != rows)
            throw std::invalid_argument("a ksmm model file needs a vocabulary of " + std::to_string(rows) +
                                        " words (one per text.embedding row), got " +
                                        std::to_string(info.vocabulary.size()) +
                                        "; models::attach_embeddings sets it");
        writer.set_metadata("vocabulary", json(info.vocabulary).dump());
    } else if (!info.vocabulary.empty()) {
        throw std::invalid_argument("a vocabulary is only for ksmm models, not '" + model.architecture() + "'");
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
