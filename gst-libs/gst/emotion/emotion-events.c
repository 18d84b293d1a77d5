#include "emotion-events.h"

#include <stdarg.h>

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

const gchar *
gst_emotion_event_get_segment_id (GstEvent * event)
{
  if (!gst_emotion_event_is_segment_start (event)
      && !gst_emotion_event_is_segment_end (event))
    return NULL;
  return gst_structure_get_string (gst_event_get_structure (event), "id");
}

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

GstEvent *
gst_emotion_event_new_epoch_start (guint epoch, guint epochs)
{
  return new_epoch_event (GST_EMOTION_EPOCH_START_NAME, epoch, epochs);
}

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

gboolean
gst_emotion_event_parse_epoch (GstEvent * event, guint * epoch, guint * epochs)
{
  const GstStructure *s;

  if (!gst_emotion_event_is_epoch_start (event) && !gst_emotion_event_is_epoch_end (event))
    return FALSE;
  s = gst_event_get_structure (event);
  return gst_structure_get_uint (s, "epoch", epoch) && gst_structure_get_uint (s, "epochs", epochs);
}
