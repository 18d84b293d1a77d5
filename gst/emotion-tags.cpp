#include "emotion-tags.h"

namespace emotion::gst {

void register_tags() {
    gst_tag_register(GST_EMOTION_TAG_EMOTION, GST_TAG_FLAG_META, G_TYPE_STRING, "emotion",
                     "dominant emotion of the stream so far", gst_tag_merge_use_first);
}

GstTagList* dominant_emotion_tags(const gchar* label) {
    gchar* keyword = g_strdup_printf("emotion=%s", label);
    /* matroskamux (1.22) writes neither custom tags nor keywords; it keeps the comment. */
    GstTagList* tags = gst_tag_list_new(GST_EMOTION_TAG_EMOTION, label, GST_TAG_KEYWORDS, keyword,
                                        GST_TAG_COMMENT, keyword, NULL);
    g_free(keyword);
    gst_tag_list_set_scope(tags, GST_TAG_SCOPE_GLOBAL);
    return tags;
}

} // namespace emotion::gst
