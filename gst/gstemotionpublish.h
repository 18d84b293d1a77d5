/* emotionpublish: publishes classification results to an MQTT broker, one JSON message per
 * result, without losing them while the broker is briefly away. */
#pragma once

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define GST_TYPE_EMOTION_PUBLISH (gst_emotion_publish_get_type())
G_DECLARE_FINAL_TYPE(GstEmotionPublish, gst_emotion_publish, GST, EMOTION_PUBLISH, GstBaseSink)

GST_ELEMENT_REGISTER_DECLARE(emotionpublish);

G_END_DECLS
