// Labelled text for pretraining M4's text branch: the GoEmotions TSV files of
// shared/data/text/goemotions-ekman/ (one comment per line: text TAB comma-separated label ids
// TAB comment id; labels.txt names the ids, one per line).
//
// Labels are mapped to the model's label set with `label_map` (source name -> model label, e.g.
// anger:angry). Decision for multi-label rows: a row is kept only when every one of its labels
// is mapped and all map to the same model label ("joy,surprise" is dropped when surprise is not
// mapped: the comment is then partly an emotion the model does not have). Rows with an unmapped
// label only are dropped too.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace emotion::io {

struct LabelledText {
    std::string text;
    int label = -1; // index into the model's labels
};

struct TextCorpusStats {
    int rows = 0;
    int kept = 0;
    int unmapped = 0;           // a label outside the map
    int conflicting = 0;        // labels mapping to different model labels
    std::vector<int> per_label; // kept rows per model label
};

// GoEmotions' Ekman labels onto the default four (surprise, disgust and fear have no model
// label): text pretraining and the synthetic audio-text pairing must read the corpus alike.
inline constexpr const char* kEkmanToFourClasses = "anger:angry,joy:happy,sadness:sad,neutral:neutral";

// "anger:angry,joy:happy" -> {anger: angry, joy: happy}; std::invalid_argument on a malformed
// entry.
std::map<std::string, std::string> parse_label_map(const std::string& text);

// labels.txt: one name per line (id = line number from 0).
std::vector<std::string> read_label_names(const std::string& path);

// Reads one split. Every mapped source label must be in `source_labels` and every target in
// `labels` (std::invalid_argument else); a malformed line (no tab, a label id that is not a
// number or out of range) is a std::runtime_error naming file and line. Invalid UTF-8 is kept
// as it is (the tokenizer copes).
std::vector<LabelledText> read_goemotions(const std::string& tsv_path,
                                          const std::vector<std::string>& source_labels,
                                          const std::map<std::string, std::string>& label_map,
                                          const std::vector<std::string>& labels, TextCorpusStats* stats);

} // namespace emotion::io
