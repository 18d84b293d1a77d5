// The recordings of an archive: every audio file under a folder (recursively, by extension), or
// the paths of a dataset manifest (CSV or JSON Lines, read by io/manifest.h as emodatasetsrc
// reads them). Each gets a display name (its path relative to the folder or manifest) and a page
// id unique in the report.
#pragma once

#include <string>
#include <vector>

namespace emotion::tools {

struct ArchiveEntry {
    std::string path;    // the recording as given (absolute, or relative to the working folder)
    std::string name;    // shown in the report
    std::string id;      // file stem of its page, safe in a URL and unique
    std::string results; // existing results next to it (STEM.jsonl), "" when none
};

// Throws std::runtime_error (a missing folder, a malformed manifest). Files in a folder are sorted
// by name, the folder `skip` left out (the report's own, when it lies inside the archive: its
// copies of the recordings are not recordings); a manifest keeps its order, listing each path once.
std::vector<ArchiveEntry> list_archive(const std::string& folder_or_manifest, const std::string& skip = "");

// True for the extensions taken from a folder (wav, flac, ogg, opus, mp3, m4a, ...).
bool is_audio_file_name(const std::string& name);

} // namespace emotion::tools
