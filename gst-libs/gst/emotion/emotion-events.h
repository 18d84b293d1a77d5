/* Segment events of gst-emotion: serialized custom downstream events that mark the span one
 * emotion prediction covers. Every element of the plugin forwards them in order. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_EMOTION_SEGMENT_START_NAME "emotion-segment-start"
#define GST_EMOTION_SEGMENT_END_NAME "emotion-segment-end"
#define GST_EMOTION_EPOCH_START_NAME "emotion-epoch-start"
#define GST_EMOTION_EPOCH_END_NAME "emotion-epoch-end"

/* Creates an `emotion-segment-start` event for segment @id. The optional fields follow as
 * NULL-terminated (name, string value) pairs; known names: emotion, speaker, gender, text, split.
 * Pairs whose value is NULL are left out. */
GstEvent *gst_emotion_event_new_segment_start (const gchar * id, ...) G_GNUC_NULL_TERMINATED;
/* The same with the optional fields as two NULL-terminated arrays of equal length (for bindings). */
GstEvent *gst_emotion_event_new_segment_startv (const gchar * id, const gchar * const *names,
    const gchar * const *values);
GstEvent *gst_emotion_event_new_segment_end (const gchar * id);

gboolean gst_emotion_event_is_segment_start (GstEvent * event);
gboolean gst_emotion_event_is_segment_end (GstEvent * event);

/* The segment id of a start or end event, NULL for any other event. */
const gchar *gst_emotion_event_get_segment_id (GstEvent * event);
/* A string field (emotion, speaker, gender, text, split) of a start event, or NULL. */
const gchar *gst_emotion_event_get_field (GstEvent * event, const gchar * name);

/* Epoch boundaries of a training stream (emodatasetsrc): every utterance of epoch @epoch
 * (0-based, of @epochs) lies between its start and end events. A classifier in train mode
 * validates at each end. */
GstEvent *gst_emotion_event_new_epoch_start (guint epoch, guint epochs);
GstEvent *gst_emotion_event_new_epoch_end (guint epoch, guint epochs);
gboolean gst_emotion_event_is_epoch_start (GstEvent * event);
gboolean gst_emotion_event_is_epoch_end (GstEvent * event);
/* Reads epoch and epochs of an epoch event; FALSE for any other event. */
gboolean gst_emotion_event_parse_epoch (GstEvent * event, guint * epoch, guint * epochs);

G_END_DECLS
