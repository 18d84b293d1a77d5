// Upper bounds on what a model configuration may ask for. A configuration comes from a model
// file, which may be hostile: the network is built from it before the tensors are compared with
// it, so an alstm file with fc = 1000000 allocated 8.3 GB before its error. The bounds are far
// above every published configuration (MODELS.md) and keep the largest model near 1 GB.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace emotion::models {

constexpr int64_t kMaxLayerWidth = 4096;    // features, hidden units, channels, d, ffn, d_word
constexpr int64_t kMaxLayerCount = 32;      // stacked blocks or layers of one kind
constexpr int64_t kMaxClasses = 1000;       // outputs of one head
constexpr int64_t kMaxSequence = 100000;    // fixed audio or text length, offsets, periods
constexpr int64_t kMaxVocabulary = 4000000; // rows of a word-vector table

// Throws std::invalid_argument "MODEL config: 'KEY' = VALUE exceeds the limit of LIMIT".
inline void check_at_most(const char* model, const char* key, int64_t value, int64_t limit) {
    if (value > limit)
        throw std::invalid_argument(std::string(model) + " config: '" + key + "' = " + std::to_string(value) +
                                    " exceeds the limit of " + std::to_string(limit));
}

} // namespace emotion::models
