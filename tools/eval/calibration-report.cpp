#include "calibration-report.h"

#include <cstdio>

#include "stream/affect.h"
#include "train/metrics.h"

namespace emotion::tools {

std::vector<train::LabelledScores> labelled_scores(const std::vector<pipelines::ScoredResult>& results) {
    std::vector<train::LabelledScores> out;
    for (const auto& r : results)
        for (size_t k = 0; k < r.labels.size(); ++k)
            if (r.labels[k] == r.truth && r.posteriors.size() == r.labels.size()) {
                out.push_back({r.posteriors, (int)k});
                break;
            }
    return out;
}

nlohmann::json calibration_figures(const std::vector<train::LabelledScores>& scores, double temperature) {
    std::vector<train::LabelledScores> scaled = scores;
    for (auto& s : scaled) s.posteriors = train::apply_temperature(s.posteriors, temperature);
    return {{"temperature", temperature},
            {"ece", train::expected_calibration_error(scaled, 15)},
            {"nll", scores.empty() ? 0.0 : train::temperature_nll(scores, temperature)},
            {"n", scores.size()}};
}

nlohmann::json arousal_figures(const std::vector<pipelines::ScoredResult>& results, double temperature) {
    train::ConfusionMatrix confusion({"high", "low"});
    for (const auto& r : results) {
        auto points = stream::affect_points(r.labels);
        auto truth = stream::label_affect(r.truth);
        if (points.empty() || !truth || points.size() != r.posteriors.size()) continue;
        stream::Affect predicted =
            stream::expected_affect(points, train::apply_temperature(r.posteriors, temperature));
        confusion.add(stream::is_high_arousal(*truth) ? 0 : 1, stream::is_high_arousal(predicted) ? 0 : 1);
    }
    if (confusion.total() == 0) return nullptr;
    return {{"ua", confusion.unweighted_accuracy()},
            {"wa", confusion.weighted_accuracy()},
            {"temperature", temperature},
            {"confusion", confusion.to_json()}};
}

std::string describe_calibration(const nlohmann::json& f) {
    char text[128];
    std::snprintf(text, sizeof text, "T %.3f: ECE %.3f, NLL %.3f (n %d)", f.at("temperature").get<double>(),
                  f.at("ece").get<double>(), f.at("nll").get<double>(), f.at("n").get<int>());
    return text;
}

} // namespace emotion::tools
