// The text of one result as a subtitle cue, the same everywhere: emotionsink's WebVTT and SRT
// files and the classifiers' text/x-raw output (the subtitle track of a Matroska file). A cue
// format is text with placeholders:
//   {label}       the label of the best class ("angry")
//   {percent}     its confidence in percent, rounded ("74")
//   {confidence}  its confidence as a fraction, two decimals ("0.74")
//   {segment}     the segment id ("vad0")
// Anything else is copied as it is; a '{' that opens no placeholder is an error.
#pragma once

#include <string>

namespace emotion::io {

constexpr const char* kDefaultCueFormat = "{label} ({percent}%)"; // "angry (74%)"

// Throws std::invalid_argument naming the first unknown placeholder.
void check_cue_format(const std::string& format);

// `format` with its placeholders replaced (check_cue_format's error for an invalid one).
std::string cue_text(const std::string& format, const std::string& label, double confidence,
                     const std::string& segment = "");

} // namespace emotion::io
