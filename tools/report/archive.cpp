#include "archive.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "io/manifest.h"

namespace fs = std::filesystem;

namespace emotion::tools {

namespace {

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// Letters, digits, '-' and '_' kept; everything else (path separators too) becomes '_'.
std::string page_id(const std::string& name, std::set<std::string>& taken) {
    std::string id;
    for (char c : fs::path(name).replace_extension().string())
        id += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
    if (id.empty()) id = "recording";
    std::string unique = id;
    for (int n = 2; !taken.insert(lower(unique)).second; ++n) unique = id + "-" + std::to_string(n);
    return unique;
}

std::string existing_results(const fs::path& recording) {
    fs::path results = recording;
    results.replace_extension(".jsonl");
    std::error_code error;
    return fs::is_regular_file(results, error) ? results.string() : "";
}

} // namespace

bool is_audio_file_name(const std::string& name) {
    static const std::set<std::string> extensions = {".wav", ".flac", ".ogg", ".oga", ".opus",
                                                     ".mp3", ".m4a",  ".aac", ".aif", ".aiff",
                                                     ".au",  ".wma",  ".mka", ".webm"};
    return extensions.count(lower(fs::path(name).extension().string())) > 0;
}

std::vector<ArchiveEntry> list_archive(const std::string& folder_or_manifest, const std::string& skip) {
    std::error_code error;
    std::vector<ArchiveEntry> entries;
    std::set<std::string> taken;
    if (fs::is_directory(folder_or_manifest, error)) {
        std::vector<fs::path> files;
        for (fs::recursive_directory_iterator it(folder_or_manifest, error), end; !error && it != end;
             it.increment(error)) {
            if (it->is_directory(error)) {
                std::error_code ignored;
                if (!skip.empty() && fs::equivalent(it->path(), skip, ignored))
                    it.disable_recursion_pending();
            } else if (is_audio_file_name(it->path().filename().string())) {
                files.push_back(it->path());
            }
        }
        if (error) throw std::runtime_error(folder_or_manifest + ": " + error.message());
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files) {
            ArchiveEntry e;
            e.path = file.string();
            e.name = file.lexically_relative(folder_or_manifest).generic_string();
            e.id = page_id(e.name, taken);
            e.results = existing_results(file);
            entries.push_back(e);
        }
        return entries;
    }
    if (!fs::exists(folder_or_manifest, error))
        throw std::runtime_error(folder_or_manifest + ": no such folder or manifest");
    const fs::path base = fs::path(folder_or_manifest).parent_path();
    std::set<std::string> seen;
    try {
        for (const io::Utterance& u : io::read_manifest(folder_or_manifest)) {
            if (!seen.insert(u.path).second) continue;
            ArchiveEntry e;
            e.path = u.path;
            const fs::path relative = fs::path(u.path).lexically_relative(base.empty() ? "." : base);
            e.name = relative.empty() || *relative.begin() == ".." ? u.path : relative.generic_string();
            e.id = page_id(e.name, taken);
            e.results = existing_results(u.path);
            entries.push_back(e);
        }
    } catch (const io::ManifestError& e) { throw std::runtime_error(e.what()); }
    return entries;
}

} // namespace emotion::tools
