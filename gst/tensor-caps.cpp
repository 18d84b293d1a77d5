#include "tensor-caps.h"

#include <cstdlib>
#include <sstream>

namespace emotion::gst {

std::string tensor_caps_string(const std::vector<int>& dimensions, int fps_n, int fps_d) {
    std::ostringstream caps;
    caps << "other/tensors,format=static,num_tensors=1,types=float32,dimensions=(string)";
    for (size_t i = 0; i < dimensions.size(); ++i) caps << (i ? ":" : "") << dimensions[i];
    caps << ",framerate=" << fps_n << "/" << fps_d;
    return caps.str();
}

GstCaps* tensor_caps_new(const std::vector<int>& dimensions, int fps_n, int fps_d) {
    return gst_caps_from_string(tensor_caps_string(dimensions, fps_n, fps_d).c_str());
}

bool tensor_caps_parse(const GstCaps* caps, std::vector<int>* dimensions) {
    if (!caps || gst_caps_get_size(caps) < 1) return false;
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    if (!gst_structure_has_name(s, "other/tensors")) return false;
    int num = 0;
    if (gst_structure_get_int(s, "num_tensors", &num) && num != 1) return false;
    const char* types = gst_structure_get_string(s, "types");
    if (types && std::string(types) != "float32") return false;
    const char* dims = gst_structure_get_string(s, "dimensions");
    if (!dims) return false;
    dimensions->clear();
    std::istringstream in(dims);
    std::string part;
    while (std::getline(in, part, ':')) {
        char* end = nullptr;
        long value = std::strtol(part.c_str(), &end, 10);
        if (end == part.c_str() || *end != '\0' || value <= 0) return false;
        dimensions->push_back(static_cast<int>(value));
    }
    return !dimensions->empty();
}

} // namespace emotion::gst
