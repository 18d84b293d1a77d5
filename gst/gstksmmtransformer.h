/* ksmmtransformer: model M4 (key-sparse multimodal transformer) on LLD features and a text
 * stream aligned to the audio segments by running time. A GstAggregator. */
#pragma once

#include <gst/base/gstaggregator.h>

G_BEGIN_DECLS

#define GST_TYPE_KSMM_TRANSFORMER (gst_ksmm_transformer_get_type())
G_DECLARE_FINAL_TYPE(GstKsmmTransformer, gst_ksmm_transformer, GST, KSMM_TRANSFORMER, GstAggregator);

G_END_DECLS
