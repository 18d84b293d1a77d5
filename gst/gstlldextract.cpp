/* GStreamer lldextract: the 36 low-level descriptors of A-LSTM per 10 ms frame.
 *
 * This library is free software; you can redistribute it and/or modify it under the terms of
 * the GNU Library General Public License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-lldextract
 * @title: lldextract
 *
 * Computes the 36 low-level descriptors (LLDs) of the A-LSTM emotion model for every 25 ms frame
 * of 16 kHz mono speech at a 10 ms hop: zero-crossing rate, energy, energy entropy, spectral
 * centroid, spread, entropy, flux and rolloff, 13 MFCCs, 12 chroma values and their standard
 * deviation (features 0-33, exactly as pyAudioAnalysis defines them), harmonic ratio and F0 in Hz
 * (34-35). Each output buffer holds one frame, 36 float32 values, as NNStreamer tensor caps
 * `other/tensors,format=static,num_tensors=1,types=float32,dimensions=36:1,framerate=100/1`.
 * There is no whole-file normalisation: every frame only depends on its own 400 samples (and on
 * the previous frame, for the spectral flux).
 *
 * Framing: frame i covers samples [160 i, 160 i + 400) of the current stream part, which starts
 * at the first buffer, after every DISCONT buffer, flush, GAP event or new segment, and at every
 * upstream `emotion-segment-start` event. Frames are emitted as soon as their last sample
 * arrives, so the output does not depend on how the input is cut into buffers. Samples that do
 * not complete a frame before a discontinuity or EOS are dropped (no padding).
 *
 * Timestamps: the PTS of frame i is the time of its first sample, counted in samples from the
 * first buffer of the stream part (jitter-free), re-anchored on a buffer whose PTS is off that
 * count by more than 40 ms (a timestamp gap upstream did not flag as DISCONT: the features
 * treat the samples as contiguous, the PTS follow the input). The duration is the hop, 10 ms, so
 * consecutive frames tile the timeline; offset is the frame index i and offset-end i + 1. The
 * first frame of each stream part is flagged DISCONT. GAP buffers count as silence.
 *
 * Segments: `emotion-segment-start`/`-end` events from upstream are forwarded unchanged and in
 * order: an event that arrives after input sample n goes out after every frame that ends at or
 * before n. An upstream start also restarts the framing, so the frames of a segment start at its
 * first sample and frame i belongs to it when its samples lie inside it. Without upstream
 * segment events, #GstLldExtract:segmentation makes the element mark segments itself: `vad`
 * around each stretch of speech (ids "vad0", "vad1", ...; frames are delayed by the VAD
 * lookahead so that a start precedes the first speech frame), or `window`: windows of
 * #GstLldExtract:window seconds every #GstLldExtract:hop seconds (ids "w0", "w1", ...;
 * overlapping windows interleave their start and end events). The first upstream segment event
 * switches the own segmentation off for the rest of the stream. A segment never spans a
 * discontinuity: the element ends every open segment (its own and upstream ones, whose later
 * upstream end is then dropped) before a DISCONT, GAP event, new segment or EOS. A flush voids
 * open segments without an end event (serialized events cannot pass a flushing pad; downstream
 * flushes its segment state as well).
 *
 * Non-finite input samples (NaN, Inf) are replaced by 0 and the output is always finite; the
 * element posts one warning per stream when that happens.
 *
 * Latency: 25 ms (the frame), plus the VAD lookahead when #GstLldExtract:segmentation is `vad`.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! \
 *     lldextract segmentation=vad ! fakesink
 * ]| Extracts the LLDs of a speech file and marks its speech segments.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlldextract.h"

#include <gst/audio/audio.h>
#include <gst/emotion/emotion-events.h>

#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <vector>

#include "audio-framing.h"
#include "dsp/lld.h"
#include "elements.h"
#include "tensor-caps.h"

GST_DEBUG_CATEGORY_STATIC (gst_lld_extract_debug);
#define GST_CAT_DEFAULT gst_lld_extract_debug

#define DEFAULT_SEGMENTATION GST_EMOTION_SEGMENTATION_NONE
#define DEFAULT_WINDOW emotion::gst::kSegmentWindowDefault
#define DEFAULT_HOP emotion::gst::kSegmentHopDefault

enum
{
  PROP_0,
  PROP_SEGMENTATION,
  PROP_WINDOW,
  PROP_HOP,
};

#define LLD_RATE emotion::dsp::kSampleRate
#define LLD_FEATURES emotion::dsp::kLldFeatures
#define LLD_WINDOW emotion::dsp::kLldWindow
#define LLD_HOP emotion::dsp::kLldHop
#define FRAME_BYTES (LLD_FEATURES * sizeof (float))
/* input is analysed in chunks of at most this many samples, one buffer list per chunk */
#define CHUNK_SAMPLES 16000

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) F32LE, rate = (int) 16000, "
        "channels = (int) 1, layout = (string) interleaved"));

