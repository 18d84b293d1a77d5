/* Stream tags for the dominant emotion. The plugin registers the tag `emotion`; the same value is
 * also written as a keyword and as the comment ("emotion=angry") because containers keep
 * standard tags only (matroskamux keeps the comment, not keywords). */
#pragma once

#include <gst/gst.h>

#define GST_EMOTION_TAG_EMOTION "emotion"

namespace emotion::gst {

void register_tags();
GstTagList* dominant_emotion_tags(const gchar* label);

} // namespace emotion::gst
