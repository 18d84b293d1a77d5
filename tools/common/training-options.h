// The settings emotion-train and emotion-eval share: their command-line defaults, the usage text
// of the training ones, and the reading of an Options (architecture, output and resume are the
// caller's; so are the validation speakers, whose defaults differ).
#pragma once

#include <map>
#include <string>

#include "dataset-pipelines.h"
#include "options.h"

namespace emotion::tools {

std::map<std::string, std::string> training_option_defaults();
extern const char* kTrainingOptionsUsage;
pipelines::TrainOptions training_options(const Options& o);

// A new alstm or stl model whose command line names no --normalization gets `speaker`: measured
// better than the papers' per-segment z-score in EmoDB LOSO and on ravdess-dev (README
// "Normalisation"). Fine-tuning keeps the starting model's; other architectures keep theirs.
void apply_recommended_normalization(pipelines::TrainOptions& t);

// manifest, epochs, test-speakers, labels, label-map, seed.
std::map<std::string, std::string> dataset_option_defaults();
pipelines::DatasetOptions dataset_options(const Options& o);

} // namespace emotion::tools
