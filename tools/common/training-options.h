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

// manifest, epochs, test-speakers, labels, label-map, seed.
std::map<std::string, std::string> dataset_option_defaults();
pipelines::DatasetOptions dataset_options(const Options& o);

} // namespace emotion::tools
