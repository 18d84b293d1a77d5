// The training settings emotion-train and emotion-eval share: their command-line defaults, the
// usage text, and the reading of an Options (architecture, output and resume are the caller's).
#pragma once

#include <map>
#include <string>

#include "dataset-pipelines.h"
#include "options.h"

namespace emotion::tools {

std::map<std::string, std::string> training_option_defaults();
extern const char* kTrainingOptionsUsage;
pipelines::TrainOptions training_options(const Options& o);

} // namespace emotion::tools
