/* lldextract: the 36 low-level descriptors of A-LSTM per 25 ms frame at a 10 ms hop, as
 * other/tensors 36:1 float32 at 100 frames/s, with optional VAD or fixed-window segmentation. */
#pragma once

#include <gst/gst.h>

#include "gstemotionextractor.h"
#include "segmentation.h"

G_BEGIN_DECLS

#define GST_TYPE_LLD_EXTRACT (gst_lld_extract_get_type())
G_DECLARE_FINAL_TYPE(GstLldExtract, gst_lld_extract, GST, LLD_EXTRACT, GstEmotionExtractor)

struct _GstLldExtract {
    GstEmotionExtractor parent;

    /* settings, under the object lock; copied into the processing when streaming starts */
    GstEmotionSegmentation segmentation;
    gdouble window;
    gdouble hop;
};

G_END_DECLS
