#include "models/ksmm_text.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <sys/stat.h>

#include "io/safetensors.h"
#include "models/architecture.h"
#include "models/ksmm_model.h"
#include "io/untrusted_json.h"

namespace emotion::models {

namespace {

nn::Parameter* find_parameter(const nn::ParameterTable& table, const std::string& name) {
    for (const auto& entry : table)
        if (entry.name == name) return entry.parameter;
    return nullptr;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

} // namespace

bool is_text_branch_parameter(const std::string& name) {
    return starts_with(name, "text.") && !starts_with(name, "text.ccab.");
}

text::EmbeddingTable read_word_vectors(const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return text::read_embedding_table(path); // its missing-file message
    io::SafetensorsFile file = io::SafetensorsFile::read(path);
    if (file.metadata_value("format") != kTextBranchFormat) return text::read_embedding_table(path);
    text::EmbeddingTable table;
    try {
        table.words = text::parse_word_list(file.metadata_value("vocabulary"), "metadata 'vocabulary'");
        if (!file.has("text.embedding")) throw io::FormatError("missing tensor 'text.embedding'");
        const auto& shape = file.entry("text.embedding").shape;
        if (shape.size() != 2) throw io::FormatError("tensor 'text.embedding' must be [V, D]");
        table.vectors = file.f32("text.embedding", {static_cast<int64_t>(table.words.size()), shape[1]});
    } catch (const io::FormatError& e) { throw io::FormatError(path + ": " + e.what()); }
    nlohmann::json config = io::parse_untrusted_json(file.metadata_value("config", "{}"));
    table.source = {{"text_branch", path},
                    {"config", config.is_object() ? config : nlohmann::json::object()}};
    return table;
}

nlohmann::json with_word_vectors(nlohmann::json config, const text::EmbeddingTable& table) {
    if (!config.is_object()) config = nlohmann::json::object();
    config["vocab"] = static_cast<int>(table.words.size());
    config["d_word"] = table.dimensions();
    config["freeze_embedding"] = true;
    return config;
}

void attach_embeddings(Model& model, ModelInfo& info, const text::EmbeddingTable& table) {
    if (!architecture_of(model).takes_text())
        throw std::invalid_argument("word vectors are for " + architecture_names(true) + " models, not '" +
                                    model.architecture() + "'");
    nn::Parameter* embedding = find_parameter(model.parameters(), "text.embedding");
    const nn::Shape wanted{static_cast<int64_t>(table.words.size()), table.dimensions()};
    if (!embedding || embedding->value.shape() != wanted)
        throw std::invalid_argument(
            "the model's text.embedding is " +
            (embedding ? nn::shape_to_string(embedding->value.shape()) : std::string("missing")) +
            " but the table has " + nn::shape_to_string(wanted) +
            " (build the model from with_word_vectors(config, table))");
    embedding->value.copy_from(table.vectors);
    info.vocabulary = table.words;
    info.config = model.config();
}

void attach_embeddings(Model& model, ModelInfo& info, const std::string& table_path) {
    attach_embeddings(model, info, read_word_vectors(table_path));
}

void load_text_branch(Model& model, const ModelInfo& info, const std::string& path) {
    io::SafetensorsFile file = io::SafetensorsFile::read(path);
    try {
        if (file.metadata_value("format") != kTextBranchFormat)
            throw io::FormatError("not a pretrained text branch (metadata 'format' is '" +
                                  file.metadata_value("format") + "', expected '" + kTextBranchFormat + "')");
        if (text::parse_word_list(file.metadata_value("vocabulary"), "metadata 'vocabulary'") !=
            info.vocabulary)
            throw io::FormatError("its vocabulary differs from the model's");
        std::set<std::string> unused;
        for (const std::string& name : file.names())
            if (is_text_branch_parameter(name)) unused.insert(name);
        for (const auto& entry : model.parameters()) {
            if (!is_text_branch_parameter(entry.name)) continue;
            if (!file.has(entry.name))
                throw io::FormatError("no tensor '" + entry.name + "' (pretrained with other settings?)");
            entry.parameter->value.copy_from(file.f32(entry.name, entry.parameter->value.shape()));
            unused.erase(entry.name);
        }
        if (!unused.empty())
            throw io::FormatError("tensor '" + *unused.begin() +
                                  "' has no place in the model (pretrained with other settings?)");
    } catch (const io::FormatError& e) { throw io::FormatError(path + ": " + e.what()); }
}

std::unique_ptr<Model> create_ksmm_model(nn::Context& context, const nlohmann::json& config,
                                         const std::string& words_path, nn::Rng& rng, ModelInfo& info) {
    const text::EmbeddingTable table = read_word_vectors(words_path);
    nlohmann::json sized = with_word_vectors(config, table);
    if (table.source.contains("text_branch")) // the branch's shape, unless the caller chose one
        for (const char* key : {"d", "heads", "ffn", "n_enc", "n_ks", "keep_rate", "text_len"})
            if (!sized.contains(key) && table.source["config"].contains(key))
                sized[key] = table.source["config"][key];
    auto model = std::make_unique<KsmmModel>(context, KsmmConfig::from_json(sized));
    model->init(rng);
    info.architecture = model->architecture();
    info.features = architecture_of(*model).features;
    attach_embeddings(*model, info, table);
    if (table.source.contains("text_branch")) load_text_branch(*model, info, words_path);
    return model;
}

std::vector<std::string> placeholder_vocabulary(int size) {
    std::vector<std::string> words(std::max(size, 1));
    for (int i = 1; i < size; ++i) words[i] = "w" + std::to_string(i);
    return words;
}

} // namespace emotion::models
