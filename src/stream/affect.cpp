#include "stream/affect.h"

#include <algorithm>
#include <stdexcept>

namespace emotion::stream {

namespace {

struct LabelPoint {
    const char* label;
    Affect point;
};

// Quadrants from Russell (1980), Fig. 2 (angry: aroused and unpleasant; happy: pleasant and
// somewhat aroused; sad: unpleasant and low; bored: low, mildly unpleasant; ...), magnitudes
// rounded to one decimal. The four EmoDB-4 classes first; the others are EmoDB's remaining
// classes and the common names of corpora that use Ekman's set.
const LabelPoint kAffectTable[] = {
    // {label, {arousal, valence}}
    {"angry", {0.8f, -0.6f}},   {"happy", {0.6f, 0.8f}},     {"neutral", {0.0f, 0.0f}},
    {"sad", {-0.6f, -0.7f}},    {"fear", {0.7f, -0.7f}},     {"fearful", {0.7f, -0.7f}},
    {"disgust", {0.3f, -0.8f}}, {"bored", {-0.7f, -0.3f}},   {"boredom", {-0.7f, -0.3f}},
    {"surprise", {0.8f, 0.3f}}, {"surprised", {0.8f, 0.3f}}, {"calm", {-0.6f, 0.5f}},
};

} // namespace

std::optional<Affect> label_affect(const std::string& label) {
    for (const auto& entry : kAffectTable)
        if (label == entry.label) {
            Affect a = entry.point;
            a.high_probability = a.arousal > 0.0f ? 1.0f : 0.0f;
            return a;
        }
    return std::nullopt;
}

std::vector<Affect> affect_points(const std::vector<std::string>& labels) {
    std::vector<Affect> points;
    for (const auto& label : labels) {
        auto point = label_affect(label);
        if (!point) return {};
        points.push_back(*point);
    }
    return points;
}

Affect expected_affect(const std::vector<Affect>& points, const std::vector<float>& posteriors) {
    if (points.size() != posteriors.size())
        throw std::invalid_argument("expected_affect: " + std::to_string(posteriors.size()) +
                                    " posteriors for " + std::to_string(points.size()) + " labels");
    double arousal = 0.0, valence = 0.0, high = 0.0, total = 0.0;
    for (size_t k = 0; k < points.size(); ++k) {
        arousal += posteriors[k] * points[k].arousal;
        valence += posteriors[k] * points[k].valence;
        if (points[k].arousal > 0.0f) high += posteriors[k];
        total += posteriors[k];
    }
    if (!(total > 0.0)) return {};
    auto clamp = [](double v, double lo) { return (float)std::clamp(v, lo, 1.0); };
    return {clamp(arousal / total, -1.0), clamp(valence / total, -1.0), clamp(high / total, 0.0)};
}

} // namespace emotion::stream
