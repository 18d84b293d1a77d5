#include "io/untrusted_json.h"

namespace emotion::io {

bool json_nesting_within(const char* text, size_t size, int limit) {
    int depth = 0;
    bool in_string = false, escaped = false;
    for (size_t i = 0; i < size; ++i) {
        const char c = text[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return false;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return true;
}

nlohmann::json parse_untrusted_json(const std::string& text) {
    if (!json_nesting_within(text.data(), text.size()))
        return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

} // namespace emotion::io
