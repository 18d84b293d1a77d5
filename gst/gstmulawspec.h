/* mulawspec: 400 x 200 mu-law spectrogram segments (2 s of 10 ms frames) of 16 kHz speech, the
 * input of the attention-pooling CNN, as other/tensors 200:400 float32, one buffer per segment. */
#pragma once

#include <gst/gst.h>

#include "gstemotionextractor.h"
#include "segmentation.h"

G_BEGIN_DECLS

#define GST_TYPE_MULAW_SPEC (gst_mulaw_spec_get_type())
G_DECLARE_FINAL_TYPE(GstMulawSpec, gst_mulaw_spec, GST, MULAW_SPEC, GstEmotionExtractor)

struct _GstMulawSpec {
    GstEmotionExtractor parent;

    /* settings, under the object lock; copied into the processing when streaming starts */
    gdouble hop;
    GstEmotionSegmentation segmentation;
};

G_END_DECLS
