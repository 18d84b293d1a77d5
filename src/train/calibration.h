// Confidence calibration of posteriors.
//
// Temperature scaling (Guo et al. 2017, "On calibration of modern neural networks"):
// softmax(z / T). Posteriors p = softmax(z) give the same result as softmax(log p / T), because
// log p differs from z by a constant per result, so a classifier applies a model's temperature
// to the posteriors it already has. T > 1 softens over-confident posteriors; T = 1 changes
// nothing; the winning class never changes.
//
// Expected calibration error (ECE, Naeini et al. 2015; Guo et al. 2017): results binned by their
// top posterior into equal-width bins over [0, 1]; sum over bins of (bin size / n) *
// |accuracy(bin) - mean confidence(bin)|.
#pragma once

#include <vector>

namespace emotion::train {

// softmax(log(max(p, tiny)) / temperature); temperature must be > 0 (std::invalid_argument).
std::vector<float> apply_temperature(const std::vector<float>& posteriors, double temperature);

// One labelled result: its posteriors (or logits: only differences between classes matter, as
// log-posteriors) and the index of the true class.
struct LabelledScores {
    std::vector<float> posteriors;
    int truth = 0;
};

// Mean negative log-likelihood of the true classes after temperature scaling.
double temperature_nll(const std::vector<LabelledScores>& results, double temperature);

// The temperature in [min_t, max_t] that minimises temperature_nll: golden-section search on
// log T (the NLL is unimodal in it), to a relative precision of about 1e-4. Throws
// std::invalid_argument when `results` is empty. Results that are all classified right have
// their minimum at T -> 0 (ever sharper posteriors); the lower bound 0.25 keeps such a small,
// separable validation set from making a model claim certainty (at most 4x sharper logits).
double fit_temperature(const std::vector<LabelledScores>& results, double min_t = 0.25, double max_t = 20.0);

// ECE of the top label with `bins` equal-width bins (15 by convention); 0 for no results.
double expected_calibration_error(const std::vector<LabelledScores>& results, int bins = 15);

} // namespace emotion::train
