// A model file says what it is: emotion-eval --model, emotion-analyze --model and emotion-train
// --model build the pipeline of the file's architecture (here the shipped stl model, which
// alstmclassify would refuse, and the shipped apcnn model, which takes mu-law segments), and
// refuse an --arch that disagrees with the file. emotion-analyze --json prints emotionsink's JSON
// Lines, and several --model are fused. emotion-eval --order plays the utterances to a
// speaker-normalised model shuffled, in the manifest's order, or each alone; --report lists every
// result's posteriors. Three EmoDB utterances of shared/reference/lld keep it fast.
#include <glib/gstdio.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval-report.h"
#include "models/model_file.h"
#include "stream/speaker_balance.h"
#include "test_main.h"
#include "three-utterances.h"
#include "tool_run.h"

using namespace emotion::test;

namespace {

std::string temp_dir() {
    static std::string dir = [] {
        char pattern[] = "/tmp/emotion-tools-XXXXXX";
        const char* d = g_mkdtemp(pattern);
        return std::string(d ? d : "/tmp");
    }();
    return dir;
}

std::string small_manifest() { return three_utterance_manifest(temp_dir() + "/manifest.csv"); }

// The three utterances as one speaker's, in `order` (indices into the three).
std::string one_speaker_manifest(const std::string& name, const std::vector<int>& order) {
    const std::string stems[] = {"03a01Fa", "08a02Wc", "16b10Tb"}, labels[] = {"happy", "angry", "sad"};
    const std::string path = temp_dir() + "/" + name + ".csv";
    std::ofstream out(path);
    out << "path,emotion,speaker\n";
    for (int i : order) out << reference_wav(stems[i]) << "," << labels[i] << ",one\n";
    return path;
}

// emotion-eval --model stl --order ORDER on `manifest`: the report (null when it failed).
nlohmann::json evaluated_in_order(const std::string& manifest, const std::string& order,
                                  const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"--manifest", manifest, "--model", shipped("stl"), "--order", order};
    args.insert(args.end(), more.begin(), more.end());
    return evaluated_report(temp_dir() + "/order.json", args);
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
    // every result's posteriors: four labels' worth, summing to 1, the true labels of the manifest
    const auto& listed = j["results"];
    EXPECT_MSG(listed["labels"].size() == 4 && listed["items"].size() == 3, listed.dump());
    std::vector<std::string> truths;
    for (const auto& item : listed["items"]) {
        double sum = 0.0;
        for (const auto& p : item["posteriors"]) sum += p.get<double>();
        EXPECT_MSG(item["posteriors"].size() == 4 && std::fabs(sum - 1.0) < 1e-4 && !item["id"].empty(),
                   item.dump());
        truths.push_back(item["truth"].get<std::string>());
    }
    std::sort(truths.begin(), truths.end());
    EXPECT_MSG((truths == std::vector<std::string>{"angry", "happy", "sad"}), listed.dump());

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

TEST(eval_order_sets_what_a_speaker_normalised_model_has_heard) {
    // the shipped stl reads each segment with its speaker's running statistics: three utterances
    // of one speaker give other posteriors in another order, and alone each is its own first
    const std::string forward = one_speaker_manifest("forward", {0, 1, 2}),
                      backward = one_speaker_manifest("backward", {2, 1, 0});
    const nlohmann::json alone = evaluated_in_order(forward, "alone");
    EXPECT(alone.is_object() && alone["order"] == "alone" && alone["calibration"]["uncalibrated"]["n"] == 3);
    double single = 0.0; // each utterance in a manifest of its own
    for (int i = 0; i < 3; ++i)
        single += uncalibrated_nll(evaluated_in_order(one_speaker_manifest("single", {i}), "manifest")) / 3;
    const double in_order = uncalibrated_nll(evaluated_in_order(forward, "manifest")),
                 reversed = uncalibrated_nll(evaluated_in_order(backward, "manifest"));
    std::printf("mean NLL: alone %.6f, each in its own manifest %.6f, manifest order %.6f, reversed %.6f\n",
                uncalibrated_nll(alone), single, in_order, reversed);
    EXPECT(std::fabs(uncalibrated_nll(alone) - single) < 1e-5);
    EXPECT(std::fabs(uncalibrated_nll(evaluated_in_order(backward, "alone")) - uncalibrated_nll(alone)) <
           1e-5);
    EXPECT(std::fabs(in_order - uncalibrated_nll(alone)) > 1e-3 && std::fabs(in_order - reversed) > 1e-3);
    // the default with --split all is the seeded shuffle
    const nlohmann::json shuffled = evaluated_in_order(forward, "shuffled");
    EXPECT(shuffled.is_object() && shuffled["order"] == "shuffled");

    // alone with --split test: the test speakers' utterances only
    const nlohmann::json tested =
        evaluated_in_order(small_manifest(), "alone", {"--split", "test", "--test-speakers", "emodb08"});
    EXPECT(tested.is_object() && tested["calibration"]["uncalibrated"]["n"] == 1);

    Run r = run(
        {env("EMOTION_EVAL_TOOL"), "--manifest", forward, "--model", shipped("stl"), "--order", "random"});
    EXPECT_MSG(r.status == 2 && contains(r.err, "shuffled, manifest or alone"), r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", forward, "--arch", "stl", "--order", "alone"});
    EXPECT_MSG(r.status == 2 && contains(r.err, "--order needs --model"), r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", forward, "--model", shipped("stl"), "--order",
             "shuffled", "--split", "test", "--test-speakers", "one"});
    EXPECT_MSG(r.status == 2 && contains(r.err, "plays in the manifest's order"), r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", forward, "--model", shipped("stl"), "--order", "alone",
             "--split", "test", "--test-speakers", "nobody"});
    EXPECT_MSG(r.status != 0 && contains(r.err, "no utterance of the test speakers"), r.err);
}

