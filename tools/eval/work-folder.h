// The folder emotion-eval keeps its fold models, progress and reordered manifests in: the one
// given with --work (created when missing, kept for --resume and --ensemble-work), or else a new
// folder under $TMPDIR (/tmp) that is removed when the run ends, so that runs leave nothing behind.
#pragma once

#include <string>

namespace emotion::tools {

class WorkFolder {
public:
    // `given`: --work; empty for a temporary folder, made at the first path().
    explicit WorkFolder(std::string given);
    ~WorkFolder();
    WorkFolder(const WorkFolder&) = delete;
    WorkFolder& operator=(const WorkFolder&) = delete;

    // The folder, created on first use; std::runtime_error when it cannot be.
    const std::string& path();

private:
    std::string path_;
    bool temporary_ = false;
};

} // namespace emotion::tools