struct LldExtractState
{
  LldExtractState (GstEmotionSegmentation mode, double window, double hop)
      : mode (mode), clock (LLD_RATE)
  {
    if (mode == GST_EMOTION_SEGMENTATION_WINDOW)
      windows.reset (new emotion::gst::WindowSegmenter (emotion::gst::seconds_to_frames (window),
              emotion::gst::seconds_to_frames (hop)));
    else if (mode == GST_EMOTION_SEGMENTATION_VAD)
      vad.reset (new emotion::gst::VadSegmenter ());
  }

  GstEmotionSegmentation mode;
  emotion::dsp::LldStream stream;
  emotion::gst::SampleClock clock;
  emotion::gst::UpstreamSegments upstream;
  std::unique_ptr < emotion::gst::WindowSegmenter > windows;
  std::unique_ptr < emotion::gst::VadSegmenter > vad;

  GstBufferPool *pool = nullptr;
  GstBufferList *out = nullptr;         /* frames not pushed yet */
  std::deque < GstBuffer * >held;       /* frames waiting for their VAD decision */
  std::vector < float >features;
  std::vector < float >scratch;         /* zeros for GAP buffers, aligned copies */
  std::vector < GstEvent * >before, after, marks;

  uint64_t position = 0;        /* samples since the stream part started */
  uint64_t frames = 0;          /* frames since the stream part started */
  bool discont = true;          /* flag the next frame DISCONT */
  bool warned = false;          /* non-finite warning posted in this stream */
  uint64_t nonfinite_reported = 0;
  GstFlowReturn flow = GST_FLOW_OK;
};

#define gst_lld_extract_parent_class parent_class
G_DEFINE_TYPE (GstLldExtract, gst_lld_extract, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (lldextract, "lldextract", GST_RANK_NONE, GST_TYPE_LLD_EXTRACT);

static void gst_lld_extract_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_lld_extract_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_lld_extract_change_state (GstElement * element,
    GstStateChange transition);
static GstFlowReturn gst_lld_extract_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer);
static gboolean gst_lld_extract_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static gboolean gst_lld_extract_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query);

