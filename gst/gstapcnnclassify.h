/* apcnnclassify: Classifies speech emotion from mu-law spectrogram segments with the attention-pooling CNN
 * (Li et al., Interspeech 2018) */
#pragma once

#include "gstemotionclassifier.h"

G_BEGIN_DECLS

#define GST_TYPE_APCNN_CLASSIFY (gst_apcnnclassify_get_type())
G_DECLARE_FINAL_TYPE(GstApcnnClassify, gst_apcnnclassify, GST, APCNN_CLASSIFY, GstEmotionClassifier)

GST_ELEMENT_REGISTER_DECLARE(apcnnclassify);

G_END_DECLS
