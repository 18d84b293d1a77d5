// Label-shift correction per voice ("balance"): a classifier trained on one corpus is biased on
// another, and the bias is largely per voice (EmoDB's models call most of an English actor's sad
// speech neutral). Assuming each voice expresses the classes about equally often over time, a
// result's posteriors are divided by the running mean of the posteriors that voice got so far
// (this result's included), then renormalised; the mean starts from `prior_weight` results of
// uniform posteriors, so a voice's first results change little. It is the output-side companion
// of the running speaker normalisation of the input (models/speaker_normalization.h), and, like
// it, it reads a voice that holds one emotion for long as less of it (README "Balance per voice").
//
// Measured on ravdess-dev with the shipped files, in shuffled order (README "Balance per voice"): M3 UA
// 0.479 -> 0.513, ECE 0.296 -> 0.173; M2 + M3 fused 0.482 -> 0.537.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace emotion::stream {

class SpeakerBalance {
public:
    // Results of uniform posteriors each voice's running mean starts from (> 0).
    static constexpr double kDefaultPriorWeight = 2.0;
    explicit SpeakerBalance(double prior_weight = kDefaultPriorWeight);

    // The balanced posteriors of `speaker`'s next result ("" for a stream that names none).
    // `keep`: the result counts for the speaker's mean (false for an interim look at an open segment,
    // whose final result counts instead). Empty or all-zero posteriors are returned as they are.
    std::vector<float> apply(const std::string& speaker, const std::vector<float>& posteriors,
                             bool keep = true);
    // Another recording, a seek: the voices heard so far are forgotten.
    void reset() { speakers_.clear(); }
    size_t speakers() const { return speakers_.size(); }

private:
    struct Running {
        std::vector<double> sum; // of posteriors, the prior included
        double weight = 0.0;     // results counted, the prior included
    };
    double prior_weight_;
    std::map<std::string, Running> speakers_;
};

} // namespace emotion::stream
