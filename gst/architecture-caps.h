/* The input caps of the elements that run an architecture, from its descriptor
 * (models/architecture.h): the pad template and the check of negotiated caps. Internal. */
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

#include "models/architecture.h"

namespace emotion::gst {

/* Sink pad template caps: the architecture's tensor dimensions at any framerate (NNStreamer
 * elements and timestamps decide the timing, not the caps). */
GstCaps* architecture_sink_caps(const models::Architecture& architecture);

/* Whether tensor dimensions read from caps (tensor_caps_parse) are the architecture's; trailing
 * dimensions of 1 beyond its rank do not count. */
bool architecture_accepts_dimensions(const models::Architecture& architecture, std::vector<int> dimensions);

/* "36:1": dimensions as caps write them. */
std::string dimensions_text(const std::vector<int>& dimensions);

} // namespace emotion::gst
