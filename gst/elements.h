/* Element registration declarations of the plugin (one per element). */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
/* ELEMENT DECLARATIONS (GST_ELEMENT_REGISTER_DECLARE, keep sorted) */
GST_ELEMENT_REGISTER_DECLARE(alstmclassify);
GST_ELEMENT_REGISTER_DECLARE(apcnnclassify);
GST_ELEMENT_REGISTER_DECLARE(emoaugment);
GST_ELEMENT_REGISTER_DECLARE(emodatasetsrc);
GST_ELEMENT_REGISTER_DECLARE(emotiondetect);
GST_ELEMENT_REGISTER_DECLARE(emotionfuse);
GST_ELEMENT_REGISTER_DECLARE(emotionpublish);
GST_ELEMENT_REGISTER_DECLARE(emotionsink);
GST_ELEMENT_REGISTER_DECLARE(ksmmtransformer);
GST_ELEMENT_REGISTER_DECLARE(lldextract);
GST_ELEMENT_REGISTER_DECLARE(mulawspec);
GST_ELEMENT_REGISTER_DECLARE(stlclassify);
G_END_DECLS
