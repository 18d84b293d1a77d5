/* Where the shipped models are found when an element's `model` property is not set. */
#pragma once

#include <string>

namespace emotion::gst {

/* Path of `<architecture>.safetensors` in the first folder of $GST_EMOTION_MODEL_PATH
 * (colon-separated), the installed models folder, or the source tree's models/ (uninstalled
 * use); empty when none exists. */
std::string default_model_location(const std::string& architecture);

} // namespace emotion::gst
