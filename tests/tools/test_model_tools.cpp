// A model file says what it is: emotion-eval --model and emotion-analyze --model build the
// pipeline of the file's architecture (here the shipped stl model, which alstmclassify would
// refuse, and the shipped apcnn model, which takes mu-law segments), and emotion-eval refuses an
// --arch that disagrees with the file. Three EmoDB utterances of shared/reference/lld keep it fast.
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/wait.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_main.h"

namespace {

struct Run {
    int status = -1; // exit code
    std::string out, err;
};

std::string env(const char* name) {
    const char* value = std::getenv(name);
    if (!value) std::fprintf(stderr, "%s is not set (tests/meson.build sets it)\n", name);
    return value ? value : "";
}

Run run(std::vector<std::string> argv) {
    std::vector<gchar*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    gchar *out = nullptr, *err = nullptr;
    gint wait_status = -1;
    GError* error = nullptr;
    Run r;
    if (!g_spawn_sync(nullptr, args.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err,
                      &wait_status, &error)) {
        r.err = error ? error->message : "cannot spawn";
        g_clear_error(&error);
        return r;
    }
    r.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    r.out = out ? out : "";
    r.err = err ? err : "";
    g_free(out);
    g_free(err);
    std::printf("$");
    for (const auto& a : argv) std::printf(" %s", a.c_str());
    std::printf("\n-> exit %d\n%s%s", r.status, r.out.c_str(), r.err.c_str());
    return r;
}

std::string temp_dir() {
    static std::string dir = [] {
        char pattern[] = "/tmp/emotion-tools-XXXXXX";
        const char* d = g_mkdtemp(pattern);
        return std::string(d ? d : "/tmp");
    }();
    return dir;
}

std::string reference_wav(const std::string& stem) {
    return emotion::test::shared_dir() + "/reference/lld/emodb_" + stem + ".wav";
}

// Three utterances, three emotions, three speakers.
std::string small_manifest() {
    const std::string path = temp_dir() + "/manifest.csv";
    std::ofstream out(path);
    out << "path,emotion,speaker\n"
        << reference_wav("03a01Fa") << ",happy,emodb03\n"
        << reference_wav("08a02Wc") << ",angry,emodb08\n"
        << reference_wav("16b10Tb") << ",sad,emodb16\n";
    return path;
}

std::string shipped(const std::string& architecture) {
    return env("EMOTION_SOURCE_MODELS") + "/" + architecture + ".safetensors";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST(eval_runs_the_model_files_architecture) {
    const std::string report = temp_dir() + "/report.json";
    Run r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model", shipped("stl"),
                 "--report", report});
    EXPECT_MSG(r.status == 0, r.err);
    EXPECT_MSG(contains(r.out, "evaluation of " + shipped("stl")), r.out);
    nlohmann::json j = nlohmann::json::parse(std::ifstream(report), nullptr, false);
    EXPECT_MSG(j.is_object() && j.value("architecture", "") == "stl", j.dump());
    int evaluated = 0;
    if (j.is_object() && j.contains("pooled"))
        for (const auto& row : j["pooled"]["matrix"])
            for (const auto& n : row) evaluated += n.get<int>();
    EXPECT_MSG(evaluated == 3, j.dump());

    // a mu-law model: mulawspec and apcnnclassify
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model", shipped("apcnn")});
    EXPECT_MSG(r.status == 0 && contains(r.out, "evaluation of"), r.err);
}

