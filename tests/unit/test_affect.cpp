// Arousal/valence from posteriors (stream/affect.h) and calibration (train/calibration.h):
// known answers, a temperature fit that recovers the temperature the labels were drawn with, and
// ECE on a case computed by hand.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "stream/affect.h"
#include "train/calibration.h"
#include "test_main.h"

using namespace emotion::stream;
using namespace emotion::train;

TEST(affect_of_a_certain_label_is_its_point) {
    auto points = affect_points({"angry", "happy", "neutral", "sad"});
    EXPECT(points.size() == 4);
    Affect a = expected_affect(points, {1.0f, 0.0f, 0.0f, 0.0f});
    EXPECT_NEAR(a.arousal, 0.8, 1e-6);
    EXPECT_NEAR(a.valence, -0.6, 1e-6);
    EXPECT(is_high_arousal(a));
    Affect s = expected_affect(points, {0.0f, 0.0f, 0.0f, 1.0f});
    EXPECT_NEAR(s.arousal, -0.6, 1e-6);
    EXPECT_NEAR(s.valence, -0.7, 1e-6);
    EXPECT(std::string(arousal_level(s)) == "low");
}

TEST(affect_is_the_posterior_weighted_mean) {
    auto points = affect_points({"angry", "happy", "neutral", "sad"});
    // 0.5 * (0.8, -0.6) + 0.25 * (0.6, 0.8) + 0.25 * (-0.6, -0.7) = (0.4, -0.275)
    Affect a = expected_affect(points, {0.5f, 0.25f, 0.0f, 0.25f});
    EXPECT_NEAR(a.arousal, 0.4, 1e-6);
    EXPECT_NEAR(a.valence, -0.275, 1e-6);
    // unnormalised posteriors are normalised; neutral alone is the origin, which is low arousal
    Affect n = expected_affect(points, {0.0f, 0.0f, 2.0f, 0.0f});
    EXPECT_NEAR(n.arousal, 0.0, 1e-9);
    EXPECT(!is_high_arousal(n));
    EXPECT_NEAR(a.high_probability, 0.75, 1e-6);
    EXPECT(is_high_arousal(a));
    // mostly neutral with some angry and happy: positive expected arousal, but low arousal (the
    // high-arousal labels hold 0.3 of the mass)
    Affect mostly_neutral = expected_affect(points, {0.2f, 0.1f, 0.6f, 0.1f});
    EXPECT_NEAR(mostly_neutral.arousal, 0.16, 1e-6);
    EXPECT_NEAR(mostly_neutral.high_probability, 0.3, 1e-6);
    EXPECT(!is_high_arousal(mostly_neutral));
    EXPECT(std::string(arousal_level(mostly_neutral)) == "low");
    Affect zero = expected_affect(points, {0.0f, 0.0f, 0.0f, 0.0f});
    EXPECT(zero.arousal == 0.0f && zero.valence == 0.0f);
}

TEST(affect_needs_every_label_known) {
    EXPECT(affect_points({"angry", "happy", "contempt"}).empty());
    EXPECT(!label_affect("Angry")); // model labels are case-sensitive
    EXPECT(affect_points({"angry", "bored", "disgust", "fear", "happy", "neutral", "sad"}).size() == 7);
    EXPECT_THROWS(expected_affect(affect_points({"angry", "sad"}), {1.0f}));
}

TEST(temperature_scaling_known_answer) {
    // p = softmax(z) with z = (2, 0): at T = 2, softmax(1, 0) = (0.7311, 0.2689)
    float e2 = std::exp(2.0f);
    std::vector<float> p = {e2 / (e2 + 1.0f), 1.0f / (e2 + 1.0f)};
    auto q = apply_temperature(p, 2.0);
    EXPECT_NEAR(q[0], 0.7310586, 1e-5);
    EXPECT_NEAR(q[1], 0.2689414, 1e-5);
    EXPECT(apply_temperature(p, 1.0) == p);
    auto zero = apply_temperature({1.0f, 0.0f}, 3.0); // underflowed posterior: no NaN
    EXPECT(std::isfinite(zero[1]) && zero[0] > 0.99f);
    EXPECT_THROWS(apply_temperature(p, 0.0));
    EXPECT_THROWS(apply_temperature(p, -1.0));
}

TEST(temperature_fit_recovers_a_known_temperature) {
    // logits drawn at random; labels drawn from softmax(z / 2.5): the fit on softmax(z) must find 2.5
    const double true_t = 2.5;
    std::mt19937 rng(7);
    std::normal_distribution<double> logit(0.0, 3.0);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<LabelledScores> results;
    for (int i = 0; i < 20000; ++i) {
        std::vector<double> z(4);
        for (auto& v : z) v = logit(rng);
        std::vector<float> p(4), target(4);
        double sp = 0, st = 0;
        for (int k = 0; k < 4; ++k) sp += std::exp(z[k]), st += std::exp(z[k] / true_t);
        for (int k = 0; k < 4; ++k)
            p[k] = (float)(std::exp(z[k]) / sp), target[k] = (float)(std::exp(z[k] / true_t) / st);
        double draw = u(rng), cumulative = 0;
        int truth = 3;
        for (int k = 0; k < 4; ++k)
            if (draw < (cumulative += target[k])) {
                truth = k;
                break;
            }
        results.push_back({p, truth});
    }
    double t = fit_temperature(results);
    EXPECT_MSG(std::fabs(t - true_t) < 0.1, "fitted T " + std::to_string(t));
    // the fit is the minimum: NLL is higher on both sides
    EXPECT(temperature_nll(results, t) < temperature_nll(results, t * 1.1));
    EXPECT(temperature_nll(results, t) < temperature_nll(results, t / 1.1));
    EXPECT_THROWS(fit_temperature({}));
    // all right: the NLL falls toward T -> 0; the fit stops at its lower bound
    std::vector<LabelledScores> separable = {{{0.7f, 0.3f}, 0}, {{0.2f, 0.8f}, 1}};
    EXPECT_NEAR(fit_temperature(separable), 0.25, 1e-3);
}

TEST(ece_known_case) {
    // 4 results: two at confidence 0.9 (one right), two at 0.6 (both right), 15 bins:
    // bin (0.8667, 0.9333]: |0.5 - 0.9| * 2/4 = 0.2; bin (0.5333, 0.6]: |1.0 - 0.6| * 2/4 = 0.2
    std::vector<LabelledScores> results = {
        {{0.9f, 0.1f}, 0}, {{0.9f, 0.1f}, 1}, {{0.4f, 0.6f}, 1}, {{0.6f, 0.4f}, 0}};
    EXPECT_NEAR(expected_calibration_error(results, 15), 0.4, 1e-6);
    // perfectly calibrated: confidence 0.5 with half right
    std::vector<LabelledScores> calibrated = {{{0.5f, 0.5f}, 0}, {{0.5f, 0.5f}, 1}};
    EXPECT_NEAR(expected_calibration_error(calibrated, 15), 0.0, 1e-9);
    EXPECT(expected_calibration_error({}, 15) == 0.0);
    EXPECT_THROWS(expected_calibration_error(results, 0));
}

TEST_MAIN()