TEST(eval_balance_is_the_classifiers_per_voice_correction) {
    // --balance speaker: each result divided by the running mean of its speaker's results so far
    // (stream::SpeakerBalance on the unbalanced posteriors, in play order)
    const std::string forward = one_speaker_manifest("forward", {0, 1, 2});
    const nlohmann::json plain = evaluated_in_order(forward, "manifest");
    const nlohmann::json balanced = evaluated_in_order(forward, "manifest", {"--balance", "speaker"});
    EXPECT(plain.is_object() && balanced.is_object() && balanced["balance"] == "speaker");
    if (!plain.is_object() || !balanced.is_object()) return;
    const auto& before = plain["results"]["items"];
    const auto& after = balanced["results"]["items"];
    EXPECT(before.size() == 3 && after.size() == 3);
    emotion::stream::SpeakerBalance expected;
    double worst = 0.0, moved = 0.0;
    for (size_t i = 0; i < std::min(before.size(), after.size()); ++i) {
        EXPECT(before[i]["id"] == after[i]["id"]);
        const auto want = expected.apply("", before[i]["posteriors"].get<std::vector<float>>());
        const auto got = after[i]["posteriors"].get<std::vector<float>>();
        for (size_t k = 0; k < got.size(); ++k) {
            worst = std::max(worst, double(std::fabs(got[k] - want[k])));
            moved = std::max(moved, double(std::fabs(got[k] - before[i]["posteriors"][k].get<float>())));
        }
    }
    std::printf("--balance speaker: max |diff| to stream::SpeakerBalance %.2e (to none %.3f)\n", worst,
                moved);
    EXPECT(worst < 1e-5 && moved > 1e-3);

    Run r = run(
        {env("EMOTION_EVAL_TOOL"), "--manifest", forward, "--model", shipped("stl"), "--balance", "voice"});
    EXPECT_MSG(r.status == 2 && contains(r.err, "none or speaker"), r.err);
    r = run({env("EMOTION_EVAL_TOOL"), "--manifest", forward, "--model", shipped("stl"), "--balance",
             "speaker", "--calibrate", "--out", temp_path("never.safetensors")});
    EXPECT_MSG(r.status == 2 && contains(r.err, "without --balance"), r.err);
}

