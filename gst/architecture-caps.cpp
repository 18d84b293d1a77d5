/* architecture-caps: see the header. */
#include "architecture-caps.h"

#include "tensor-caps.h"

namespace emotion::gst {

GstCaps* architecture_sink_caps(const models::Architecture& architecture) {
    std::string caps = tensor_caps_string(architecture.caps_dimensions, architecture.caps_frame_rate, 1);
    caps = caps.substr(0, caps.find(",framerate"));
    return gst_caps_from_string(caps.c_str());
}

bool architecture_accepts_dimensions(const models::Architecture& architecture, std::vector<int> dimensions) {
    while (dimensions.size() > architecture.caps_dimensions.size() && dimensions.back() == 1)
        dimensions.pop_back();
    return dimensions == architecture.caps_dimensions;
}

std::string dimensions_text(const std::vector<int>& dimensions) {
    std::string text;
    for (size_t i = 0; i < dimensions.size(); ++i) text += (i ? ":" : "") + std::to_string(dimensions[i]);
    return text;
}

} // namespace emotion::gst
