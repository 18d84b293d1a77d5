#include "dsp/setting_text.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace emotion::dsp {

void setting_error(const std::string& what, const std::string& entry, const std::string& why) {
    throw std::invalid_argument(what + " '" + entry + "': " + why);
}

double setting_number(const std::string& what, const std::string& entry, const std::string& text) {
    char* end = nullptr;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(value))
        setting_error(what, entry, "'" + text + "' is not a number");
    return value;
}

} // namespace emotion::dsp
