// What emotion-eval --model adds to WA/UA/macro F1 from the labelled results' posteriors:
// arousal UA (high = labels above the circumplex's horizontal axis, angry and happy; low =
// neutral and sad; predicted as the group holding more posterior mass, stream/affect.h) and the
// calibration of the confidences (ECE with 15 bins, NLL) at a temperature, and the temperature
// fit of --calibrate (train/calibration.h).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataset-pipelines.h"
#include "train/calibration.h"

namespace emotion::tools {

// The results with their true class as an index of their labels; results whose true label is not
// one of their labels are left out (the classifier cannot be right or wrong about them).
std::vector<train::LabelledScores> labelled_scores(const std::vector<pipelines::ScoredResult>& results);

// {"temperature", "ece", "nll", "n"} of the results after scaling with `temperature`.
nlohmann::json calibration_figures(const std::vector<train::LabelledScores>& scores, double temperature);

// {"ua", "wa", "confusion" (high, low)} of the arousal read from the posteriors at `temperature`;
// null when the labels have no points on the circumplex.
nlohmann::json arousal_figures(const std::vector<pipelines::ScoredResult>& results, double temperature);

// One line for the terminal: "T 1.000: ECE 0.123, NLL 0.456 (n 72)".
std::string describe_calibration(const nlohmann::json& figures);

} // namespace emotion::tools
