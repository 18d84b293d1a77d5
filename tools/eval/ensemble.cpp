#include "ensemble.h"

#include <map>
#include <stdexcept>

#include "train/calibration.h"
#include "train/dataset_plan.h"

namespace emotion::tools {

using pipelines::ScoredResult;

std::vector<std::string> model_list(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t comma = text.find(',', start);
        std::string name = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (name.empty()) throw std::invalid_argument("--model '" + text + "': an empty model name");
        out.push_back(name);
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

void check_fusable(const std::vector<Member>& members) {
    const Member& first = members.front();
    for (size_t i = 1; i < members.size(); ++i)
        if (members[i].labels != first.labels)
            throw std::invalid_argument(
                "cannot fuse " + members[i].model + " (labels " + train::join_list(members[i].labels) +
                ") with " + first.model + " (labels " + train::join_list(first.labels) +
                "): the members of an ensemble need the same labels in the same order");
}

std::string utterance_of(const std::string& segment_id) {
    size_t dot = segment_id.rfind('.');
    if (dot == std::string::npos || dot + 1 == segment_id.size()) return segment_id;
    for (size_t i = dot + 1; i < segment_id.size(); ++i)
        if (segment_id[i] < '0' || segment_id[i] > '9') return segment_id; // "a.wav" is not a part
    return segment_id.substr(0, dot);
}

std::vector<ScoredResult> fuse_results(const std::vector<std::vector<ScoredResult>>& members,
                                       const std::vector<double>& temperatures, size_t* left_out) {
    // per member: utterance -> (sum of its parts' posteriors, parts)
    std::vector<std::map<std::string, std::pair<std::vector<double>, int>>> sums(members.size());
    std::vector<ScoredResult> order; // the first member's utterances, first part each
    for (size_t m = 0; m < members.size(); ++m) {
        for (const auto& r : members[m]) {
            if (r.labels != members.front().front().labels)
                throw std::runtime_error("cannot fuse results of different labels (" +
                                         train::join_list(r.labels) + " and " +
                                         train::join_list(members.front().front().labels) + ")");
            const std::string id = utterance_of(r.segment_id);
            auto& [sum, parts] = sums[m][id];
            if (parts == 0) {
                sum.assign(r.labels.size(), 0.0);
                if (m == 0) order.push_back(r);
            }
            auto scaled = train::apply_temperature(r.posteriors, temperatures[m]);
            for (size_t k = 0; k < scaled.size(); ++k) sum[k] += scaled[k];
            ++parts;
        }
    }
    std::vector<ScoredResult> fused;
    size_t missing = 0;
    for (const auto& first : order) {
        const std::string id = utterance_of(first.segment_id);
        ScoredResult r{first.labels, std::vector<float>(first.labels.size(), 0.0f), first.truth, id};
        bool everywhere = true;
        for (const auto& member : sums) {
            auto it = member.find(id);
            if (it == member.end()) {
                everywhere = false;
                break;
            }
            for (size_t k = 0; k < r.posteriors.size(); ++k)
                r.posteriors[k] += float(it->second.first[k] / it->second.second / members.size());
        }
        if (everywhere)
            fused.push_back(std::move(r));
        else
            ++missing;
    }
    if (left_out) *left_out = missing;
    return fused;
}

train::ConfusionMatrix confusion_of(const std::vector<ScoredResult>& results) {
    if (results.empty()) throw std::runtime_error("no labelled utterance was classified by every member");
    train::ConfusionMatrix m(results.front().labels);
    for (const auto& r : results) {
        int truth = -1, best = 0;
        for (size_t k = 0; k < r.labels.size(); ++k) {
            if (r.labels[k] == r.truth) truth = int(k);
            if (r.posteriors[k] > r.posteriors[best]) best = int(k);
        }
        if (truth >= 0) m.add(truth, best);
    }
    return m;
}

} // namespace emotion::tools
