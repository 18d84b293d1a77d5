// Reading the compact setting strings of augmentation recipes and feature masks
// ("speed=0.9:1.1@0.5", "time=2:0.1"): one error format and one number rule for both.
#pragma once

#include <string>

namespace emotion::dsp {

// Throws std::invalid_argument("<what> '<entry>': <why>").
[[noreturn]] void setting_error(const std::string& what, const std::string& entry, const std::string& why);

// `text` as a finite number, all of it; otherwise setting_error(what, entry, ...).
double setting_number(const std::string& what, const std::string& entry, const std::string& text);

} // namespace emotion::dsp
