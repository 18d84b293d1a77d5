#include "io/cue_text.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace emotion::io {

namespace {

// Calls emit(name) for every placeholder and literal(text) for the text between them.
template <typename Placeholder, typename Literal>
void scan(const std::string& format, Placeholder&& placeholder, Literal&& literal) {
    size_t at = 0;
    while (at < format.size()) {
        const size_t open = format.find('{', at);
        literal(format.substr(at, open == std::string::npos ? std::string::npos : open - at));
        if (open == std::string::npos) return;
        const size_t close = format.find('}', open);
        const std::string name =
            close == std::string::npos ? format.substr(open) : format.substr(open + 1, close - open - 1);
        if (close == std::string::npos ||
            (name != "label" && name != "percent" && name != "confidence" && name != "segment"))
            throw std::invalid_argument("cue format '" + format + "': unknown placeholder '{" +
                                        (close == std::string::npos ? name.substr(1) : name) +
                                        "}' (known: {label}, {percent}, {confidence}, {segment})");
        placeholder(name);
        at = close + 1;
    }
}

} // namespace

void check_cue_format(const std::string& format) {
    scan(
        format, [](const std::string&) {}, [](const std::string&) {});
}

std::string cue_text(const std::string& format, const std::string& label, double confidence,
                     const std::string& segment) {
    std::string out;
    scan(
        format,
        [&](const std::string& name) {
            char number[32];
            if (name == "label") {
                out += label;
            } else if (name == "segment") {
                out += segment;
            } else if (name == "percent") {
                std::snprintf(number, sizeof number, "%.0f", std::round(100.0 * confidence));
                out += number;
            } else {
                std::snprintf(number, sizeof number, "%.2f", confidence);
                out += number;
            }
        },
        [&](const std::string& text) { out += text; });
    return out;
}

} // namespace emotion::io
