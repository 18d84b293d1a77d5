// emotion-eval: speaker-independent evaluation.
//   emotion-eval --manifest FILE --model MODEL [--split test --test-speakers A,B]
//       evaluates a given model on the manifest's utterances, in the pipeline of the model file's
//       architecture (its features element and classifier), and adds arousal UA and the
//       calibration error (ECE) of the posteriors, uncalibrated and at the model file's temperature;
//       (--order shuffled|manifest|alone: the order a speaker-normalised model hears them in);
//   emotion-eval --manifest FILE --model MODEL --calibrate [--out FILE] [--test-speakers A,B --split test]
//       also fits the temperature on these utterances (minimum NLL) and writes the model with it
//       (atomically; in place without --out);
//   emotion-eval --manifest FILE --model A,B,C [...]
//       an ensemble: the members' posteriors averaged per utterance with equal weights (as
//       emotionfuse averages them), each member's figures and the ensemble's;
//   emotion-eval --manifest FILE --folds loso|K --ensemble-work DIR1,DIR2,...
//       the ensemble of the fold models of finished cross-validation runs (their --work folders):
//       per fold, the runs' models of that fold fused on the fold's test speakers;
//   emotion-eval --manifest FILE --arch ARCH [--folds loso|K] [training options]
//       cross-validation by speaker: for every fold, trains on the other speakers (validation
//       speakers drawn from them) in a GStreamer pipeline and evaluates on the fold's speakers.
// Prints and writes per-fold and mean +- std WA, UA, macro F1, and the summed confusion matrix.
#include <gst/gst.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>

#include "../common/model-architecture.h"
#include "../common/options.h"
#include "../common/plots.h"
#include "../common/training-options.h"
#include "calibration-report.h"
#include "dataset-pipelines.h"
#include "ensemble.h"
#include "evaluation-order.h"
#include "work-folder.h"
#include "io/manifest.h"
#include "models/architecture.h"
#include "models/model_file.h"
#include "nn/context.h"
#include "train/dataset_plan.h"
#include "train/metrics.h"

using namespace emotion;
using namespace emotion::pipelines;
using namespace emotion::tools;

