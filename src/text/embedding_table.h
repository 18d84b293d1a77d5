// A pruned word-embedding table for M4's text branch, as emotion-embeddings writes it
// (embeddings.safetensors): tensor `embedding` [V, D] float32, row 0 all zeros (unknown word /
// padding), and metadata
//   format      "gst-emotion-embeddings/1"
//   vocabulary  JSON array of V words, entry 0 = "" (row i = word i)
//   source      JSON object: package, version, file, selection (how the words were chosen)
//   licence     text: the licences of the package and of the vectors
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nn/tensor.h"

namespace emotion::text {

constexpr const char* kEmbeddingsFormat = "gst-emotion-embeddings/1";

struct EmbeddingTable {
    std::vector<std::string> words; // words[0] = ""
    nn::Tensor vectors;             // [words.size(), D]
    nlohmann::json source = nlohmann::json::object();
    std::string licence;

    int dimensions() const { return vectors.rank() == 2 ? static_cast<int>(vectors.dim(1)) : 0; }
};

// Reads and validates a table: format, vocabulary (a Vocabulary can be built from it: "" first,
// no duplicates), one row per word, row 0 zero. Throws io::FormatError naming the file and what
// is wrong; a missing file says so and how to make one.
EmbeddingTable read_embedding_table(const std::string& path);

// Writes atomically (temporary file, rename).
void write_embedding_table(const std::string& path, const EmbeddingTable& table);

// Parses a metadata value that must be a JSON array of strings (the "vocabulary" of a table or
// of a model file); throws io::FormatError("<what>: ...").
std::vector<std::string> parse_word_list(const std::string& json_text, const std::string& what);

} // namespace emotion::text
