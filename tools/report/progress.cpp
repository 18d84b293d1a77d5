#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace emotion::tools {

namespace {
constexpr int kBarWidth = 24;
constexpr std::size_t kNameWidth = 32;
} // namespace

ProgressBar::ProgressBar(std::size_t total, std::FILE* out)
    : total_(std::max<std::size_t>(total, 1)), out_(out), terminal_(isatty(fileno(out))) {}

std::string clock_text(double seconds) {
    if (!(seconds >= 0.0) || seconds > 1e7) return "?";
    const long s = std::lround(seconds);
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
    return text;
}

void ProgressBar::update(std::size_t index, const std::string& name, double fraction) {
    if (!terminal_ && index == last_index_) return; // a log gets one line per recording
    last_index_ = index;
    const double done = (index + std::clamp(fraction, 0.0, 1.0)) / total_;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const std::string eta = done > 0.0 ? clock_text(elapsed / done * (1.0 - done)) : "?";
    const int filled = static_cast<int>(done * kBarWidth);
    std::string bar(kBarWidth, ' ');
    std::fill(bar.begin(), bar.begin() + filled, '=');
    if (filled < kBarWidth) bar[filled] = '>';
    std::string shown = name.size() > kNameWidth ? "..." + name.substr(name.size() - kNameWidth + 3) : name;
    std::fprintf(out_, "%s[%s] %zu/%zu %-*s ETA %s%s", terminal_ ? "\r" : "", bar.c_str(), index + 1, total_,
                 int(kNameWidth), shown.c_str(), eta.c_str(), terminal_ ? "\033[K" : "\n");
    std::fflush(out_);
}

void ProgressBar::finish() {
    if (terminal_) std::fputc('\n', out_);
    std::fflush(out_);
}

} // namespace emotion::tools