static void
gst_lld_extract_class_init (GstLldExtractClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstCaps *src_caps;

  gobject_class->set_property = gst_lld_extract_set_property;
  gobject_class->get_property = gst_lld_extract_get_property;

  /**
   * GstLldExtract:segmentation:
   *
   * How to mark segments when upstream sends no `emotion-segment-start/end` events: `none`
   * (frames only), `vad` (one segment per stretch of speech) or `window` (fixed windows, see
   * #GstLldExtract:window and #GstLldExtract:hop). Read when the element starts streaming.
   * Default: `none` (classifiers cut their own windows when no segment events arrive).
   */
  g_object_class_install_property (gobject_class, PROP_SEGMENTATION,
      g_param_spec_enum ("segmentation", "Segmentation",
          "How to mark segments when upstream sends no segment events",
          GST_TYPE_EMOTION_SEGMENTATION, DEFAULT_SEGMENTATION,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY)));

  /**
   * GstLldExtract:window:
   *
   * Length of a window in seconds with segmentation=window (rounded to 10 ms frames), from 0.1
   * to 3600. Windows that a discontinuity or EOS cuts short end there. Default: 3.0 (a
   * sentence-length span for one prediction).
   */
  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_double ("window", "Window",
          "Window length in seconds for segmentation=window",
          emotion::gst::kSegmentWindowMin, emotion::gst::kSegmentWindowMax, DEFAULT_WINDOW,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY)));

  /**
   * GstLldExtract:hop:
   *
   * Distance between the starts of consecutive windows in seconds with segmentation=window
   * (rounded to 10 ms frames), from 0.01 to 3600. A hop shorter than the window makes
   * overlapping windows, a longer one leaves frames outside every window. Default: 1.5 (half a
   * window: every frame lies in two windows).
   */
  g_object_class_install_property (gobject_class, PROP_HOP,
      g_param_spec_double ("hop", "Hop",
          "Distance between window starts in seconds for segmentation=window",
          emotion::gst::kSegmentHopMin, emotion::gst::kSegmentHopMax, DEFAULT_HOP,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY)));

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_lld_extract_change_state);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  src_caps = emotion::gst::tensor_caps_new ({LLD_FEATURES, 1}, 100, 1);
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, src_caps));
  gst_caps_unref (src_caps);

  gst_element_class_set_static_metadata (element_class, "Speech low-level descriptors",
      "Filter/Analyzer/Audio",
      "Computes the 36 A-LSTM low-level descriptors per 10 ms frame of 16 kHz speech",
      "gst-emotion developers");
  /* Shown by gst-inspect-1.0. */
  gst_element_class_add_static_metadata (element_class, "example-launch-line",
      "gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! lldextract segmentation=vad ! fakesink");

  GST_DEBUG_CATEGORY_INIT (gst_lld_extract_debug, "lldextract", 0,
      "speech low-level descriptors");
  gst_type_mark_as_plugin_api (GST_TYPE_EMOTION_SEGMENTATION, (GstPluginAPIFlags) 0);
}

static void
gst_lld_extract_init (GstLldExtract * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_lld_extract_chain));
  gst_pad_set_event_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_lld_extract_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_template (gst_element_class_get_pad_template
      (GST_ELEMENT_GET_CLASS (self), "src"), "src");
  gst_pad_set_query_function (self->srcpad, GST_DEBUG_FUNCPTR (gst_lld_extract_src_query));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->segmentation = DEFAULT_SEGMENTATION;
  self->window = DEFAULT_WINDOW;
  self->hop = DEFAULT_HOP;
  self->state = NULL;
}