namespace {

const char* kUsage =
    "usage: emotion-eval --manifest FILE --model MODEL [--arch ARCH] [--split all|test --test-speakers A,B]\n"
    "                    [--order shuffled|manifest|alone] [--balance none|speaker]\n"
    "                    [--calibrate [--out FILE]] [--report FILE.json]\n"
    "       emotion-eval --manifest FILE --arch alstm|apcnn|stl|ksmm [--folds loso|K] [--epochs N]\n"
    "                    [--valid-fraction F] [--labels L,...] [--label-map A:B,...] [--seed N]\n"
    "                    [--report FILE.json] [--work DIR [--resume]] [training options]\n"
    "       emotion-eval --manifest FILE --folds loso|K --ensemble-work DIR1,DIR2,... [--report FILE.json]\n"
    "  --model: the architecture is the model file's (--arch, when given, must agree); without\n"
    "           --model, --arch defaults to stl (the recommended architecture). --model A,B,C: an\n"
    "           ensemble of models of the same labels, posteriors (each at its file's temperature)\n"
    "           averaged per utterance with equal weights, as emotionfuse does\n"
    "  --ensemble-work: the --work folders of finished cross-validation runs (same manifest and\n"
    "           folds); each fold's models fused on the fold's test speakers\n"
    "  --order: how a speaker-normalised model (README \"Normalisation\") hears the utterances:\n"
    "           shuffled (seeded; the default with --split all), manifest (the file's order; the\n"
    "           default with --split test), alone (each as the only utterance of its speaker)\n"
    "  --calibrate: fit the temperature (temperature scaling) on the evaluated utterances and write\n"
    "           the model with it to --out (default: MODEL itself, replaced atomically); fit on\n"
    "           validation speakers, never on the data you report calibration on\n"
    "  --balance speaker: the classifiers' label-shift correction per voice (property balance,\n"
    "           README \"Balance per voice\"), each member's before an ensemble fuses them; default none\n"
    "  --report: the figures as JSON, and under \"results\" every result's id, true label and\n"
    "           posteriors (temperature 1; an ensemble's fused ones)\n"
    "  --work: keep the fold models, their progress and the --order alone manifest in DIR (for\n"
    "          --resume and --ensemble-work); without it a folder under $TMPDIR (/tmp), removed at the end\n"
    "  --resume: reuse the folds already finished in DIR and continue an interrupted fold from\n"
    "            its checkpoint (same options as the interrupted run)\n";

struct Fold {
    std::vector<std::string> test_speakers;
    train::ConfusionMatrix confusion;
    double seconds = 0.0;
    int best_epoch = -1;
};

train::ConfusionMatrix confusion_from(const nlohmann::json& report) {
    train::ConfusionMatrix m(report.at("labels").get<std::vector<std::string>>());
    const auto& rows = report.at("matrix");
    for (size_t t = 0; t < rows.size(); ++t)
        for (size_t p = 0; p < rows[t].size(); ++p) m.add(int(t), int(p), rows[t][p].get<int>());
    return m;
}

// Speakers of the utterances the label policy keeps, sorted.
std::vector<std::string> speakers_of(const DatasetOptions& data) {
    auto policy = train::LabelPolicy::parse(data.label_map, data.labels);
    std::set<std::string> speakers;
    for (const auto& u : io::read_manifest(data.manifest)) {
        std::string mapped;
        if (policy.accepts(u.emotion, &mapped) && !u.speaker.empty()) speakers.insert(u.speaker);
    }
    return {speakers.begin(), speakers.end()};
}

std::vector<std::vector<std::string>> make_folds(const std::vector<std::string>& speakers,
                                                 const std::string& spec, uint64_t seed) {
    std::vector<std::vector<std::string>> folds;
    if (spec == "loso") {
        for (const auto& s : speakers) folds.push_back({s});
        return folds;
    }
    long k = std::strtol(spec.c_str(), nullptr, 10);
    if (k < 2 || k > long(speakers.size()))
        throw std::invalid_argument("--folds must be loso or 2.." + std::to_string(speakers.size()));
    folds.resize(k);
    auto order = train::shuffled_order(speakers.size(), seed, 0);
    for (size_t i = 0; i < order.size(); ++i) folds[i % k].push_back(speakers[order[i]]);
    return folds;
}

void print_summary(const std::vector<Fold>& folds, const std::string& title, nlohmann::json& out) {
    std::vector<double> wa, ua, f1;
    train::ConfusionMatrix total(folds.front().confusion.labels());
    std::printf("\n%s\n%-24s %7s %7s %7s %6s\n", title.c_str(), "fold (test speakers)", "WA", "UA", "MF1",
                "n");
    for (const auto& f : folds) {
        wa.push_back(f.confusion.weighted_accuracy());
        ua.push_back(f.confusion.unweighted_accuracy());
        f1.push_back(f.confusion.macro_f1());
        total.merge(f.confusion);
        std::printf("%-24s %7.3f %7.3f %7.3f %6d\n", train::join_list(f.test_speakers).c_str(), wa.back(),
                    ua.back(), f1.back(), f.confusion.total());
        out["folds"].push_back({{"test_speakers", f.test_speakers},
                                {"wa", wa.back()},
                                {"ua", ua.back()},
                                {"macro_f1", f1.back()},
                                {"best_epoch", f.best_epoch},
                                {"seconds", f.seconds},
                                {"confusion", f.confusion.to_json()}});
    }
    auto stats = [](const std::vector<double>& v) {
        double mean = 0, var = 0;
        for (double x : v) mean += x / v.size();
        for (double x : v) var += (x - mean) * (x - mean) / v.size();
        return std::make_pair(mean, std::sqrt(var));
    };
    auto [wa_m, wa_s] = stats(wa);
    auto [ua_m, ua_s] = stats(ua);
    auto [f1_m, f1_s] = stats(f1);
    std::printf("%-24s %.3f+-%.3f %.3f+-%.3f %.3f+-%.3f (mean +- std over folds)\n", "mean", wa_m, wa_s, ua_m,
                ua_s, f1_m, f1_s);
    std::printf("pooled over all folds: WA %.3f UA %.3f MF1 %.3f\n%s", total.weighted_accuracy(),
                total.unweighted_accuracy(), total.macro_f1(), total.to_text().c_str());
    out["mean"] = {{"wa", wa_m},     {"wa_std", wa_s},   {"ua", ua_m},
                   {"ua_std", ua_s}, {"macro_f1", f1_m}, {"macro_f1_std", f1_s}};
    out["pooled"] = total.to_json();
}

// Arousal UA and ECE at `temperature` (the model file's); ECE also uncalibrated.
void report_posteriors(const std::vector<ScoredResult>& results, double temperature, nlohmann::json& out) {
    auto scores = labelled_scores(results);
    nlohmann::json arousal = arousal_figures(results, temperature);
    if (arousal.is_null()) {
        std::printf(
            "arousal: the model's labels have no arousal (README \"Arousal, valence and confidence\")\n");
    } else {
        std::printf(
            "arousal (high: angry, happy; low: neutral, sad) from the posteriors: UA %.3f, WA %.3f\n%s",
            arousal["ua"].get<double>(), arousal["wa"].get<double>(),
            confusion_from(arousal["confusion"]).to_text().c_str());
    }
    out["arousal"] = arousal;
    nlohmann::json calibration = {{"bins", 15}, {"uncalibrated", calibration_figures(scores, 1.0)}};
    std::printf("calibration (top-label ECE, 15 bins): uncalibrated %s\n",
                describe_calibration(calibration["uncalibrated"]).c_str());
    if (temperature != 1.0) {
        calibration["model"] = calibration_figures(scores, temperature);
        std::printf("calibration at the model file's temperature: %s\n",
                    describe_calibration(calibration["model"]).c_str());
    }
    calibration["ece"] = (temperature != 1.0 ? calibration["model"] : calibration["uncalibrated"])["ece"];
    out["calibration"] = calibration;
    // each result's posteriors as classified (temperature 1), for analyses of one's own
    nlohmann::json listed = nlohmann::json::array();
    for (const ScoredResult& r : results)
        listed.push_back({{"id", r.segment_id}, {"truth", r.truth}, {"posteriors", r.posteriors}});
    out["results"] = {{"labels", results.empty() ? std::vector<std::string>() : results.front().labels},
                      {"items", listed}};
}

// --calibrate: the temperature of minimum NLL on these results, written into the model file.
void calibrate(const std::vector<ScoredResult>& results, const std::string& model,
               const std::string& out_path, const DatasetOptions& data, const std::string& split,
               nlohmann::json& out) {
    auto scores = labelled_scores(results);
    if (scores.empty()) throw std::runtime_error("--calibrate: no labelled result to fit the temperature on");
    const double t = train::fit_temperature(scores);
    nlohmann::json before = calibration_figures(scores, 1.0), after = calibration_figures(scores, t);
    std::printf("temperature fitted on these %zu results: %.4f\n  before: %s\n  after:  %s\n", scores.size(),
                t, describe_calibration(before).c_str(), describe_calibration(after).c_str());
    nn::Context context;
    models::ModelInfo info;
    auto m = models::load_model(context, model, &info);
    info.temperature = t;
    info.metrics["calibration"] = {
        {"temperature", t},
        {"fitted_on", {{"manifest", data.manifest}, {"split", split}, {"test_speakers", data.test_speakers}}},
        {"method", "temperature scaling, minimum NLL (golden-section search on log T)"},
        {"before", before},
        {"after", after}};
    models::save_model(out_path, *m, info);
    std::printf("wrote %s (temperature %.4f)\n", out_path.c_str(), t);
    out["calibrate"] = {{"temperature", t}, {"before", before}, {"after", after}, {"written", out_path}};
}

// --order, or the default of --split: shuffled for all, the manifest's order for a test split.
std::string order_of(const Options& o) {
    if (!o.str("order").empty()) return o.str("order");
    return o.str("split") == "all" ? "shuffled" : "manifest";
}

// The dataset options that play the --model utterances in --order (`split` as it is played).
DatasetOptions played_data(const Options& o, const DatasetOptions& data, std::string& split,
                           WorkFolder& work) {
    const EvaluationOrder order = evaluation_order(order_of(o));
    return ordered_dataset(data, split, order, order == EvaluationOrder::Alone ? work.path() : "");
}

// The model file `model` as a member of an ensemble (`arch`: --arch, which must agree).
Member member_of(const std::string& model, const std::string& arch) {
    const models::ModelInfo info = models::read_model_info(model);
    return {model, run_architecture(model, arch, emotion::models::kRecommendedArchitecture).name,
            info.temperature, info.labels};
}

// "stl", or "apcnn+stl" for members of several architectures.
std::string architectures_of(const std::vector<Member>& members) {
    std::set<std::string> names;
    for (const auto& m : members) names.insert(m.architecture);
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : "+") + n;
    return out;
}

