// Runs a gst-launch description to its end and hands every element message to a callback: the
// loop emotion-train, emotion-eval and bench_training share.
#pragma once

#include <functional>
#include <string>

#include <gst/gst.h>

namespace emotion::pipelines {

// Plays `description` until EOS or an error, calling on_element for every element message and
// printing warnings to stderr. Returns the error text ("" when it ended cleanly).
std::string run_pipeline(const std::string& description,
                         const std::function<void(const GstStructure*)>& on_element);

} // namespace emotion::pipelines