static void
gst_lld_extract_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstLldExtract *self = GST_LLD_EXTRACT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SEGMENTATION:
      self->segmentation = (GstEmotionSegmentation) g_value_get_enum (value);
      break;
    case PROP_WINDOW:
      self->window = g_value_get_double (value);
      break;
    case PROP_HOP:
      self->hop = g_value_get_double (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_lld_extract_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstLldExtract *self = GST_LLD_EXTRACT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_SEGMENTATION:
      g_value_set_enum (value, self->segmentation);
      break;
    case PROP_WINDOW:
      g_value_set_double (value, self->window);
      break;
    case PROP_HOP:
      g_value_set_double (value, self->hop);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* --- output, in order ------------------------------------------------------------------- */

static void
push_pending (GstLldExtract * self)
{
  LldExtractState *st = self->state;
  GstFlowReturn ret;

  if (st->out == NULL)
    return;
  ret = gst_pad_push_list (self->srcpad, st->out);
  st->out = NULL;
  if (ret != GST_FLOW_OK && st->flow == GST_FLOW_OK)
    st->flow = ret;
}

static void
output_buffer (GstLldExtract * self, GstBuffer * buffer)
{
  LldExtractState *st = self->state;

  if (st->out == NULL)
    st->out = gst_buffer_list_new_sized (128);
  gst_buffer_list_add (st->out, buffer);
}

static void
output_event (GstLldExtract * self, GstEvent * event)
{
  if (event == NULL)
    return;
  push_pending (self);
  GST_DEBUG_OBJECT (self, "pushing %" GST_PTR_FORMAT, event);
  gst_pad_push_event (self->srcpad, event);
}

static void
output_events (GstLldExtract * self, std::vector < GstEvent * >&events)
{
  for (GstEvent * event:events)
    output_event (self, event);
  events.clear ();
}

/* --- segmentation ----------------------------------------------------------------------- */

static gboolean
own_segmentation_active (LldExtractState * st)
{
  return st->mode != GST_EMOTION_SEGMENTATION_NONE && !st->upstream.seen ();
}

static void release_decided (GstLldExtract * self);

/* Routes one frame (with its energy, LLD feature 1) through the segmentation. */
static void
route_frame (GstLldExtract * self, GstBuffer * frame, float energy)
{
  LldExtractState *st = self->state;

  if (!own_segmentation_active (st)) {
    output_buffer (self, frame);
  } else if (st->mode == GST_EMOTION_SEGMENTATION_WINDOW) {
    st->windows->frame (st->before, st->after);
    output_events (self, st->before);
    output_buffer (self, frame);
    output_events (self, st->after);
  } else {
    st->held.push_back (frame);
    st->vad->push (energy, st->marks);
    release_decided (self);
  }
}

/* Pushes the held frames the VAD has decided, each after its segment event. */
static void
release_decided (GstLldExtract * self)
{
  LldExtractState *st = self->state;

  for (GstEvent * mark:st->marks) {
    output_event (self, mark);
    if (!st->held.empty ()) {
      output_buffer (self, st->held.front ());
      st->held.pop_front ();
    }
  }
  st->marks.clear ();
}

/* Ends the element's own open segments, releasing the frames the VAD still holds. */
static void
close_own_segments (GstLldExtract * self)
{
  LldExtractState *st = self->state;

  if (st->windows) {
    st->windows->close (st->before);
    output_events (self, st->before);
  }
  if (st->vad) {
    GstEvent *end = NULL;
    st->vad->close (st->marks, &end);
    release_decided (self);
    /* the VAD decides every frame it was given; anything left is released as it is */
    while (!st->held.empty ()) {
      output_buffer (self, st->held.front ());
      st->held.pop_front ();
    }
    output_event (self, end);
  }
}

static void
restart_framing (LldExtractState * st)
{
  st->stream.reset ();
  st->position = 0;
  st->frames = 0;
}

/* End of a stream part (DISCONT, GAP event, new segment, EOS): every open segment ends, the
 * framing starts afresh with the next buffer. */
static void
end_stream_part (GstLldExtract * self)
{
  LldExtractState *st = self->state;

  if (own_segmentation_active (st))
    close_own_segments (self);
  st->upstream.close (st->before);
  output_events (self, st->before);
  push_pending (self);

  restart_framing (st);
  st->clock.reset ();
  st->discont = true;
}

/* Flush: everything in flight is dropped. */
static void
flush_state (GstLldExtract * self)
{
  LldExtractState *st = self->state;
  std::vector < GstEvent * >voided;
  GstEvent *end = NULL;

  if (st->out) {
    gst_buffer_list_unref (st->out);
    st->out = NULL;
  }
  for (GstBuffer * frame:st->held)
    gst_buffer_unref (frame);
  st->held.clear ();
  if (st->windows)
    st->windows->close (voided);
  if (st->vad) {
    st->vad->close (voided, &end);
    voided.push_back (end);
  }
  for (GstEvent * event:voided)
    if (event)
      gst_event_unref (event);
  st->upstream.flush ();

  restart_framing (st);
  st->clock.reset ();
  st->discont = true;
  st->flow = GST_FLOW_OK;
}

/* --- streaming -------------------------------------------------------------------------- */

static GstBuffer *
make_frame (GstLldExtract * self, const float *features)
{
  LldExtractState *st = self->state;
  GstBuffer *frame = NULL;
  uint64_t first = st->frames * LLD_HOP;

  if (gst_buffer_pool_acquire_buffer (st->pool, &frame, NULL) != GST_FLOW_OK)
    frame = gst_buffer_new_allocate (NULL, FRAME_BYTES, NULL);
  gst_buffer_fill (frame, 0, features, FRAME_BYTES);
  GST_BUFFER_PTS (frame) = st->clock.time_at (first);
  GST_BUFFER_DURATION (frame) = st->clock.duration (LLD_HOP);
  GST_BUFFER_OFFSET (frame) = st->frames;
  GST_BUFFER_OFFSET_END (frame) = st->frames + 1;
  if (st->discont) {
    GST_BUFFER_FLAG_SET (frame, GST_BUFFER_FLAG_DISCONT);
    st->discont = false;
  }
  st->frames++;
  return frame;
}

static void
check_nonfinite (GstLldExtract * self, size_t replaced_features)
{
  LldExtractState *st = self->state;
  uint64_t nonfinite = st->stream.nonfinite_samples ();

  if (nonfinite == st->nonfinite_reported && replaced_features == 0)
    return;
  if (!st->warned) {
    st->warned = true;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("The audio contains NaN or infinite samples."),
        ("%" G_GUINT64_FORMAT " non-finite samples were replaced by 0 and %" G_GSIZE_FORMAT
            " non-finite feature values by 0; further ones in this stream are not reported",
            nonfinite - st->nonfinite_reported, replaced_features));
  }
  st->nonfinite_reported = nonfinite;
}

