// Reading emotion results back: the JSON Lines that emotionsink writes (segment, start, end,
// label, confidence, scores, model; arousal and valence when present; "no-speech" results are
// skipped), and what the report shows of them: time-weighted shares per label, the dominant one.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "timeline-plot.h"

namespace emotion::tools {

struct RecordingResults {
    std::vector<TimelineSegment> segments; // by start; those without a start or end are left out
    std::string model;                     // the last model named in the results
    bool arousal = false, valence = false; // some segment carries the field
};

// Throws std::runtime_error "FILE:LINE: what is wrong" on an unreadable file or a line that is
// not a result object (blank lines are skipped).
RecordingResults read_results_jsonl(const std::string& path);

// Share of each label in the segments' total time (sums to 1; empty without segments).
std::map<std::string, double> time_shares(const std::vector<TimelineSegment>& segments);
// The label with the largest share ("" when there is none).
std::string dominant_label(const std::map<std::string, double>& shares);

} // namespace emotion::tools