// How the classifier plays the evaluation: the raw posteriors (temperature 1), scaled afterwards
// to each temperature reported; with --balance the element applies the file's temperature and
// then the balance, which must follow it, and the posteriors it gives are final (temperature 1).
struct Playback {
    bool balance = false;
    // the posteriors as a pipeline publishes them: the file's temperature, then the balance if any
    std::string final_settings() const { return balance ? "balance=speaker" : ""; }
    std::string settings() const { return balance ? final_settings() : "temperature=1"; }
    double temperature(double file_temperature) const { return balance ? 1.0 : file_temperature; }
};

// Evaluates each member on the utterances of `data` and `split` (the same order for all), prints
// and reports its figures, and returns the fused posteriors (equal weights, emotionfuse's mean).
std::vector<ScoredResult> evaluate_ensemble(const std::vector<Member>& members, const DatasetOptions& data,
                                            const std::string& split, int threads, const Playback& playback,
                                            nlohmann::json& out) {
    std::vector<std::vector<ScoredResult>> results;
    std::vector<double> temperatures;
    for (const auto& m : members) {
        EvalResult r =
            run_evaluation(data, m.architecture, m.model, split, threads, 0.4, playback.settings());
        if (!r.ok) throw std::runtime_error(m.model + ": " + r.error);
        const double temperature = playback.temperature(m.temperature);
        const auto confusion = confusion_from(r.report);
        const auto arousal = arousal_figures(r.results, temperature);
        const double ece = calibration_figures(labelled_scores(r.results), temperature)["ece"].get<double>();
        const double arousal_ua = arousal.is_null() ? 0.0 : arousal["ua"].get<double>();
        std::printf("  %-40s WA %.3f UA %.3f arousal UA %.3f ECE %.3f (n %d)\n", m.model.c_str(),
                    confusion.weighted_accuracy(), confusion.unweighted_accuracy(), arousal_ua, ece,
                    confusion.total());
        out["members"].push_back({{"model", m.model},
                                  {"wa", confusion.weighted_accuracy()},
                                  {"ua", confusion.unweighted_accuracy()},
                                  {"macro_f1", confusion.macro_f1()},
                                  {"arousal_ua", arousal_ua},
                                  {"ece", ece},
                                  {"temperature", m.temperature}});
        results.push_back(std::move(r.results));
        temperatures.push_back(temperature);
    }
    size_t left_out = 0;
    auto fused = fuse_results(results, temperatures, &left_out);
    if (left_out > 0)
        std::printf("  %zu utterances not classified by every member are left out of the ensemble\n",
                    left_out);
    out["left_out"] = left_out;
    return fused;
}