static void
process_samples (GstLldExtract * self, const float *samples, size_t count)
{
  LldExtractState *st = self->state;

  while (count > 0) {
    size_t n = MIN (count, (size_t) CHUNK_SAMPLES);
    size_t frames, replaced;

    st->features.clear ();
    frames = st->stream.push (samples, n, st->features);
    st->position += n;
    replaced = emotion::gst::replace_nonfinite (st->features.data (), st->features.size (),
        0.0f);
    for (size_t f = 0; f < frames; f++) {
      const float *values = st->features.data () + f * LLD_FEATURES;
      route_frame (self, make_frame (self, values), values[1]);
    }
    check_nonfinite (self, replaced);
    push_pending (self);
    samples += n;
    count -= n;
  }
  st->clock.discard_before (st->frames * LLD_HOP);
}

static GstFlowReturn
gst_lld_extract_chain (GstPad * pad G_GNUC_UNUSED, GstObject * parent, GstBuffer * buffer)
{
  GstLldExtract *self = GST_LLD_EXTRACT (parent);
  LldExtractState *st = self->state;
  if (G_UNLIKELY (st == NULL)) {
    gst_buffer_unref (buffer);
    return GST_FLOW_FLUSHING;
  }
  st->flow = GST_FLOW_OK;

  GST_LOG_OBJECT (self, "%" GST_PTR_FORMAT, buffer);
  if (GST_BUFFER_IS_DISCONT (buffer) && st->position > 0) {
    GST_DEBUG_OBJECT (self, "discontinuity after %" G_GUINT64_FORMAT " samples", st->position);
    end_stream_part (self);
  }
  st->clock.observe (GST_BUFFER_PTS (buffer), st->position);

  bool ok = emotion::gst::feed_f32_samples (GST_ELEMENT (self), buffer, st->scratch,
      CHUNK_SAMPLES, [self](const float *samples, size_t count) {
        process_samples (self, samples, count);
      });
  gst_buffer_unref (buffer);
  return ok ? st->flow : GST_FLOW_ERROR;
}

static gboolean
gst_lld_extract_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstLldExtract *self = GST_LLD_EXTRACT (parent);
  LldExtractState *st = self->state;

  GST_LOG_OBJECT (self, "%" GST_PTR_FORMAT, event);
  if (st == NULL)
    return gst_pad_event_default (pad, parent, event);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ret;

      gst_event_parse_caps (event, &caps);
      ret = emotion::gst::accept_speech_caps (GST_ELEMENT (self), self->srcpad, caps,
          LLD_RATE, emotion::gst::tensor_caps_new ({LLD_FEATURES, 1}, 100, 1));
      gst_event_unref (event);
      return ret;
    }
    case GST_EVENT_STREAM_START:
      if (st->position > 0 || !st->held.empty ())
        end_stream_part (self);
      st->upstream.reset ();
      st->warned = false;
      if (st->windows)
        st->windows->start ();
      if (st->vad)
        st->vad->start ();
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_SEGMENT:
    case GST_EVENT_GAP:
      if (st->position > 0 || !st->held.empty ())
        end_stream_part (self);
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_EOS:
      end_stream_part (self);
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_FLUSH_STOP:
      flush_state (self);
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (gst_emotion_event_is_segment_start (event)
          || gst_emotion_event_is_segment_end (event)) {
        if (own_segmentation_active (st)) {
          GST_INFO_OBJECT (self, "upstream segment events: own segmentation off");
          close_own_segments (self);
        }
        if (gst_emotion_event_is_segment_start (event)) {
          /* the segment's frames start at its first sample */
          st->clock.rebase (st->position);
          restart_framing (st);
        }
        if (!st->upstream.on_event (event)) {
          GST_DEBUG_OBJECT (self, "dropping the end of a segment already ended");
          gst_event_unref (event);
          return TRUE;
        }
        output_event (self, event);
        return TRUE;
      }
      return gst_pad_event_default (pad, parent, event);
    default:
      return gst_pad_event_default (pad, parent, event);
  }
}

