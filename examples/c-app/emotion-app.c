/* emotion-app: a GStreamer application using gst-emotion's public pieces.
 *
 *   emotion-app FILE [MODEL]
 *
 * Runs  filesrc ! decodebin ! audioconvert ! audioresample ! lldextract ! alstmclassify
 *       ! emotionsink  on FILE and prints every result three ways:
 *   message  from the `emotion` element messages on the bus
 *   signal   from emotionsink's `result` signal
 *   meta     from the GstEmotionMeta of the result buffers, read in a pad probe
 * one line each:  <source> <segment-id> <start s> <end s> <label> <confidence>
 * and at the end:  summary <segments> <dominant label>
 * Build against the installed library: pkg-config gstreamer-emotion-1.0. */
#include <stdio.h>
#include <stdlib.h>

#include <gst/gst.h>
#include <gst/emotion/emotion.h>

static void
print_line (const char *source, const char *segment, GstClockTime start, GstClockTime duration,
    const char *label, double confidence)
{
  double s = GST_CLOCK_TIME_IS_VALID (start) ? start / 1e9 : -1.0;
  double e = GST_CLOCK_TIME_IS_VALID (start) && GST_CLOCK_TIME_IS_VALID (duration)
      ? (start + duration) / 1e9 : -1.0;
  /* results come from the streaming thread and the main loop: one line at a time */
  static GMutex lock;
  g_mutex_lock (&lock);
  printf ("%s %s %.3f %.3f %s %.4f\n", source, segment, s, e, label, confidence);
  fflush (stdout);
  g_mutex_unlock (&lock);
}

/* GstEmotionMeta of each result buffer leaving the classifier */
static GstPadProbeReturn
meta_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstEmotionMeta *meta = gst_buffer_get_emotion_meta (buffer);
  (void) pad;
  (void) user_data;
  if (meta)
    print_line ("meta", meta->segment_id, GST_BUFFER_PTS (buffer),
        GST_BUFFER_DURATION (buffer), gst_emotion_meta_get_label (meta),
        gst_emotion_meta_get_confidence (meta));
  return GST_PAD_PROBE_OK;
}

/* emotionsink::result */
static void
on_result (GstElement * sink, const GstStructure * result, gpointer user_data)
{
  guint64 start = GST_CLOCK_TIME_NONE, duration = GST_CLOCK_TIME_NONE;
  gdouble confidence = 0;
  (void) sink;
  (void) user_data;
  gst_structure_get_uint64 (result, "timestamp", &start);
  gst_structure_get_uint64 (result, "duration", &duration);
  gst_structure_get_double (result, "confidence", &confidence);
  print_line ("signal", gst_structure_get_string (result, "segment-id"), start, duration,
      gst_structure_get_string (result, "label"), confidence);
}

int
main (int argc, char **argv)
{
  GError *error = NULL;
  int status = 0;

  gst_init (&argc, &argv);
  if (argc < 2) {
    fprintf (stderr, "usage: %s FILE [MODEL]\n", argv[0]);
    return 2;
  }
  gchar *location = g_strescape (argv[1], NULL);
  gchar *model = argc > 2 ? g_strdup_printf (" model=\"%s\"", argv[2]) : g_strdup ("");
  gchar *description = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! audioconvert ! "
      "audioresample ! lldextract ! alstmclassify name=classifier%s ! emotionsink name=sink",
      location, model);
  GstElement *pipeline = gst_parse_launch (description, &error);
  g_free (description);
  g_free (model);
  g_free (location);
  if (!pipeline || error) {
    fprintf (stderr, "cannot build the pipeline: %s\n", error ? error->message : "?");
    return 1;
  }

  GstElement *classifier = gst_bin_get_by_name (GST_BIN (pipeline), "classifier");
  GstPad *src = gst_element_get_static_pad (classifier, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, meta_probe, NULL, NULL);
  gst_object_unref (src);
  gst_object_unref (classifier);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_signal_connect (sink, "result", G_CALLBACK (on_result), NULL);
  gst_object_unref (sink);

  GstBus *bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  gboolean done = FALSE;
  while (!done) {
    GstMessage *message = gst_bus_timed_pop (bus, GST_CLOCK_TIME_NONE);
    switch (GST_MESSAGE_TYPE (message)) {
      case GST_MESSAGE_ELEMENT:{
        const GstStructure *s = gst_message_get_structure (message);
        if (gst_structure_has_name (s, "emotion")) {
          guint64 start = GST_CLOCK_TIME_NONE, duration = GST_CLOCK_TIME_NONE;
          gdouble confidence = 0;
          gst_structure_get_uint64 (s, "timestamp", &start);
          gst_structure_get_uint64 (s, "duration", &duration);
          gst_structure_get_double (s, "confidence", &confidence);
          print_line ("message", gst_structure_get_string (s, "segment-id"), start, duration,
              gst_structure_get_string (s, "label"), confidence);
        } else if (gst_structure_has_name (s, "emotion-summary")) {
          guint segments = 0;
          gst_structure_get_uint (s, "segments", &segments);
          printf ("summary %u %s\n", segments, gst_structure_get_string (s, "dominant"));
        }
        break;
      }
      case GST_MESSAGE_ERROR:{
        GError *err = NULL;
        gchar *debug = NULL;
        gst_message_parse_error (message, &err, &debug);
        fprintf (stderr, "error: %s\n%s\n", err->message, debug ? debug : "");
        g_clear_error (&err);
        g_free (debug);
        status = 1;
        done = TRUE;
        break;
      }
      case GST_MESSAGE_EOS:
        done = TRUE;
        break;
      default:
        break;
    }
    gst_message_unref (message);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  return status;
}
