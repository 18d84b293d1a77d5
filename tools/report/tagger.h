// Tags one recording in-process: filesrc ! decodebin ! emotiondetect model=... ! emotionsink, the
// results written as JSON Lines (emotionsink's schema).
#pragma once

#include <functional>
#include <string>

namespace emotion::tools {

// Called while the pipeline runs with the fraction of the recording done so far (0..1).
using TagProgress = std::function<void(double fraction)>;

// `models`: emotiondetect's model property ("" = its default, several comma-separated are fused).
// Returns the recording's duration in seconds (0 when unknown). Throws std::runtime_error with
// GStreamer's message when the recording cannot be read or tagged.
double tag_recording(const std::string& recording, const std::string& models, const std::string& results,
                     const TagProgress& progress);

// An error message naming the missing element when the plugin is not found ("" when it is).
std::string check_tagging_elements();

} // namespace emotion::tools
