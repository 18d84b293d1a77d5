#include "emotion-events.h"

#include <stdarg.h>

/**
 * gst_emotion_event_new_segment_start: (skip)
 * @id: segment id
 * @...: NULL-terminated (name, value) string pairs
 *
 * Returns: (transfer full): a new `emotion-segment-start` event
 */
GstEvent *
gst_emotion_event_new_segment_start (const gchar * id, ...)
{
  GstStructure *s;
  const gchar *name;
  va_list args;

  g_return_val_if_fail (id != NULL, NULL);

  s = gst_structure_new (GST_EMOTION_SEGMENT_START_NAME, "id", G_TYPE_STRING, id, NULL);
  va_start (args, id);
  for (name = va_arg (args, const gchar *); name != NULL; name = va_arg (args, const gchar *)) {
    const gchar *value = va_arg (args, const gchar *);
    if (value != NULL)
      gst_structure_set (s, name, G_TYPE_STRING, value, NULL);
  }
  va_end (args);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

/**
 * gst_emotion_event_new_segment_startv: (rename-to gst_emotion_event_new_segment_start)
 * @id: segment id
 * @names: (array zero-terminated=1) (nullable): field names (emotion, speaker, gender, text, split)
 * @values: (array zero-terminated=1) (nullable): their values, as many as @names
 *
 * Returns: (transfer full) (nullable): a new `emotion-segment-start` event, NULL if the arrays
 *     differ in length
 */
GstEvent *
gst_emotion_event_new_segment_startv (const gchar * id, const gchar * const *names,
    const gchar * const *values)
{
  GstStructure *s;
  guint n = names ? g_strv_length ((gchar **) names) : 0;
  guint i;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (n == (values ? g_strv_length ((gchar **) values) : 0), NULL);

  s = gst_structure_new (GST_EMOTION_SEGMENT_START_NAME, "id", G_TYPE_STRING, id, NULL);
  for (i = 0; i < n; i++)
    gst_structure_set (s, names[i], G_TYPE_STRING, values[i], NULL);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, s);
}

/**
 * gst_emotion_event_new_segment_end:
 * @id: segment id
 *
 * Returns: (transfer full): a new `emotion-segment-end` event
 */
GstEvent *
gst_emotion_event_new_segment_end (const gchar * id)
{
  g_return_val_if_fail (id != NULL, NULL);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new (GST_EMOTION_SEGMENT_END_NAME, "id", G_TYPE_STRING, id, NULL));
}

static gboolean
event_has_name (GstEvent * event, const gchar * name)
{
  return GST_EVENT_TYPE (event) == GST_EVENT_CUSTOM_DOWNSTREAM
      && gst_event_has_name (event, name);
}

gboolean
gst_emotion_event_is_segment_start (GstEvent * event)
{
  return event_has_name (event, GST_EMOTION_SEGMENT_START_NAME);
}

gboolean
gst_emotion_event_is_segment_end (GstEvent * event)
{
  return event_has_name (event, GST_EMOTION_SEGMENT_END_NAME);
}

/**
 * gst_emotion_event_get_segment_id:
 * @event: an event
 *
 * Returns: (transfer none) (nullable): the segment id of a segment start or end event, else NULL
 */
const gchar *
gst_emotion_event_get_segment_id (GstEvent * event)
{
  if (!gst_emotion_event_is_segment_start (event)
      && !gst_emotion_event_is_segment_end (event))
    return NULL;
  return gst_structure_get_string (gst_event_get_structure (event), "id");
}

/**
 * gst_emotion_event_get_field:
 * @event: an event
 * @name: field name (emotion, speaker, gender, text, split)
 *
 * Returns: (transfer none) (nullable): the field of a segment start event, else NULL
 */
const gchar *
gst_emotion_event_get_field (GstEvent * event, const gchar * name)
{
  if (!gst_emotion_event_is_segment_start (event))
    return NULL;
  return gst_structure_get_string (gst_event_get_structure (event), name);
}

static GstEvent *
new_epoch_event (const gchar * name, guint epoch, guint epochs)
{
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM, gst_structure_new (name,
          "epoch", G_TYPE_UINT, epoch, "epochs", G_TYPE_UINT, epochs, NULL));
}

/**
 * gst_emotion_event_new_epoch_start:
 * @epoch: 0-based epoch
 * @epochs: number of epochs
 *
 * Returns: (transfer full): a new `emotion-epoch-start` event
 */
GstEvent *
gst_emotion_event_new_epoch_start (guint epoch, guint epochs)
{
  return new_epoch_event (GST_EMOTION_EPOCH_START_NAME, epoch, epochs);
}

/**
 * gst_emotion_event_new_epoch_end:
 * @epoch: 0-based epoch
 * @epochs: number of epochs
 *
 * Returns: (transfer full): a new `emotion-epoch-end` event
 */
GstEvent *
gst_emotion_event_new_epoch_end (guint epoch, guint epochs)
{
  return new_epoch_event (GST_EMOTION_EPOCH_END_NAME, epoch, epochs);
}

gboolean
gst_emotion_event_is_epoch_start (GstEvent * event)
{
  return event_has_name (event, GST_EMOTION_EPOCH_START_NAME);
}

gboolean
gst_emotion_event_is_epoch_end (GstEvent * event)
{
  return event_has_name (event, GST_EMOTION_EPOCH_END_NAME);
}

/**
 * gst_emotion_event_parse_epoch:
 * @event: an event
 * @epoch: (out): 0-based epoch
 * @epochs: (out): number of epochs
 *
 * Returns: TRUE for an epoch start or end event
 */
gboolean
gst_emotion_event_parse_epoch (GstEvent * event, guint * epoch, guint * epochs)
{
  const GstStructure *s;

  if (!gst_emotion_event_is_epoch_start (event) && !gst_emotion_event_is_epoch_end (event))
    return FALSE;
  s = gst_event_get_structure (event);
  return gst_structure_get_uint (s, "epoch", epoch) && gst_structure_get_uint (s, "epochs", epochs);
}
