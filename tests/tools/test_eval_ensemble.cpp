// emotion-eval --model A,B,C evaluates an ensemble: the members' posteriors averaged per utterance
// with equal weights (emotionfuse's mean), each member's figures and the ensemble's; and
// --ensemble-work fuses the fold models of finished cross-validation runs. Known answers: a model
// fused with itself is the model; the mean of two models' posteriors cannot have a larger NLL than
// the members' mean NLL (-log is convex). Members of other labels, and work folders of other folds,
// are refused with errors that name them. Three EmoDB utterances of shared/reference/lld.
#include <glib/gstdio.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval-report.h"
#include "test_main.h"
#include "three-utterances.h"
#include "tool_run.h"

using namespace emotion::test;

namespace {

std::string small_manifest() { return three_utterance_manifest(temp_path("manifest.csv")); }

// emotion-eval ARGS with a report named after `name`.
nlohmann::json evaluated(const std::string& name, const std::vector<std::string>& args) {
    return evaluated_report(temp_path(name + ".json"), args);
}

double ua(const nlohmann::json& report) {
    return report.is_object() ? report["pooled"]["ua"].get<double>() : NAN;
}

// A finished cross-validation folder: fold<i>.json naming its test speaker and the model.
std::string work_folder(const std::string& name, const std::vector<std::string>& speakers,
                        const std::string& model) {
    const std::string dir = temp_path(name);
    g_mkdir_with_parents(dir.c_str(), 0755);
    for (size_t i = 0; i < speakers.size(); ++i) {
        const std::string stem = dir + "/fold" + std::to_string(i);
        std::ofstream(stem + ".json") << nlohmann::json{{"test_speakers", {speakers[i]}}}.dump() << "\n";
        std::ifstream in(model, std::ios::binary);
        std::ofstream(stem + ".safetensors", std::ios::binary) << in.rdbuf();
    }
    return dir;
}

} // namespace

TEST(a_model_fused_with_itself_is_the_model) {
    const std::string stl = shipped("stl");
    auto single = evaluated("single", {"--manifest", small_manifest(), "--model", stl});
    auto twice = evaluated("twice", {"--manifest", small_manifest(), "--model", stl + "," + stl});
    EXPECT_MSG(twice.is_object() && twice["members"].size() == 2, twice.dump());
    if (!single.is_object() || !twice.is_object()) return;
    EXPECT_MSG(twice["pooled"]["matrix"] == single["pooled"]["matrix"], twice.dump());
    EXPECT_NEAR(uncalibrated_nll(twice), uncalibrated_nll(single), 1e-5);
    EXPECT_NEAR(twice["calibration"]["ece"].get<double>(), single["calibration"]["ece"].get<double>(), 1e-5);
    EXPECT_NEAR(twice["arousal"]["ua"].get<double>(), single["arousal"]["ua"].get<double>(), 1e-9);
    EXPECT_NEAR(twice["members"][0]["ua"].get<double>(), ua(single), 1e-9); // each member's figures
}

TEST(an_ensemble_averages_the_posteriors) {
    // M2 and M3 disagree; the mean of their posteriors has an NLL no larger than their mean NLL
    const std::string stl = shipped("stl"), apcnn = shipped("apcnn");
    auto m3 = evaluated("m3", {"--manifest", small_manifest(), "--model", stl});
    auto m2 = evaluated("m2", {"--manifest", small_manifest(), "--model", apcnn});
    auto both = evaluated("both", {"--manifest", small_manifest(), "--model", apcnn + "," + stl});
    EXPECT_MSG(both.is_object() && both.value("architecture", "") == "apcnn+stl", both.dump());
    const double members = (uncalibrated_nll(m2) + uncalibrated_nll(m3)) / 2;
    std::printf("NLL: M2 %.4f, M3 %.4f, fused %.4f\n", uncalibrated_nll(m2), uncalibrated_nll(m3),
                uncalibrated_nll(both));
    EXPECT_MSG(uncalibrated_nll(both) <= members + 1e-6,
               std::to_string(uncalibrated_nll(both)) + " > " + std::to_string(members));
    EXPECT_MSG(std::fabs(uncalibrated_nll(m2) - uncalibrated_nll(m3)) > 1e-3,
               "the members should differ for this test to mean anything");
    EXPECT_MSG(std::fabs(uncalibrated_nll(both) - uncalibrated_nll(m3)) > 1e-4 &&
                   std::fabs(uncalibrated_nll(both) - uncalibrated_nll(m2)) > 1e-4,
               "fused as one member");
}

TEST(members_of_other_labels_are_refused_n) {
    const std::string other_order = temp_path("reordered.safetensors");
    Run r =
        run({env("EMOTION_MODEL_TOOL"), "init", "stl", other_order, "--labels", "happy,angry,neutral,sad"});
    EXPECT_MSG(r.status == 0, r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model",
             shipped("stl") + "," + other_order});
    EXPECT_MSG(r.status == 2 && contains(r.err, "cannot fuse " + other_order) &&
                   contains(r.err, "same labels"),
               r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model",
             shipped("stl") + "," + shipped("stl"), "--calibrate"});
    EXPECT_MSG(r.status == 2 && contains(r.err, "give one --model"), r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model", shipped("stl") + ","});
    EXPECT_MSG(r.status == 2 && contains(r.err, "empty model name"), r.err);
}

TEST(ensemble_work_fuses_the_fold_models) {
    // every fold's model is the shipped one: each fold's figures are the model's on that speaker
    const std::vector<std::string> speakers = {"emodb03", "emodb08", "emodb16"};
    const std::string a = work_folder("run-a", speakers, shipped("stl")),
                      b = work_folder("run-b", speakers, shipped("stl"));
    auto fused =
        evaluated("cv", {"--manifest", small_manifest(), "--folds", "loso", "--ensemble-work", a + "," + b});
    auto single = evaluated("cv-single", {"--manifest", small_manifest(), "--model", shipped("stl")});
    EXPECT_MSG(fused.is_object() && fused["folds"].size() == 3, fused.dump());
    if (fused.is_object() && single.is_object()) {
        // one utterance per fold: the pooled matrix is the single model's (speakers heard alone
        // there too: one utterance each)
        EXPECT_MSG(fused["pooled"]["matrix"] == single["pooled"]["matrix"], fused.dump());
        EXPECT_NEAR(uncalibrated_nll(fused), uncalibrated_nll(single), 1e-5);
    }
    // a run of other folds, and an unfinished one
    std::ofstream(b + "/fold1.json") << R"({"test_speakers":["emodb09"]})"
                                     << "\n";
    Run r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--folds", "loso",
                 "--ensemble-work", a + "," + b});
    EXPECT_MSG(r.status == 1 && contains(r.err, b + "/fold1.json tested emodb09, this fold tests emodb08"),
               r.err);
    g_remove((b + "/fold1.json").c_str());
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--folds", "loso", "--ensemble-work",
             a + "," + b});
    EXPECT_MSG(r.status == 1 && contains(r.err, b + "/fold1.json: missing"), r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--ensemble-work", a, "--model",
             shipped("stl")});
    EXPECT_MSG(r.status == 2 && contains(r.err, "not with --model"), r.err);
}

TEST_MAIN()
