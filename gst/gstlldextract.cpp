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

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "audio-framing.h"
#include "dsp/lld.h"
#include "elements.h"

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

struct LldExtractState
{
  LldExtractState (GstEmotionSegmentation mode, double window, double hop)
      : mode (mode)
  {
    if (mode == GST_EMOTION_SEGMENTATION_WINDOW)
      windows.reset (new emotion::gst::WindowSegmenter (emotion::gst::seconds_to_frames (window),
              emotion::gst::seconds_to_frames (hop)));
    else if (mode == GST_EMOTION_SEGMENTATION_VAD)
      vad.reset (new emotion::gst::VadSegmenter ());
  }

  GstEmotionSegmentation mode;
  emotion::dsp::LldStream stream;
  std::unique_ptr < emotion::gst::WindowSegmenter > windows;
  std::unique_ptr < emotion::gst::VadSegmenter > vad;

  std::deque < GstBuffer * >held;       /* frames waiting for their VAD decision */
  std::vector < float >features;
  std::vector < GstEvent * >before, after, marks;

  uint64_t frames = 0;          /* frames since the stream part started */
};

#define gst_lld_extract_parent_class parent_class
G_DEFINE_TYPE (GstLldExtract, gst_lld_extract, GST_TYPE_EMOTION_EXTRACTOR);
GST_ELEMENT_REGISTER_DEFINE (lldextract, "lldextract", GST_RANK_NONE, GST_TYPE_LLD_EXTRACT);

static void gst_lld_extract_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_lld_extract_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gboolean gst_lld_extract_start (GstEmotionExtractor * base);
static void gst_lld_extract_stop (GstEmotionExtractor * base);
static void gst_lld_extract_stream_start (GstEmotionExtractor * base);
static void gst_lld_extract_process (GstEmotionExtractor * base, const float *samples,
    gsize count);
static void gst_lld_extract_drain (GstEmotionExtractor * base);
static void gst_lld_extract_flush (GstEmotionExtractor * base);
static void gst_lld_extract_upstream_segment (GstEmotionExtractor * base, gboolean start,
    gboolean first);
static GstClockTime gst_lld_extract_latency (GstEmotionExtractor * base);

