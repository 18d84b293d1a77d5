/* The epoch-start event as a train::DatasetDescription and back: what emodatasetsrc tells a
 * training element of the dataset, in the event fields `labels`, `speakers`, `genders`
 * (comma-separated), `dataset`, `protocol` (strings), `train`, `valid` (uints). One file knows the
 * field names for both ends. Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include "train/dataset.h"

namespace emotion::gst {

GstEvent* epoch_start_event(guint epoch, const train::DatasetDescription& dataset);
/* The dataset of an epoch-start event; `*epoch` its epoch (0-based). */
train::DatasetDescription dataset_description(GstEvent* epoch_start, guint* epoch);

} // namespace emotion::gst
