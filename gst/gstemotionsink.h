/* emotionsink: writes classification results, tells applications about them, and evaluates
 * them against the true labels carried by emotion-segment-start events. */
#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_EMOTION_SINK (gst_emotion_sink_get_type())
G_DECLARE_FINAL_TYPE(GstEmotionSink, gst_emotion_sink, GST, EMOTION_SINK, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE(emotionsink);

G_END_DECLS
