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
/* The run's seed in an epoch-start event (field `seed`, uint64): emodatasetsrc's, from which
 * emoaugment derives its draws unless it is given a seed of its own. */
void set_run_seed(GstEvent* epoch_start, guint64 seed);
bool run_seed(GstEvent* epoch_start, guint64* seed);

} // namespace emotion::gst
