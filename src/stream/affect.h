// Arousal and valence of a classification result, read from its posteriors: each known label has
// a point on Russell's circumplex of affect (Russell 1980, "A circumplex model of affect", J. Pers.
// Soc. Psychol. 39(6)), and a result's (arousal, valence) is the posterior-weighted mean of its
// labels' points, in [-1, 1] each. The table (kAffectTable in affect.cpp, README "Arousal,
// valence and confidence") places the labels in the quadrants of Russell's Fig. 2 with magnitudes rounded to
// one decimal: angry (+0.8, -0.6), happy (+0.6, +0.8), neutral (0, 0), sad (-0.6, -0.7), ... A model with a
// label the table does not know gets no arousal or valence at all (a partial table would bias the mean toward
// the origin).
//
// High or low arousal is a decision between two groups of labels, those above the horizontal
// axis (arousal > 0: angry, happy, ...) and the others (neutral, sad, ...): high when the
// posteriors of the first group sum to more than 1/2. (The sign of the expected arousal would
// call a result "high" whenever a neutral-looking one spreads a little mass over angry or happy;
// on ravdess-dev that costs 10 points of arousal UA for apcnn: README "Arousal, valence and
// confidence".)
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace emotion::stream {

struct Affect {
    float arousal = 0.0f;          // -1 calm/sleepy .. +1 excited/activated
    float valence = 0.0f;          // -1 unpleasant .. +1 pleasant
    float high_probability = 0.0f; // sum of the posteriors of the labels with arousal > 0
};

// The point of one label (case-sensitive, as models name them), or nothing when unknown.
std::optional<Affect> label_affect(const std::string& label);

// The points of `labels`, in order; empty when any label has none.
std::vector<Affect> affect_points(const std::vector<std::string>& labels);

// sum_k p_k * point_k / sum_k p_k, clamped to [-1, 1], and high_probability (normalised the same
// way); `points` and `posteriors` have the same size (std::invalid_argument otherwise). All-zero
// posteriors give the origin and high_probability 0.
Affect expected_affect(const std::vector<Affect>& points, const std::vector<float>& posteriors);

// High arousal: the labels above the axis hold more than half of the posterior mass.
inline bool is_high_arousal(const Affect& a) { return a.high_probability > 0.5f; }
inline const char* arousal_level(const Affect& a) { return is_high_arousal(a) ? "high" : "low"; }

} // namespace emotion::stream
