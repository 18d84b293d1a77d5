/* emotionfuse: late fusion of several emotion classifiers over the same audio, by time overlap
 * of their results (weighted posteriors). A GstAggregator. */
#pragma once

#include <gst/base/gstaggregator.h>

G_BEGIN_DECLS

#define GST_TYPE_EMOTION_FUSE (gst_emotion_fuse_get_type())
G_DECLARE_FINAL_TYPE(GstEmotionFuse, gst_emotion_fuse, GST, EMOTION_FUSE, GstAggregator);

G_END_DECLS
