#include "evaluation-order.h"

#include <stdexcept>

#include "io/manifest.h"
#include "train/dataset_plan.h"

namespace emotion::tools {

EvaluationOrder evaluation_order(const std::string& name) {
    if (name == "shuffled") return EvaluationOrder::Shuffled;
    if (name == "manifest") return EvaluationOrder::Manifest;
    if (name == "alone") return EvaluationOrder::Alone;
    throw std::invalid_argument("--order is '" + name + "', expected shuffled, manifest or alone");
}

pipelines::DatasetOptions ordered_dataset(const pipelines::DatasetOptions& data, std::string& split,
                                          EvaluationOrder order, const std::string& work_dir) {
    pipelines::DatasetOptions ordered = data;
    ordered.shuffle = order == EvaluationOrder::Shuffled;
    if (order != EvaluationOrder::Alone) return ordered;
    if (split != "all" && split != "test")
        throw std::invalid_argument("--order alone evaluates --split all or test, not " + split);
    // The test split is chosen here, by the speakers the manifest names, before they are renamed.
    const std::vector<std::string> tested = train::split_list(data.test_speakers);
    auto is_tested = [&](const std::string& speaker) {
        for (const auto& s : tested)
            if (s == speaker) return true;
        return false;
    };
    std::vector<io::Utterance> alone;
    for (io::Utterance u : io::read_manifest(data.manifest)) {
        if (split == "test" && !is_tested(u.speaker)) continue;
        u.speaker = u.path; // a speaker of its own: statistics of this utterance only
        alone.push_back(std::move(u));
    }
    if (alone.empty()) throw std::invalid_argument("--order alone: no utterance of the test speakers");
    ordered.manifest = work_dir + "/alone.jsonl";
    io::write_jsonl_manifest(ordered.manifest, alone);
    ordered.test_speakers.clear();
    ordered.valid_speakers.clear();
    split = "all";
    return ordered;
}

} // namespace emotion::tools
