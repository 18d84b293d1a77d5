/* Stream tags for the dominant emotion. The plugin registers the tag `emotion`; the same value is
 * also written as a keyword ("emotion=angry") because containers such as Matroska keep the
 * standard tags only. */
#pragma once

#include <gst/gst.h>

#define GST_EMOTION_TAG_EMOTION "emotion"

namespace emotion::gst {

void register_tags ();
GstTagList *dominant_emotion_tags (const gchar * label);

} // namespace emotion::gst
