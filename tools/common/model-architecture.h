// A model file says what it is: the architecture a tool runs is the one its model files record.
// `--arch` names the architecture of a new model only (training from scratch, cross-validation);
// given beside a model file it must agree. emotion-analyze, emotion-eval and emotion-train ask
// here, so the rule and its messages are the same in every tool.
#pragma once

#include <string>

#include "models/architecture.h"

namespace emotion::tools {

// The architecture of the model file at `model`, or, without one, the one named `arch` (empty:
// `fallback`). std::invalid_argument (a usage error) for an unknown name or an `arch` that
// disagrees with the file; io::FormatError / std::runtime_error when the file cannot be read.
const models::Architecture& run_architecture(const std::string& model, const std::string& arch,
                                             const std::string& fallback);

} // namespace emotion::tools