static void
gst_lld_extract_class_init (GstLldExtractClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstEmotionExtractorClass *extractor_class = GST_EMOTION_EXTRACTOR_CLASS (klass);

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

  extractor_class->start = gst_lld_extract_start;
  extractor_class->stop = gst_lld_extract_stop;
  extractor_class->stream_start = gst_lld_extract_stream_start;
  extractor_class->process = gst_lld_extract_process;
  extractor_class->drain = gst_lld_extract_drain;
  extractor_class->flush = gst_lld_extract_flush;
  extractor_class->upstream_segment = gst_lld_extract_upstream_segment;
  extractor_class->latency = gst_lld_extract_latency;
  /* a frame's time is needed until the frame is complete */
  gst_emotion_extractor_class_set_output (extractor_class, {LLD_FEATURES, 1}, 100, 1, 16,
      LLD_HOP, LLD_WINDOW);

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

/* --- own segmentation ------------------------------------------------------------------- */

static gboolean
own_segmentation_active (GstLldExtract * self)
{
  return self->state->mode != GST_EMOTION_SEGMENTATION_NONE
      && !gst_emotion_extractor_upstream_segments_seen (GST_EMOTION_EXTRACTOR (self));
}

/* Pushes the held frames the VAD has decided, each after its segment event. */
static void
release_decided (GstLldExtract * self)
{
  GstEmotionExtractor *base = GST_EMOTION_EXTRACTOR (self);
  LldExtractState *st = self->state;

  for (GstEvent * mark:st->marks) {
    gst_emotion_extractor_push_event (base, mark);
    if (!st->held.empty ()) {
      gst_emotion_extractor_queue (base, st->held.front ());
      st->held.pop_front ();
    }
  }
  st->marks.clear ();
}

/* Routes one frame (with its energy, LLD feature 1) through the segmentation. */
static void
route_frame (GstLldExtract * self, GstBuffer * frame, float energy)
{
  GstEmotionExtractor *base = GST_EMOTION_EXTRACTOR (self);
  LldExtractState *st = self->state;

  if (!own_segmentation_active (self)) {
    gst_emotion_extractor_queue (base, frame);
  } else if (st->mode == GST_EMOTION_SEGMENTATION_WINDOW) {
    st->windows->frame (st->before, st->after);
    gst_emotion_extractor_push_events (base, st->before);
    gst_emotion_extractor_queue (base, frame);
    gst_emotion_extractor_push_events (base, st->after);
  } else {
    st->held.push_back (frame);
    st->vad->push (energy, st->marks);
    release_decided (self);
  }
}

/* Ends the element's own open segments, releasing the frames the VAD still holds. */
static void
close_own_segments (GstLldExtract * self)
{
  GstEmotionExtractor *base = GST_EMOTION_EXTRACTOR (self);
  LldExtractState *st = self->state;

  if (st->windows) {
    st->windows->close (st->before);
    gst_emotion_extractor_push_events (base, st->before);
  }
  if (st->vad) {
    GstEvent *end = NULL;
    st->vad->close (st->marks, &end);
    release_decided (self);
    /* the VAD decides every frame it was given; anything left is released as it is */
    while (!st->held.empty ()) {
      gst_emotion_extractor_queue (base, st->held.front ());
      st->held.pop_front ();
    }
    gst_emotion_extractor_push_event (base, end);
  }
}

/* Drops the held frames and the open own segments without output (flush, stop). */
static void
void_own_segments (LldExtractState * st)
{
  std::vector < GstEvent * >voided;
  GstEvent *end = NULL;

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
}

/* --- streaming -------------------------------------------------------------------------- */

static void
restart_framing (LldExtractState * st)
{
  st->stream.reset ();
  st->frames = 0;
}

static GstBuffer *
make_frame (GstLldExtract * self, const float *features)
{
  GstEmotionExtractor *base = GST_EMOTION_EXTRACTOR (self);
  LldExtractState *st = self->state;
  GstBuffer *frame = gst_emotion_extractor_new_buffer (base);

  gst_buffer_fill (frame, 0, features, FRAME_BYTES);
  gst_emotion_extractor_stamp (base, frame, st->frames, 1);
  st->frames++;
  return frame;
}

static void
gst_lld_extract_process (GstEmotionExtractor * base, const float *samples, gsize count)
{
  GstLldExtract *self = GST_LLD_EXTRACT (base);
  LldExtractState *st = self->state;
  size_t frames, replaced;

  st->features.clear ();
  frames = st->stream.push (samples, count, st->features);
  replaced = emotion::gst::replace_nonfinite (st->features.data (), st->features.size (), 0.0f);
  for (size_t f = 0; f < frames; f++) {
    const float *values = st->features.data () + f * LLD_FEATURES;
    route_frame (self, make_frame (self, values), values[1]);
  }
  gst_emotion_extractor_report_nonfinite (base, st->stream.nonfinite_samples (), replaced,
      "feature values by 0");
}

/* End of a stream part: the own segments end; samples that do not complete a frame are
 * dropped. */
static void
gst_lld_extract_drain (GstEmotionExtractor * base)
{
  GstLldExtract *self = GST_LLD_EXTRACT (base);

  if (own_segmentation_active (self))
    close_own_segments (self);
  restart_framing (self->state);
}

static void
gst_lld_extract_flush (GstEmotionExtractor * base)
{
  LldExtractState *st = GST_LLD_EXTRACT (base)->state;

  void_own_segments (st);
  restart_framing (st);
}

static void
gst_lld_extract_stream_start (GstEmotionExtractor * base)
{
  LldExtractState *st = GST_LLD_EXTRACT (base)->state;

  if (st->windows)
    st->windows->start ();
  if (st->vad)
    st->vad->start ();
}

/* Upstream segments switch the own segmentation off; a start restarts the framing, so the
 * segment's frames start at its first sample. */
static void
gst_lld_extract_upstream_segment (GstEmotionExtractor * base, gboolean start, gboolean first)
{
  GstLldExtract *self = GST_LLD_EXTRACT (base);

  if (first && self->state->mode != GST_EMOTION_SEGMENTATION_NONE) {
    GST_INFO_OBJECT (self, "upstream segment events: own segmentation off");
    close_own_segments (self);
  }
  if (start) {
    gst_emotion_extractor_restart (base);
    restart_framing (self->state);
  }
}

static GstClockTime
gst_lld_extract_latency (GstEmotionExtractor * base)
{
  GstLldExtract *self = GST_LLD_EXTRACT (base);
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

/* --- state ------------------------------------------------------------------------------ */

static gboolean
gst_lld_extract_start (GstEmotionExtractor * base)
{
  GstLldExtract *self = GST_LLD_EXTRACT (base);
  LldExtractState *st;

  GST_OBJECT_LOCK (self);
  st = new LldExtractState (self->segmentation, self->window, self->hop);
  GST_OBJECT_UNLOCK (self);

  st->features.reserve ((size_t) (GST_EMOTION_EXTRACTOR_MAX_CHUNK / LLD_HOP + 1) * LLD_FEATURES);
  self->state = st;
  gst_lld_extract_stream_start (base);
  return TRUE;
}

static void
gst_lld_extract_stop (GstEmotionExtractor * base)
{
  GstLldExtract *self = GST_LLD_EXTRACT (base);
  LldExtractState *st = self->state;

  self->state = NULL;
  for (GstBuffer * frame:st->held)
    gst_buffer_unref (frame);
  delete st;
}