static GstClockTime
own_latency (GstLldExtract * self)
{
  GstClockTime latency = gst_util_uint64_scale_int (LLD_WINDOW, GST_SECOND, LLD_RATE);
  GstEmotionSegmentation mode;

  GST_OBJECT_LOCK (self);
  mode = self->segmentation;
  GST_OBJECT_UNLOCK (self);
  if (mode == GST_EMOTION_SEGMENTATION_VAD) {
    emotion::gst::VadSegmenter vad;
    latency += gst_util_uint64_scale_int ((guint64) vad.lookahead_frames () * LLD_HOP,
        GST_SECOND, LLD_RATE);
  }
  return latency;
}

static gboolean
gst_lld_extract_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstLldExtract *self = GST_LLD_EXTRACT (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      gboolean live;
      GstClockTime min, max, ours;

      if (!gst_pad_peer_query (self->sinkpad, query))
        return FALSE;
      gst_query_parse_latency (query, &live, &min, &max);
      ours = own_latency (self);
      GST_DEBUG_OBJECT (self, "adding %" GST_TIME_FORMAT " of latency", GST_TIME_ARGS (ours));
      min += ours;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += ours;
      gst_query_set_latency (query, live, min, max);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

/* --- state ------------------------------------------------------------------------------ */

static gboolean
gst_lld_extract_start (GstLldExtract * self)
{
  LldExtractState *st;
  GstStructure *config;
  GstCaps *caps;

  GST_OBJECT_LOCK (self);
  st = new LldExtractState (self->segmentation, self->window, self->hop);
  GST_OBJECT_UNLOCK (self);

  st->pool = gst_buffer_pool_new ();
  config = gst_buffer_pool_get_config (st->pool);
  caps = emotion::gst::tensor_caps_new ({LLD_FEATURES, 1}, 100, 1);
  gst_buffer_pool_config_set_params (config, caps, FRAME_BYTES, 16, 0);
  gst_caps_unref (caps);
  if (!gst_buffer_pool_set_config (st->pool, config)
      || !gst_buffer_pool_set_active (st->pool, TRUE)) {
    gst_object_unref (st->pool);
    delete st;
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL), ("Could not set up a buffer pool"));
    return FALSE;
  }
  st->features.reserve ((size_t) (CHUNK_SAMPLES / LLD_HOP + 1) * LLD_FEATURES);
  if (st->windows)
    st->windows->start ();
  if (st->vad)
    st->vad->start ();
  self->state = st;
  return TRUE;
}

static void
gst_lld_extract_stop (GstLldExtract * self)
{
  LldExtractState *st = self->state;

  if (st == NULL)
    return;
  self->state = NULL;
  if (st->out)
    gst_buffer_list_unref (st->out);
  for (GstBuffer * frame:st->held)
    gst_buffer_unref (frame);
  gst_buffer_pool_set_active (st->pool, FALSE);
  gst_object_unref (st->pool);
  delete st;
}

static GstStateChangeReturn
gst_lld_extract_change_state (GstElement * element, GstStateChange transition)
{
  GstLldExtract *self = GST_LLD_EXTRACT (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !gst_lld_extract_start (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY
      || (transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret == GST_STATE_CHANGE_FAILURE))
    gst_lld_extract_stop (self);
  return ret;
}
