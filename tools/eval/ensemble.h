// emotion-eval --model A,B,C and --ensemble-work DIR1,DIR2: a seed ensemble (or any set of models
// of the same labels) evaluated as emotionfuse fuses it: each member classifies the same
// utterances in its own pipeline (its own speaker statistics, in the same order), and per
// utterance the members' posteriors (each at its model file's temperature, averaged over the
// utterance's parts) are averaged with equal weights.
#pragma once

#include <string>
#include <vector>

#include "dataset-pipelines.h"
#include "train/metrics.h"

namespace emotion::tools {

// "A,B,C" -> {"A", "B", "C"}; std::invalid_argument for an empty name.
std::vector<std::string> model_list(const std::string& text);

// A member of an ensemble: its file, architecture (its pipeline), temperature and labels.
struct Member {
    std::string model, architecture;
    double temperature = 1.0;
    std::vector<std::string> labels;
};

// std::invalid_argument naming the files when the members do not list the same labels in the
// same order (their posteriors could not be averaged class by class).
void check_fusable(const std::vector<Member>& members);

// The utterance a result belongs to: its segment id without a long segment's ".<n>" part.
std::string utterance_of(const std::string& segment_id);

// The equal-weight mean of the members' posteriors per utterance, in the first member's order;
// `temperatures[i]` scales member i's posteriors first. Utterances a member did not classify
// are left out (counted in *left_out). std::runtime_error when the members' labels differ.
std::vector<pipelines::ScoredResult>
fuse_results(const std::vector<std::vector<pipelines::ScoredResult>>& members,
             const std::vector<double>& temperatures, size_t* left_out);

// The confusion matrix of the results' top labels (results whose truth is not a label left out).
train::ConfusionMatrix confusion_of(const std::vector<pipelines::ScoredResult>& results);

} // namespace emotion::tools
