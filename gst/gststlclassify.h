/* stlclassify: Classifies speech emotion from LLD features with the CNN-BiLSTM and stacked transformer layers
 * (Wang et al., ICASSP 2021) */
#pragma once

#include "gstemotionclassifier.h"

G_BEGIN_DECLS

#define GST_TYPE_STL_CLASSIFY (gst_stlclassify_get_type())
G_DECLARE_FINAL_TYPE(GstStlClassify, gst_stlclassify, GST, STL_CLASSIFY, GstEmotionClassifier)

GST_ELEMENT_REGISTER_DECLARE(stlclassify);

G_END_DECLS
