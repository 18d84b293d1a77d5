/* emodatasetsrc: plays the utterances of a labelled dataset manifest as one audio stream, marking
 * each with emotion-segment events that carry its labels, for training and evaluation in the
 * pipeline. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EMO_DATASET_SRC (gst_emo_dataset_src_get_type())
G_DECLARE_FINAL_TYPE(GstEmoDatasetSrc, gst_emo_dataset_src, GST, EMO_DATASET_SRC, GstElement)

GST_ELEMENT_REGISTER_DECLARE(emodatasetsrc);

G_END_DECLS
