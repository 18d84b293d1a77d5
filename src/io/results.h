// Writers for classification results: JSON Lines, CSV, WebVTT and SRT. Each record is formatted
// completely and written with one write + flush, so a crash loses at most the last record.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "io/cue_text.h"

namespace emotion::io {

struct Result {
    std::string segment_id;
    double start = 0.0;    // seconds (stream time); negative = unknown
    double duration = 0.0; // seconds; negative = unknown
    std::vector<std::string> labels;
    std::vector<float> scores;
    int best = 0;
    std::string model;
    std::string true_label;    // empty when unknown
    bool has_affect = false;   // arousal and valence known (the model's labels have points)
    float arousal = 0.0f;      // [-1, 1], > 0: high arousal
    float valence = 0.0f;      // [-1, 1]
    bool high_arousal = false; // the high-arousal labels hold most of the posterior mass
    bool uncertain = false;    // top score below the classifier's threshold; `best` is still the winner
    bool interim = false;      // of a segment still open: its final result follows
};

enum class ResultFormat { JsonLines, Csv, WebVtt, Srt };
// "jsonl", "csv", "webvtt", "srt"; throws std::invalid_argument otherwise.
ResultFormat parse_result_format(const std::string& name);
// The format a file name asks for by its extension (any case): .vtt / .webvtt, .srt, .csv,
// .json / .jsonl / .ndjson; JSON Lines without an extension (results, /dev/stdout). Throws
// std::invalid_argument for any other extension.
ResultFormat result_format_for_path(const std::string& path);
const char* result_format_name(ResultFormat format);

class ResultWriter {
public:
    virtual ~ResultWriter() = default;
    // Appends one record (writes the file header before the first one). Interim results are
    // records of JSON Lines only: CSV rows and subtitle cues are one per segment, its final result.
    virtual void write(const Result& result) = 0;

    // Subtitle cues (WebVTT, SRT) as `cue_format` says (io/cue_text.h).
    static std::unique_ptr<ResultWriter> create(ResultFormat format, std::FILE* file,
                                                const std::string& cue_format = kDefaultCueFormat);
    explicit ResultWriter(std::FILE* file) : file_(file) {}

protected:
    void emit(const std::string& text); // one fwrite + fflush; throws on I/O errors
    std::FILE* file_;
};

// Formatting helpers (exposed for tests): "00:01:02.345" (WebVTT) and "00:01:02,345" (SRT).
std::string format_timestamp(double seconds, char fraction_separator);
// THE JSON schema of one result (JSON Lines and every other JSON output reuse it), one line:
//   {"segment", "start", "end" (seconds or null), "label" (the most likely class, also when
//    uncertain), "confidence", "scores" {label: p}, "arousal", "valence" (numbers in [-1, 1] or
//    null when the model's labels have no points), "arousal_level" ("high", "low" or null),
//    "uncertain" (bool), "interim" (true, only for an interim result of a segment still open),
//    "true" (only when known), "model"}
std::string format_result_json(const Result& result);

} // namespace emotion::io
