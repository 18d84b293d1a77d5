#include "results-file.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "io/files.h"
#include "io/untrusted_json.h"

namespace emotion::tools {

namespace {

bool number_field(const nlohmann::json& j, const char* name, double& value) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_number()) return false;
    value = it->get<double>();
    return true;
}

} // namespace

RecordingResults read_results_jsonl(const std::string& path) {
    io::require_regular_file(path, "results");
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    RecordingResults results;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(number) + ": ";
        nlohmann::json j = io::parse_untrusted_json(line);
        if (!j.is_object()) throw std::runtime_error(where + "not a JSON object");
        auto label = j.find("label");
        if (label == j.end() || !label->is_string()) throw std::runtime_error(where + "no label");
        TimelineSegment s;
        s.label = label->get<std::string>();
        if (s.label == "no-speech") continue; // the classifiers' gate: no emotion to show
        number_field(j, "confidence", s.confidence);
        double value = 0.0;
        if (number_field(j, "arousal", value)) s.arousal = value, results.arousal = true;
        if (number_field(j, "valence", value)) s.valence = value, results.valence = true;
        auto model = j.find("model");
        if (model != j.end() && model->is_string()) results.model = model->get<std::string>();
        // a result without timing (a stream without timestamps) has no place on a timeline
        if (!number_field(j, "start", s.start) || !number_field(j, "end", s.end) || s.end < s.start) continue;
        results.segments.push_back(s);
    }
    if (in.bad()) throw std::runtime_error(path + ": read error");
    // fused or hand-made results may come out of order; the timeline searches by start
    std::stable_sort(results.segments.begin(), results.segments.end(),
                     [](const TimelineSegment& a, const TimelineSegment& b) { return a.start < b.start; });
    return results;
}

std::map<std::string, double> time_shares(const std::vector<TimelineSegment>& segments) {
    std::map<std::string, double> seconds;
    double total = 0.0;
    for (const auto& s : segments) {
        seconds[s.label] += s.end - s.start;
        total += s.end - s.start;
    }
    // segments of zero length only: each counts once
    if (total <= 0.0) {
        seconds.clear();
        for (const auto& s : segments) seconds[s.label] += 1.0, total += 1.0;
    }
    for (auto& entry : seconds) entry.second /= total;
    return seconds;
}

std::string dominant_label(const std::map<std::string, double>& shares) {
    std::string best;
    double best_share = -1.0;
    for (const auto& [label, share] : shares)
        if (share > best_share) best = label, best_share = share;
    return best;
}

} // namespace emotion::tools
