// What a dataset source emits and in which order: label filtering and mapping,
// speaker-independent train/validation/test splits, and seeded shuffling per epoch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/manifest.h"

namespace emotion::train {

enum class Split { Train, Valid, Test };
const char* split_name(Split split);

// "joy:happy,anger:angry" and "angry,happy,neutral,sad". Labels are compared after mapping.
struct LabelPolicy {
    std::map<std::string, std::string> mapping;
    std::vector<std::string> keep; // empty: keep every label (and unlabelled utterances)
    static LabelPolicy parse(const std::string& mapping, const std::string& keep); // throws
    // The mapped label, or "" when the utterance is filtered out.
    bool accepts(const std::string& label, std::string* mapped) const;
};

struct SplitSettings {
    std::vector<std::string> valid_speakers;
    std::vector<std::string> test_speakers;
    double valid_fraction = 0.0; // used when valid_speakers is empty: drawn by speaker
    uint64_t seed = 0;
};

// Comma-separated list, trimmed, empty items dropped.
std::vector<std::string> split_list(const std::string& text);
// The items joined by commas (split_list's inverse for items without commas or edge blanks).
std::string join_list(const std::vector<std::string>& items);

// The split of every utterance. Named speakers must exist (std::invalid_argument otherwise);
// a speaker never appears in two splits. With valid_fraction, whole training speakers are drawn
// (seeded) until they hold at least that fraction of the utterances.
std::vector<Split> assign_splits(const std::vector<io::Utterance>& utterances, const SplitSettings& settings);

// A permutation of 0..n-1 for the given epoch: Fisher-Yates on a 64-bit Mersenne Twister seeded
// from (seed, epoch), with unbiased bounded integers, so runs are reproducible everywhere.
std::vector<size_t> shuffled_order(size_t n, uint64_t seed, uint64_t epoch);

} // namespace emotion::train