TEST(eval_reports_arousal_and_calibration_and_calibrates) {
    const std::string report = temp_dir() + "/calibration.json";
    Run r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model", shipped("stl"),
                 "--report", report});
    EXPECT_MSG(r.status == 0, r.err);
    EXPECT_MSG(contains(r.out, "arousal (high: angry, happy; low: neutral, sad)"), r.out);
    EXPECT_MSG(contains(r.out, "ECE"), r.out);
    nlohmann::json j = nlohmann::json::parse(std::ifstream(report), nullptr, false);
    EXPECT_MSG(j.is_object() && j["arousal"].is_object() && j["calibration"].is_object(), j.dump());
    if (!j.is_object() || !j["arousal"].is_object() || !j["calibration"].is_object()) return;
    // happy and angry (high), sad (low): 3 results in the high/low matrix
    EXPECT_MSG(j["arousal"]["confusion"]["total"] == 3, j["arousal"].dump());
    const double ece = j["calibration"]["uncalibrated"]["ece"].get<double>();
    EXPECT(ece >= 0.0 && ece <= 1.0);
    EXPECT(j["calibration"]["uncalibrated"]["n"] == 3);

    // --calibrate --out: a copy with the fitted temperature, which the next evaluation applies
    const std::string calibrated = temp_dir() + "/stl-calibrated.safetensors";
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model", shipped("stl"),
             "--calibrate", "--out", calibrated, "--report", report});
    EXPECT_MSG(r.status == 0 && contains(r.out, "temperature fitted on these 3 results"), r.err);
    j = nlohmann::json::parse(std::ifstream(report), nullptr, false);
    const double fitted =
        j.is_object() && j.contains("calibrate") ? j["calibrate"]["temperature"].get<double>() : -1;
    EXPECT_MSG(fitted > 0.0, j.dump());
    EXPECT(j.is_object() &&
           j["calibrate"]["after"]["nll"].get<double>() <= j["calibrate"]["before"]["nll"].get<double>());
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model", calibrated, "--report",
             report});
    EXPECT_MSG(r.status == 0 && contains(r.out, "at the model file's temperature"), r.out);
    j = nlohmann::json::parse(std::ifstream(report), nullptr, false);
    EXPECT_MSG(j.is_object() &&
                   std::fabs(j["calibration"]["model"]["temperature"].get<double>() - fitted) < 1e-4 * fitted,
               j.dump());

    // bad combinations are usage errors
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--arch", "stl", "--calibrate"});
    EXPECT_MSG(r.status == 2 && contains(r.err, "--calibrate needs --model"), r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model", shipped("stl"), "--out",
             calibrated});
    EXPECT_MSG(r.status == 2 && contains(r.err, "--out needs --calibrate"), r.err);
}

TEST(eval_refuses_an_arch_that_disagrees_with_the_model_n) {
    Run r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model", shipped("stl"),
                 "--arch", "apcnn"});
    EXPECT_MSG(r.status == 2, r.err);
    EXPECT_MSG(contains(r.err, "'stl' model") && contains(r.err, "apcnn") && contains(r.err, "usage"), r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--model", shipped("stl"), "--arch",
             "stl"});
    EXPECT_MSG(r.status == 0, r.err); // agreeing is fine
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", small_manifest(), "--arch", "svm"});
    EXPECT_MSG(r.status == 2 && contains(r.err, "alstm, apcnn, stl, ksmm"), r.err);
}

TEST(analyze_runs_the_model_files_architecture) {
    const std::vector<std::string> labels = {"angry", "happy", "neutral", "sad"};
    auto has_label = [&](const std::string& text) {
        for (const auto& label : labels)
            if (contains(text, " " + label + " (")) return true;
        return false;
    };
    Run r = run({env("EMOTION_ANALYZE_TOOL"), "--model", shipped("stl"), reference_wav("08a02Wc")});
    EXPECT_MSG(r.status == 0, r.err);
    EXPECT_MSG(contains(r.out, "1 speech segments") && contains(r.out, "vad0"), r.out);
    EXPECT_MSG(has_label(r.out), r.out);

    // mu-law segments: no voice activity detection, one line per classified segment
    r = run({env("EMOTION_ANALYZE_TOOL"), "--model", shipped("apcnn"), reference_wav("08a02Wc")});
    EXPECT_MSG(r.status == 0, r.err);
    EXPECT_MSG(contains(r.out, "s0") && has_label(r.out), r.out);

    r = run({env("EMOTION_ANALYZE_TOOL"), "--model", temp_dir() + "/missing.safetensors",
             reference_wav("08a02Wc")});
    EXPECT_MSG(r.status == 1 && contains(r.err, "missing.safetensors"), r.err);
}

// Without the plugin: one clear message (it printed 4 CRITICALs and a "not linked" error).
TEST(analyze_without_the_plugin_says_so_n) {
    const std::string registry = temp_dir() + "/no-plugin-registry.bin";
    Run r = run({"/usr/bin/env", "-u", "GST_PLUGIN_PATH", "GST_PLUGIN_LOADING_WHITELIST=",
                 "GST_REGISTRY=" + registry, env("EMOTION_ANALYZE_TOOL"), reference_wav("08a02Wc")});
    EXPECT_MSG(r.status == 1 && contains(r.err, "GStreamer has no element 'lldextract'"), r.err);
    EXPECT_MSG(!contains(r.err, "CRITICAL"), r.err);
}

TEST_MAIN()
