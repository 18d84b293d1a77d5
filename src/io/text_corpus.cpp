#include "io/text_corpus.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace emotion::io {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t i = 0; i <= text.size(); ++i)
        if (i == text.size() || text[i] == separator) {
            parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    return parts;
}

int index_of(const std::vector<std::string>& names, const std::string& name) {
    auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

} // namespace

std::map<std::string, std::string> parse_label_map(const std::string& text) {
    std::map<std::string, std::string> map;
    for (const std::string& entry : split(text, ',')) {
        if (entry.empty()) continue;
        const auto parts = split(entry, ':');
        if (parts.size() != 2 || parts[0].empty() || parts[1].empty())
            throw std::invalid_argument("label map entry '" + entry + "' is not source:target");
        map[parts[0]] = parts[1];
    }
    if (map.empty()) throw std::invalid_argument("the label map is empty");
    return map;
}

std::vector<std::string> read_label_names(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot read it");
    std::vector<std::string> names;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) names.push_back(line);
    }
    if (names.empty()) throw std::runtime_error(path + ": no label names");
    return names;
}

std::vector<LabelledText> read_goemotions(const std::string& tsv_path,
                                          const std::vector<std::string>& source_labels,
                                          const std::map<std::string, std::string>& label_map,
                                          const std::vector<std::string>& labels, TextCorpusStats* stats) {
    // source id -> model label (-1 = unmapped)
    std::vector<int> target(source_labels.size(), -1);
    for (const auto& [source, label] : label_map) {
        const int s = index_of(source_labels, source), t = index_of(labels, label);
        if (s < 0) throw std::invalid_argument("label map: '" + source + "' is not a label of the data");
        if (t < 0) throw std::invalid_argument("label map: '" + label + "' is not one of the model's labels");
        target[s] = t;
    }
    std::ifstream in(tsv_path, std::ios::binary);
    if (!in) throw std::runtime_error(tsv_path + ": cannot read it");
    TextCorpusStats local;
    local.per_label.assign(labels.size(), 0);
    std::vector<LabelledText> out;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const size_t tab = line.find('\t');
        if (tab == std::string::npos)
            throw std::runtime_error(tsv_path + ":" + std::to_string(number) + ": no tab after the text");
        const size_t tab2 = line.find('\t', tab + 1);
        const std::string ids =
            line.substr(tab + 1, tab2 == std::string::npos ? std::string::npos : tab2 - tab - 1);
        ++local.rows;
        int label = -1;
        bool unmapped = false, conflicting = false;
        for (const std::string& id : split(ids, ',')) {
            size_t used = 0;
            int value = -1;
            try {
                value = std::stoi(id, &used);
            } catch (const std::exception&) { used = 0; }
            if (used != id.size() || id.empty() || value < 0 ||
                value >= static_cast<int>(source_labels.size()))
                throw std::runtime_error(tsv_path + ":" + std::to_string(number) + ": label id '" + id +
                                         "' is not one of 0.." + std::to_string(source_labels.size() - 1));
            if (target[value] < 0)
                unmapped = true;
            else if (label >= 0 && label != target[value])
                conflicting = true;
            else
                label = target[value];
        }
        if (unmapped)
            ++local.unmapped;
        else if (conflicting)
            ++local.conflicting;
        else {
            out.push_back({line.substr(0, tab), label});
            ++local.kept;
            ++local.per_label[label];
        }
    }
    if (stats) *stats = local;
    return out;
}

} // namespace emotion::io