// The models of fold `index` of the cross-validation runs in `dirs` (their --work folders), each
// checked to have tested `speakers` (the same manifest and folds) and the same labels.
std::vector<Member> fold_models(const std::vector<std::string>& dirs, size_t index,
                                const std::vector<std::string>& speakers, const std::string& arch) {
    std::vector<Member> members;
    for (const auto& dir : dirs) {
        const std::string stem = dir + "/fold" + std::to_string(index);
        auto saved = nlohmann::json::parse(std::ifstream(stem + ".json"), nullptr, false);
        if (!saved.is_object())
            throw std::runtime_error(
                stem + ".json: missing or unreadable (an unfinished run? emotion-eval --resume)");
        auto tested = saved.value("test_speakers", std::vector<std::string>());
        if (tested != speakers)
            throw std::runtime_error(stem + ".json tested " + train::join_list(tested) +
                                     ", this fold tests " + train::join_list(speakers) +
                                     " (another manifest or --folds?)");
        members.push_back(member_of(stem + ".safetensors", arch));
    }
    check_fusable(members);
    return members;
}

} // namespace

int main(int argc, char** argv) {
    gst_init(&argc, &argv);
    std::unique_ptr<Options> o;
    DatasetOptions data;
    try {
        auto defaults = training_option_defaults();
        defaults.merge(dataset_option_defaults());
        defaults.insert({{"model", ""},
                         {"arch", ""},
                         {"split", "all"},
                         {"folds", "loso"},
                         {"valid-fraction", "0.2"},
                         {"order", ""},
                         {"balance", "none"},
                         {"report", ""},
                         {"out", ""},
                         {"work", ""},
                         {"ensemble-work", ""}});
        o = std::make_unique<Options>(
            argc, argv, defaults,
            std::map<std::string, bool>{{"help", false}, {"resume", false}, {"calibrate", false}});
        if (o->flag("help")) {
            std::printf("%s%s", kUsage, kTrainingOptionsUsage);
            return 0;
        }
        data = dataset_options(*o);
        if (data.manifest.empty()) throw std::invalid_argument("--manifest is required");
        if (o->all("model").size() > 1) // not fused silently into the last one
            throw std::invalid_argument("--model given more than once: emotion-eval evaluates one model "
                                        "(an ensemble: --model A,B,...)");
        if (!o->str("arch").empty()) models::architecture_named(o->str("arch")); // known?
        if (!o->str("model").empty() && model_list(o->str("model")).size() > 1 && o->flag("calibrate"))
            throw std::invalid_argument("--calibrate fits one model's temperature: give one --model");
        if (!o->str("ensemble-work").empty() && !o->str("model").empty())
            throw std::invalid_argument(
                "--ensemble-work fuses cross-validation runs' fold models: not with --model");
        if (o->flag("calibrate") && o->str("model").empty())
            throw std::invalid_argument("--calibrate needs --model");
        if (!o->str("out").empty() && !o->flag("calibrate"))
            throw std::invalid_argument("--out needs --calibrate");
        if (o->str("balance") != "none" && o->str("balance") != "speaker")
            throw std::invalid_argument("--balance: none or speaker, not '" + o->str("balance") + "'");
        if (o->str("balance") == "speaker" && o->flag("calibrate"))
            throw std::invalid_argument("--calibrate fits the temperature on posteriors without --balance");
        if (!o->str("order").empty()) {
            if (o->str("model").empty()) throw std::invalid_argument("--order needs --model");
            if (evaluation_order(o->str("order")) == EvaluationOrder::Shuffled && o->str("split") != "all")
                throw std::invalid_argument("--order shuffled plays --split all; --split " + o->str("split") +
                                            " plays in the manifest's order");
        }
    } catch (const std::exception& e) {
        return usage_error("emotion-eval", e.what(), std::string(kUsage) + kTrainingOptionsUsage);
    }
    // A model file says what it is: its architecture chooses the pipeline.
    std::string arch;
    models::ModelInfo info;      // the evaluated model's (its temperature)
    std::vector<Member> members; // an ensemble's (--model A,B,...)
    try {
        const auto models =
            o->str("model").empty() ? std::vector<std::string>{} : model_list(o->str("model"));
        if (models.size() > 1) {
            for (const auto& m : models) members.push_back(member_of(m, o->str("arch")));
            check_fusable(members);
            arch = architectures_of(members);
        } else {
            arch =
                run_architecture(o->str("model"), o->str("arch"), emotion::models::kRecommendedArchitecture)
                    .name;
            if (!o->str("model").empty()) info = models::read_model_info(o->str("model"));
        }
    } catch (const std::invalid_argument& e) {
        return usage_error("emotion-eval", e.what(), std::string(kUsage) + kTrainingOptionsUsage);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-eval: %s\n", e.what());
        return 1;
    }
    const Playback playback{o->str("balance") == "speaker"};
    const int threads = int(o->integer("threads"));
    nlohmann::json report = {{"manifest", data.manifest}, {"architecture", arch}};
    WorkFolder work_folder(o->str("work")); // a temporary one is removed when main returns

    try {
        if (!members.empty()) {
            std::string split = o->str("split");
            const std::string order_name = order_of(*o);
            const DatasetOptions played = played_data(*o, data, split, work_folder);
            report["order"] = order_name;
            report["balance"] = o->str("balance");
            std::printf("ensemble of %zu models (%s order), each member:\n", members.size(),
                        order_name.c_str());
            auto fused = evaluate_ensemble(members, played, split, threads, playback, report);
            Fold f{train::split_list(data.test_speakers), confusion_of(fused)};
            report["model"] = o->str("model");
            print_summary({f}, "evaluation of the ensemble " + o->str("model"), report);
            report_posteriors(fused, 1.0, report); // the fused posteriors as they are
        } else if (!o->str("ensemble-work").empty()) {
            auto folds = make_folds(speakers_of(data), o->str("folds"), data.seed);
            report["protocol"] = "the fused fold models of the cross-validation runs " +
                                 o->str("ensemble-work") + ", folds: " + o->str("folds");
            std::vector<Fold> results;
            std::vector<ScoredResult> pooled; // every fold's fused posteriors
            for (size_t i = 0; i < folds.size(); ++i) {
                DatasetOptions fold_data = data;
                fold_data.test_speakers = train::join_list(folds[i]);
                auto fold_members =
                    fold_models(model_list(o->str("ensemble-work")), i, folds[i], o->str("arch"));
                std::printf("fold %zu/%zu: test speakers %s\n", i + 1, folds.size(),
                            fold_data.test_speakers.c_str());
                nlohmann::json fold_report;
                auto fused =
                    evaluate_ensemble(fold_members, fold_data, "test", threads, playback, fold_report);
                Fold f{folds[i], confusion_of(fused)};
                std::printf("  ensemble: WA %.3f UA %.3f\n", f.confusion.weighted_accuracy(),
                            f.confusion.unweighted_accuracy());
                std::fflush(stdout);
                report["fold_members"].push_back(fold_report["members"]);
                pooled.insert(pooled.end(), fused.begin(), fused.end());
                results.push_back(std::move(f));
                arch = architectures_of(fold_members);
            }
            report["architecture"] = arch;
            print_summary(results,
                          "ensemble of " + arch + " fold models: speaker-independent cross-validation (" +
                              o->str("folds") + ")",
                          report);
            std::printf("pooled over all folds, the fused posteriors:\n");
            report_posteriors(pooled, 1.0, report);
        } else if (!o->str("model").empty()) {
            std::string split = o->str("split");
            const std::string order_name = order_of(*o);
            const DatasetOptions played = played_data(*o, data, split, work_folder);
            report["order"] = order_name;
            report["balance"] = o->str("balance");
            // the raw posteriors (temperature 1), scaled here to each temperature reported
            EvalResult r =
                run_evaluation(played, arch, o->str("model"), split, threads, 0.4, playback.settings());
            if (!r.ok) throw std::runtime_error(r.error);
            Fold f{train::split_list(data.test_speakers), confusion_from(r.report)};
            report["model"] = o->str("model");
            print_summary({f}, "evaluation of " + o->str("model"), report);
            report_posteriors(r.results, playback.temperature(info.temperature), report);
            if (o->flag("calibrate"))
                calibrate(r.results, o->str("model"), o->str("out").empty() ? o->str("model") : o->str("out"),
                          data, o->str("split"), report);
        } else {
            const std::string work = work_folder.path();
            auto speakers = speakers_of(data);
            auto folds = make_folds(speakers, o->str("folds"), data.seed);
            std::vector<Fold> results;
            report["protocol"] =
                "speaker-independent cross-validation, folds: " + o->str("folds") +
                "; validation speakers drawn (seeded) from the training speakers, fraction " +
                o->str("valid-fraction");
            for (size_t i = 0; i < folds.size(); ++i) {
                DatasetOptions fold_data = data;
                fold_data.test_speakers = train::join_list(folds[i]);
                fold_data.valid_fraction = o->number("valid-fraction");
                const std::string finished = work + "/fold" + std::to_string(i) + ".json";
                if (o->flag("resume") && g_file_test(finished.c_str(), G_FILE_TEST_EXISTS)) {
                    auto saved = nlohmann::json::parse(std::ifstream(finished), nullptr, false);
                    if (saved.is_object() &&
                        saved.value("test_speakers", std::vector<std::string>()) == folds[i]) {
                        Fold f{folds[i], confusion_from(saved.at("confusion")),
                               saved.at("seconds").get<double>(), saved.at("best_epoch").get<int>()};
                        std::printf("fold %zu/%zu: test speakers %s: finished earlier, UA %.3f\n", i + 1,
                                    folds.size(), train::join_list(folds[i]).c_str(),
                                    f.confusion.unweighted_accuracy());
                        results.push_back(std::move(f));
                        continue;
                    }
                }
                TrainOptions t = training_options(*o);
                t.architecture = arch;
                apply_recommended_normalization(t);
                t.resume = o->flag("resume");
                t.output = work + "/fold" + std::to_string(i) + ".safetensors";
                std::printf("fold %zu/%zu: test speakers %s ...\n", i + 1, folds.size(),
                            fold_data.test_speakers.c_str());
                std::fflush(stdout);
                TrainResult trained = run_training(fold_data, t, nullptr, nullptr);
                if (!trained.ok)
                    throw std::runtime_error("fold " + std::to_string(i + 1) + ": " + trained.error);
                EvalResult evaluated = run_evaluation(fold_data, arch, t.output, "test", threads, 0.4,
                                                      playback.final_settings());
                if (!evaluated.ok)
                    throw std::runtime_error("fold " + std::to_string(i + 1) + ": " + evaluated.error);
                Fold f{folds[i], confusion_from(evaluated.report), trained.seconds, trained.best_epoch};
                std::ofstream(finished) << nlohmann::json{{"test_speakers", folds[i]},
                                                          {"confusion", evaluated.report},
                                                          {"seconds", f.seconds},
                                                          {"best_epoch", f.best_epoch}}
                                               .dump(1)
                                        << "\n";
                std::printf(
                    "  best epoch %d (%zu epochs trained by this run), test WA %.3f UA %.3f (%.0f s)\n",
                    trained.best_epoch + 1, trained.epochs.size(), f.confusion.weighted_accuracy(),
                    f.confusion.unweighted_accuracy(), trained.seconds);
                std::fflush(stdout);
                results.push_back(std::move(f));
            }
            print_summary(results, arch + ": speaker-independent cross-validation (" + o->str("folds") + ")",
                          report);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-eval: %s\n", e.what());
        return 1;
    }
    if (!o->str("report").empty()) {
        std::ofstream(o->str("report")) << report.dump(2) << "\n";
        std::string png = o->str("report");
        if (png.size() > 5 && png.compare(png.size() - 5, 5, ".json") == 0) png.erase(png.size() - 5);
        const auto& pooled = report["pooled"];
        plot_confusion(png + "-confusion.png", pooled["labels"].get<std::vector<std::string>>(),
                       pooled["matrix"].get<std::vector<std::vector<int>>>(), "summed over folds");
    }
    return 0;
}
