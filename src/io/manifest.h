// Dataset manifests: the labelled utterances a training or evaluation run reads.
//
// CSV (UTF-8, header row naming the columns; RFC 4180 quoting):  path,emotion,speaker,gender,text
// JSON Lines: one object per line with the same keys.
// `path` is relative to the manifest's folder (absolute paths are kept). Only `path` is
// required; the other fields may be empty. A malformed manifest is a ManifestError naming the
// line.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace emotion::io {

class ManifestError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Utterance {
    std::string path; // resolved against the manifest folder
    std::string emotion;
    std::string speaker;
    std::string gender;
    std::string text;
    int line = 0; // 1-based line of the manifest (for messages)
};

// Reads a manifest; the format follows the extension (.jsonl/.json/.ndjson = JSON Lines, else
// CSV). Throws ManifestError ("FILE:LINE: what is wrong").
std::vector<Utterance> read_manifest(const std::string& path);
std::vector<Utterance> parse_csv_manifest(const std::string& text, const std::string& origin,
                                          const std::string& base_dir);
std::vector<Utterance> parse_jsonl_manifest(const std::string& text, const std::string& origin,
                                            const std::string& base_dir);

// JSON Lines, one object per utterance with the five fields. Relative paths (read_manifest's are
// relative to the working folder when the manifest's was) are written absolute, so the manifest
// plays from any folder it is written to. Throws ManifestError.
void write_jsonl_manifest(const std::string& path, const std::vector<Utterance>& utterances);

} // namespace emotion::io
