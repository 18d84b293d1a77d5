// Word -> row of the embedding table (M4 `text.embedding`). Row 0 is the reserved entry "" for
// unknown words and padding.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace emotion::text {

class Vocabulary {
public:
    // words[0] must be "" (the unknown / padding entry); the others non-empty and distinct
    // (std::invalid_argument otherwise).
    explicit Vocabulary(std::vector<std::string> words);

    // Row of `word` exactly as spelled; 0 when unknown.
    int id(const std::string& word) const;
    // tokenize(text), then the ids of the first max_tokens words. A word not in the table is
    // looked up without accents ("café" -> "cafe"), then, when hyphenated, part by part
    // ("semi-automatic" -> "semi", "automatic"); what is still unknown is 0.
    std::vector<int> ids(std::string_view text, size_t max_tokens) const;

    size_t size() const { return words_.size(); }
    const std::vector<std::string>& words() const { return words_; }

private:
    int lookup(const std::string& word) const; // with the accent fallback

    std::vector<std::string> words_;
    std::unordered_map<std::string, int> index_;
};

} // namespace emotion::text
