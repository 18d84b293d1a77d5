/* Model loading shared by the classifier elements: the `model` property or the architecture's
 * shipped model, loaded and checked against the element's architecture. Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <memory>
#include <string>

#include "models/architecture.h"
#include "models/classifier.h"

namespace emotion::gst {

/* Loads `location` (empty: the shipped model of `architecture`) with `threads` threads. Posts a
 * GST_ELEMENT_ERROR a user can act on and returns NULL when there is no such model, the file is
 * unusable or it holds another architecture (the error names the element that runs it).
 * *name receives the file name results carry. */
std::unique_ptr<models::Classifier> load_classifier(GstElement* element,
                                                    const models::Architecture& architecture,
                                                    std::string location, int threads, std::string* name);

} // namespace emotion::gst
