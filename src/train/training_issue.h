// What a training run tells its user besides progress: an error that ends the call (thrown as
// TrainingError) or a warning or notice it goes on after (TrainingListener), each with the kind
// of matter it is about, so that a caller can file it (an element: the GStreamer error domain
// and code), and a message the user can act on.
#pragma once

#include <stdexcept>
#include <string>

namespace emotion::train {

enum class TrainingIssue {
    Settings,      // unusable training settings or model configuration
    OutputFolder,  // the model's folder does not exist or is not writable
    Resume,        // continuing from a checkpoint (refused, or happening)
    Write,         // the best model or a checkpoint was not written
    Training,      // the data cannot be trained on, or an optimisation step failed
    UnknownLabels, // segments labelled with classes the model does not have
};

struct TrainingNotice {
    TrainingIssue kind = TrainingIssue::Training;
    std::string message; // for the user
    std::string details; // for a developer; may be empty
};

class TrainingError : public std::runtime_error {
public:
    TrainingError(TrainingIssue kind, const std::string& message, std::string details = "")
        : std::runtime_error(message), kind_(kind), details_(std::move(details)) {}

    TrainingIssue kind() const { return kind_; }
    const std::string& details() const { return details_; }
    TrainingNotice notice() const { return {kind_, what(), details_}; }

private:
    TrainingIssue kind_;
    std::string details_;
};

} // namespace emotion::train
