// A labelled dataset as a source plays it (emodatasetsrc; DESIGN.md "Training in the pipeline"):
// the manifest read, labels filtered and mapped, utterances split by speaker, the order of each
// epoch, and what a learner is told of the data at every epoch start.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "io/manifest.h"
#include "train/dataset_plan.h"

namespace emotion::train {

struct DatasetSettings {
    std::string location;                      // the manifest (CSV or JSON Lines)
    std::string labels;                        // "angry,happy,...": keep these (empty: all)
    std::string label_map;                     // "anger:angry,joy:happy": applied first
    std::string valid_speakers, test_speakers; // comma-separated
    double valid_fraction = 0.0;               // without valid_speakers: drawn by speaker
    uint64_t seed = 0;
    bool shuffle = false; // the training utterances, anew every epoch
    unsigned epochs = 1;
    std::vector<Split> played = {Split::Train, Split::Valid, Split::Test};
};

// What a data source says of the dataset at an epoch's start (a learner reads it at the first).
struct DatasetDescription {
    std::vector<std::string> labels;            // the classes: `labels` order when set, else sorted
    std::vector<std::string> speakers, genders; // of the training utterances, sorted
    std::string dataset, protocol;              // recorded in a trained model's file
    int train_utterances = 0, valid_utterances = 0;
    int epochs = 0;
};

class Dataset {
public:
    // Throws io::ManifestError for an unreadable or malformed manifest, std::invalid_argument for
    // unusable labels or splits.
    explicit Dataset(DatasetSettings settings);

    const DatasetSettings& settings() const { return settings_; }
    size_t size() const { return utterances_.size(); } // after label filtering
    const io::Utterance& utterance(size_t index) const { return utterances_[index]; }
    Split split(size_t index) const { return splits_[index]; }
    unsigned listed() const { return listed_; }     // manifest rows
    unsigned filtered() const { return filtered_; } // rows whose label was filtered out
    std::array<unsigned, 3> split_counts() const;   // train, valid, test

    // The utterances of an epoch: training (shuffled when asked), then validation, then test,
    // of the splits played.
    std::vector<size_t> epoch_order(unsigned epoch) const;
    DatasetDescription describe() const;
    // The segment id of an utterance: its file name without extension, dots replaced ('.' marks
    // the parts of a segment), "@epoch" added when there are several epochs.
    std::string utterance_id(size_t index, unsigned epoch) const;

private:
    DatasetSettings settings_;
    std::vector<io::Utterance> utterances_;
    std::vector<Split> splits_;
    unsigned listed_ = 0, filtered_ = 0;
};

} // namespace emotion::train
