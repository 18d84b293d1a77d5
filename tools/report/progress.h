// The progress line on stderr while an archive is tagged: "[=====>     ] 3/10 name  ETA 1:05".
// On a terminal it is redrawn in place; otherwise one line per recording (logs stay readable).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace emotion::tools {

class ProgressBar {
public:
    ProgressBar(std::size_t total, std::FILE* out);
    // Recording `index` (0-based) named `name`, `fraction` of it done.
    void update(std::size_t index, const std::string& name, double fraction);
    void finish();

private:
    std::size_t total_;
    std::FILE* out_;
    bool terminal_;
    std::size_t last_index_ = std::size_t(-1);
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// A duration as "1:05" or "1:02:03" (the progress bar's ETA, the pages' lengths); "?" for a
// negative or absurd one.
std::string clock_text(double seconds);

} // namespace emotion::tools
