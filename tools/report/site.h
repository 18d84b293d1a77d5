// The static site of emotion-report: index.html (one row per recording: emotion shares as a
// bar, duration, segments, model; filters by dominant emotion and name) and recordings/ID.html
// (audio player, timeline synchronised with playback, paged segment table). Everything inline or
// in the report folder: the pages work from file:// without network.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "archive.h"
#include "results-file.h"

namespace emotion::tools {

struct RecordingReport {
    ArchiveEntry entry;
    std::string error;     // why the recording is not in the report ("" when it is)
    double duration = 0.0; // seconds
    RecordingResults results;
    std::string audio_file; // in recordings/, beside the page ("" = none)
    std::string results_file;
};

// Label colours for every page: the fixed ones of the timeline picture (emotion_colour), other
// labels in order of first appearance across the archive.
using LabelColourMap = std::map<std::string, std::array<double, 3>>;
LabelColourMap label_colour_map(const std::vector<RecordingReport>& reports);

// Segments per page of a recording's table.
constexpr int kTableRowsPerPage = 500;

// Write the pages into `out_dir` (which exists, with its recordings/ folder). Throw
// std::runtime_error when a page cannot be written.
void write_index_page(const std::string& out_dir, const std::vector<RecordingReport>& reports,
                      const LabelColourMap& colours);
void write_recording_page(const std::string& out_dir, const RecordingReport& report,
                          const LabelColourMap& colours);

std::string html_escape(const std::string& text);
// JSON for a <script> element ("</" written as "<\/" so no string can end the element).
std::string script_json(const std::string& json);

} // namespace emotion::tools
