/* NNStreamer-compatible tensor caps for the features and results that flow between elements. */
#pragma once

#include <gst/gst.h>

#include <string>
#include <vector>

namespace emotion::gst {

/* `other/tensors,format=static,num_tensors=1,types=float32,dimensions=D0:D1,framerate=N/D`
 * (innermost dimension first, as NNStreamer writes it). */
std::string tensor_caps_string(const std::vector<int>& dimensions, int fps_n, int fps_d);
GstCaps* tensor_caps_new(const std::vector<int>& dimensions, int fps_n, int fps_d);

/* Reads the dimensions of fixed single-tensor float32 caps; false when the caps are not that. */
bool tensor_caps_parse(const GstCaps* caps, std::vector<int>* dimensions);

} // namespace emotion::gst
