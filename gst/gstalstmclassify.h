/* alstmclassify: Classifies speech emotion from LLD features with the A-LSTM weighted-pooling RNN (Tao and
 * Liu, ICASSP 2018) */
#pragma once

#include "gstemotionclassifier.h"

G_BEGIN_DECLS

#define GST_TYPE_ALSTM_CLASSIFY (gst_alstmclassify_get_type())
G_DECLARE_FINAL_TYPE(GstAlstmClassify, gst_alstmclassify, GST, ALSTM_CLASSIFY, GstEmotionClassifier)

GST_ELEMENT_REGISTER_DECLARE(alstmclassify);

G_END_DECLS
