// Arousal and valence of a classification result, read from its posteriors: each known label has
// a point on Russell's circumplex of affect (Russell 1980, "A circumplex model of affect", J. Pers.
// Soc. Psychol. 39(6)), and a result's (arousal, valence) is the posterior-weighted mean of its
// labels' points, in [-1, 1] each. The table (kAffectTable in affect.cpp, README "Arousal and
// valence") places the labels in the quadrants of Russell's Fig. 2 with magnitudes rounded to one
// decimal: angry (+0.8, -0.6), happy (+0.6, +0.8), neutral (0, 0), sad (-0.6, -0.7), ... A model
// with a label the table does not know gets no arousal or valence at all (a partial table would
// bias the mean toward the origin).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace emotion::stream {

struct Affect {
    float arousal = 0.0f; // -1 calm/sleepy .. +1 excited/activated
    float valence = 0.0f; // -1 unpleasant .. +1 pleasant
};

// The point of one label (case-sensitive, as models name them), or nothing when unknown.
std::optional<Affect> label_affect(const std::string& label);

// The points of `labels`, in order; empty when any label has none.
std::vector<Affect> affect_points(const std::vector<std::string>& labels);

// sum_k p_k * point_k / sum_k p_k, clamped to [-1, 1]; `points` and `posteriors` have the same
// size (std::invalid_argument otherwise). All-zero posteriors give the origin.
Affect expected_affect(const std::vector<Affect>& points, const std::vector<float>& posteriors);

// High arousal: arousal > 0 (angry and happy lie above, neutral and sad at or below the axis).
inline bool is_high_arousal(const Affect& a) { return a.arousal > 0.0f; }
inline const char* arousal_level(const Affect& a) { return is_high_arousal(a) ? "high" : "low"; }

} // namespace emotion::stream
