#include "text/vocabulary.h"

#include <stdexcept>

#include "text/tokenizer.h"
#include "text/unicode.h"

namespace emotion::text {

namespace {

// "café" -> "cafe": canonical decomposition without the combining marks, recomposed. The table
// has no accented word (GloVe 6B as pruned by wink), so this finds the plain spelling.
std::string without_accents(const std::string& word) {
    const std::string nfd = normalize(make_valid_utf8(word), NormalForm::NFD);
    std::string bare;
    size_t length = 0;
    for (size_t i = 0; i < nfd.size(); i += length)
        if (!is_mark(decode_utf8(nfd.data() + i, &length))) bare.append(nfd, i, length);
    return normalize(bare, NormalForm::NFC);
}

bool is_ascii(const std::string& word) {
    for (unsigned char c : word)
        if (c >= 0x80) return false;
    return true;
}

} // namespace

Vocabulary::Vocabulary(std::vector<std::string> words) : words_(std::move(words)) {
    if (words_.empty() || !words_[0].empty())
        throw std::invalid_argument("vocabulary: entry 0 must be the empty word (unknown / padding)");
    index_.reserve(words_.size());
    for (size_t i = 1; i < words_.size(); ++i) {
        if (words_[i].empty())
            throw std::invalid_argument("vocabulary: entry " + std::to_string(i) + " is empty");
        if (!index_.emplace(words_[i], static_cast<int>(i)).second)
            throw std::invalid_argument("vocabulary: '" + words_[i] + "' appears twice (entry " +
                                        std::to_string(i) + ")");
    }
}

int Vocabulary::id(const std::string& word) const {
    auto it = index_.find(word);
    return it == index_.end() ? 0 : it->second;
}

int Vocabulary::lookup(const std::string& word) const {
    const int exact = id(word);
    if (exact != 0 || is_ascii(word)) return exact;
    return id(without_accents(word));
}

std::vector<int> Vocabulary::ids(std::string_view text, size_t max_tokens) const {
    std::vector<int> out;
    if (max_tokens == 0) return out;
    for (const std::string& word : tokenize(text)) {
        const int found = lookup(word);
        if (found != 0 || word.find('-') == std::string::npos) {
            out.push_back(found);
        } else { // an unknown compound: its parts
            size_t start = 0;
            for (size_t i = 0; i <= word.size() && out.size() < max_tokens; ++i)
                if (i == word.size() || word[i] == '-') {
                    out.push_back(lookup(word.substr(start, i - start)));
                    start = i + 1;
                }
        }
        if (out.size() >= max_tokens) break;
    }
    return out;
}

} // namespace emotion::text