TEST(eval_keeps_its_work_folder_only_when_given) {
    // --order alone writes a reordered manifest: into --work when given, else into a folder
    // under $TMPDIR that is gone when the run ends
    const std::string tmp = temp_path("tmpdir"), work = temp_path("work");
    g_mkdir_with_parents(tmp.c_str(), 0755);
    const std::string forward = one_speaker_manifest("forward", {0, 1, 2});
    const char* saved = g_getenv("TMPDIR");
    const std::string previous = saved ? saved : "";
    g_setenv("TMPDIR", tmp.c_str(), TRUE);
    const nlohmann::json temporary = evaluated_in_order(forward, "alone");
    const nlohmann::json kept = evaluated_in_order(forward, "alone", {"--work", work});
    if (saved)
        g_setenv("TMPDIR", previous.c_str(), TRUE);
    else
        g_unsetenv("TMPDIR");
    EXPECT(temporary.is_object() && kept.is_object());
    GDir* dir = g_dir_open(tmp.c_str(), 0, nullptr);
    const gchar* left = dir ? g_dir_read_name(dir) : "(cannot open)";
    EXPECT_MSG(dir && left == nullptr, std::string("left behind in $TMPDIR: ") + (left ? left : ""));
    if (dir) g_dir_close(dir);
    EXPECT(g_file_test((work + "/alone.jsonl").c_str(), G_FILE_TEST_EXISTS));
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

TEST(train_fine_tunes_the_model_files_architecture) {
    const std::string out = temp_dir() + "/fine-tuned.safetensors";
    Run r = run({env("EMOTION_TRAIN_TOOL"), "--manifest", small_manifest(), "--model", shipped("stl"),
                 "--out", out, "--epochs", "1"});
    EXPECT_MSG(r.status == 0, r.err);
    EXPECT_MSG(!contains(r.err, "alstmclassify"), r.err); // it once ran the default architecture's element
    std::string architecture;
    try {
        architecture = emotion::models::read_model_info(out).architecture;
    } catch (const std::exception& e) { architecture = e.what(); }
    EXPECT_MSG(architecture == "stl", architecture);

    r = run({env("EMOTION_TRAIN_TOOL"), "--manifest", small_manifest(), "--model", shipped("stl"), "--arch",
             "alstm", "--out", temp_dir() + "/refused.safetensors"});
    EXPECT_MSG(r.status == 2, r.err);
    EXPECT_MSG(contains(r.err, "'stl' model") && contains(r.err, "--arch alstm") && contains(r.err, "usage:"),
               r.err);
    r = run({env("EMOTION_TRAIN_TOOL"), "--manifest", small_manifest(), "--model",
             temp_dir() + "/missing.safetensors", "--out", temp_dir() + "/x.safetensors"});
    EXPECT_MSG(r.status == 1 && contains(r.err, "missing.safetensors"), r.err);
}

// A new model with nothing but a manifest and an output: the recommended recipe, i.e. stl, speaker
// normalisation, and validation speakers drawn from the manifest's (one of the three here) that
// choose the epoch; --valid-fraction 0 and --normalization segment turn them off.
TEST(train_defaults_to_the_recommended_recipe) {
    const std::string out = temp_dir() + "/defaults.safetensors";
    Run r = run({env("EMOTION_TRAIN_TOOL"), "--manifest", small_manifest(), "--out", out, "--epochs", "1"});
    EXPECT_MSG(r.status == 0 && contains(r.out, "validation UA"), r.out + r.err);
    emotion::models::ModelInfo info;
    try {
        info = emotion::models::read_model_info(out);
    } catch (const std::exception& e) { info.architecture = e.what(); }
    EXPECT_MSG(info.architecture == "stl", info.architecture);
    EXPECT_MSG(info.config.value("input_normalization", "") == "speaker", info.config.dump());
    EXPECT_MSG(info.metrics.contains("validation"), info.metrics.dump());

    const std::string plain = temp_dir() + "/papers.safetensors";
    r = run({env("EMOTION_TRAIN_TOOL"), "--manifest", small_manifest(), "--out", plain, "--epochs", "1",
             "--valid-fraction", "0", "--normalization", "segment", "--arch", "alstm"});
    EXPECT_MSG(r.status == 0 && contains(r.out, "no validation data"), r.out + r.err);
    try {
        info = emotion::models::read_model_info(plain);
    } catch (const std::exception& e) { info.architecture = e.what(); }
    EXPECT_MSG(info.architecture == "alstm", info.architecture);
    EXPECT_MSG(info.config.value("input_normalization", "segment") == "segment", info.config.dump());
}

// --resume without --arch: the architecture of OUT's checkpoint (here the shipped stl model put
// where a checkpoint would be: stlclassify opens it, and refuses it as a checkpoint of other
// settings, where alstmclassify used to refuse it as "an 'stl' model")
TEST(train_resumes_in_the_checkpoints_architecture) {
    const std::string out = temp_dir() + "/resumed.safetensors";
    const std::string checkpoint = temp_dir() + "/resumed.checkpoint.safetensors";
    std::ifstream shipped_model(shipped("stl"), std::ios::binary);
    std::ofstream(checkpoint, std::ios::binary) << shipped_model.rdbuf();
    Run r = run({env("EMOTION_TRAIN_TOOL"), "--manifest", small_manifest(), "--out", out, "--resume",
                 "--epochs", "17"});
    EXPECT_MSG(!contains(r.err, "AlstmClassify") && !contains(r.err, "'stl' model"), r.err);
    EXPECT_MSG(contains(r.err, "StlClassify") || r.status == 0, r.err);
}

// Every line a JSON object with emotionsink's fields; returns the objects.
std::vector<nlohmann::json> json_lines(const std::string& text) {
    std::vector<nlohmann::json> objects;
    size_t at = 0;
    while (at < text.size()) {
        size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        nlohmann::json j = nlohmann::json::parse(text.substr(at, end - at), nullptr, false);
        EXPECT_MSG(j.is_object(), "not JSON: " + text.substr(at, end - at));
        if (j.is_object()) {
            for (const char* field : {"segment", "start", "end", "label", "confidence", "scores", "model"})
                EXPECT_MSG(j.contains(field), std::string("no '") + field + "' in " + j.dump());
            objects.push_back(j);
        }
        at = end + 1;
    }
    return objects;
}

TEST(analyze_json_prints_emotionsinks_json_lines) {
    for (const std::string architecture : {"stl", "apcnn"}) {
        Run r = run({env("EMOTION_ANALYZE_TOOL"), "--json", "--model", shipped(architecture),
                     reference_wav("08a02Wc")});
        EXPECT_MSG(r.status == 0, r.err);
        auto objects = json_lines(r.out); // nothing but JSON Lines on stdout
        EXPECT_MSG(objects.size() == 1, r.out);
        for (const auto& j : objects) {
            EXPECT_MSG(j.value("model", "") == architecture + ".safetensors", j.dump());
            const std::string label = j.value("label", "");
            EXPECT_MSG(j["scores"].contains(label), j.dump());
            EXPECT_MSG(j.value("end", 0.0) > j.value("start", 1.0), j.dump());
            EXPECT_MSG(std::fabs(j["scores"].value(label, 0.0) - j.value("confidence", -1.0)) < 1e-6,
                       j.dump());
        }
    }
}

// --balance speaker: the classifier's balance property, on the recording's voice
TEST(analyze_balance_speaker) {
    std::vector<nlohmann::json> runs;
    for (const char* balance : {"none", "speaker"}) {
        Run r = run({env("EMOTION_ANALYZE_TOOL"), "--json", "--balance", balance, "--model", shipped("apcnn"),
                     reference_wav("08a02Wc")});
        EXPECT_MSG(r.status == 0, r.err);
        auto objects = json_lines(r.out);
        EXPECT_MSG(objects.size() == 1, r.out);
        if (objects.size() == 1) runs.push_back(objects[0]);
    }
    if (runs.size() != 2) return;
    std::vector<float> plain, balanced;
    for (const auto& [label, p] : runs[0]["scores"].items()) {
        plain.push_back(p.get<float>());
        balanced.push_back(runs[1]["scores"][label].get<float>());
    }
    const std::vector<float> want = emotion::stream::SpeakerBalance().apply("", plain);
    double worst = 0.0;
    for (size_t k = 0; k < want.size(); ++k)
        worst = std::max(worst, double(std::fabs(balanced[k] - want[k])));
    std::printf("analyze --balance speaker: max |diff| to stream::SpeakerBalance %.2e\n", worst);
    EXPECT(plain.size() == 4 && worst < 1e-5);
    Run r = run({env("EMOTION_ANALYZE_TOOL"), "--balance", "yes", reference_wav("08a02Wc")});
    EXPECT_MSG(r.status == 2 && contains(r.err, "none or speaker"), r.err);
}

// emotionsink shares the standard output: appending to a file keeps what it held (opening
// /dev/stdout anew truncated it and wrote over the first bytes)
TEST(analyze_json_appends_to_redirected_output) {
    const std::string file = temp_dir() + "/appended.jsonl";
    Run r =
        run({"/bin/sh", "-c",
             "echo kept > \"$1\" && \"$2\" --json --model \"$3\" \"$4\" >> \"$1\" && \"$2\" --json --model "
             "\"$3\" \"$4\" >> \"$1\"",
             "sh", file, env("EMOTION_ANALYZE_TOOL"), shipped("stl"), reference_wav("08a02Wc")});
    EXPECT_MSG(r.status == 0, r.err);
    std::ifstream in(file);
    std::string first, rest((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t newline = rest.find('\n');
    first = rest.substr(0, newline);
    EXPECT_MSG(first == "kept", rest);
    EXPECT_MSG(json_lines(rest.substr(newline + 1)).size() == 2, rest);
}

TEST(analyze_fuses_several_models) {
    Run r = run({env("EMOTION_ANALYZE_TOOL"), "--model", shipped("alstm"), "--model", shipped("apcnn"),
                 "--model", shipped("stl"), "--json", reference_wav("08a02Wc")});
    EXPECT_MSG(r.status == 0, r.err);
    auto objects = json_lines(r.out);
    EXPECT_MSG(objects.size() == 1, r.out); // the fused results only, in the first model's segments
    for (const auto& j : objects) {
        EXPECT_MSG(j.value("model", "") == "fusion(alstm.safetensors+apcnn.safetensors+stl.safetensors)",
                   j.dump());
        EXPECT_MSG(j.value("segment", "") == "vad0", j.dump());
    }
    // the table: the first model's (LLD) segment columns, the fused emotion
    Run table = run({env("EMOTION_ANALYZE_TOOL"), "--model", shipped("alstm"), "--model", shipped("stl"),
                     reference_wav("08a02Wc")});
    EXPECT_MSG(table.status == 0, table.err);
    EXPECT_MSG(contains(table.out, "1 speech segments") && contains(table.out, "vad0"), table.out);
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
