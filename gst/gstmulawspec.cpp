/* GStreamer mulawspec: mu-law spectrogram segments of speech.
 *
 * This library is free software; you can redistribute it and/or modify it under the terms of
 * the GNU Library General Public License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-mulawspec
 * @title: mulawspec
 *
 * Cuts 16 kHz mono speech into the mu-law spectrogram segments of the attention-pooling CNN
 * (Interspeech 2018): 640-sample (40 ms) Hamming frames at a 160-sample (10 ms) hop, the
 * magnitudes of a 1600-point FFT for bins 0..399 (0..3990 Hz), segments of 200 frames (2 s),
 * each scaled to [-1, 1] by its own minimum and maximum and mu-law compressed (mu = 255). One
 * output buffer holds one segment, 400 rows (frequency bin) of 200 values (frames), row-major,
 * as NNStreamer tensor caps
 * `other/tensors,format=static,num_tensors=1,types=float32,dimensions=200:400,framerate=0/1`
 * (time innermost).
 *
 * Utterances: segment j of an utterance holds its frames [hop j, hop j + 200) (hop in frames,
 * #GstMulawSpec:hop); segments are pushed as soon as their frames exist. When the utterance
 * ends, the segments up to and including the first one that reaches its last frame are
 * completed with zero magnitudes (before scaling, so padded columns come out as -1): every
 * frame is in a segment, and an utterance shorter than 2 s gives exactly one segment; one
 * shorter than a frame (40 ms) gives none.
 *
 * An utterance is an upstream segment: `emotion-segment-start` begins one and
 * `emotion-segment-end` ends it, and both events are forwarded in order around the segment
 * buffers, so a classifier can average the segments of one utterance. Overlapping upstream
 * segments are not supported: every start begins a new utterance, every end finishes the
 * current one. Once upstream segment events have arrived, audio outside upstream segments makes
 * no output. Without upstream segment events the whole stream is one utterance, cut every
 * #GstMulawSpec:hop seconds.
 *
 * Discontinuities: a DISCONT buffer, GAP event, new segment or EOS finishes the current
 * utterance (its padded tail segments are pushed, nothing is dropped) and ends an open upstream
 * segment there (its later upstream end is dropped: a segment never spans a discontinuity);
 * audio after a discontinuity starts a new utterance, or, in a stream with upstream segments,
 * waits for the next segment start. A flush drops the utterance without output.
 *
 * Timestamps: the PTS of a segment is the time of its first frame, counted in samples from the
 * first buffer of the utterance (re-anchored on input timestamp gaps over 40 ms), its duration
 * the real frames it covers times 10 ms, offset its first frame and offset-end the first frame
 * plus its real frames (frames counted in the utterance).
 *
 * Non-finite input samples (NaN, Inf) are replaced by 0 and the output is always finite; the
 * element posts one warning per stream when that happens.
 *
 * Latency: one segment, 2.03 s (200 frames at a 10 ms hop, the last one 40 ms long).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! \
 *     mulawspec hop=0.4 ! fakesink
 * ]| Makes a 2 s mu-law spectrogram segment every 0.4 s.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmulawspec.h"

#include <gst/audio/audio.h>
#include <gst/emotion/emotion-events.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "audio-framing.h"
#include "dsp/lld.h"
#include "dsp/mulaw.h"
#include "elements.h"
#include "segmentation.h"
#include "tensor-caps.h"

GST_DEBUG_CATEGORY_STATIC (gst_mulaw_spec_debug);
#define GST_CAT_DEFAULT gst_mulaw_spec_debug

#define MULAW_RATE emotion::dsp::kSampleRate
#define MULAW_BINS emotion::dsp::kMulawBins
#define MULAW_FRAMES emotion::dsp::kMulawSegmentFrames
#define MULAW_HOP emotion::dsp::kMulawHop
#define SEGMENT_VALUES (MULAW_BINS * MULAW_FRAMES)
#define SEGMENT_BYTES (SEGMENT_VALUES * sizeof (float))
/* input is analysed in chunks of at most this many samples */
#define CHUNK_SAMPLES 16000

/* the window is the model's input size, 200 frames of 10 ms */
#define WINDOW_SECONDS (MULAW_FRAMES * (double) MULAW_HOP / MULAW_RATE)
#define DEFAULT_HOP 1.0
#define MIN_HOP 0.1
#define MAX_HOP WINDOW_SECONDS

enum
{
  PROP_0,
  PROP_WINDOW,
  PROP_HOP,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format = (string) F32LE, rate = (int) 16000, "
        "channels = (int) 1, layout = (string) interleaved"));

struct MulawSpecState
{
  explicit MulawSpecState (int hop_frames)
      : segmenter (MULAW_FRAMES, hop_frames), clock (MULAW_RATE) {}

  emotion::dsp::MulawSegmenter segmenter;
  emotion::gst::SampleClock clock;
  emotion::gst::UpstreamSegments upstream;
  emotion::dsp::MulawSegmenter::Callback emit;
  GstBufferPool *pool = nullptr;        /* output buffers, recycled */
  std::vector < float >scratch;         /* zeros for GAP buffers, aligned copies */
  std::vector < GstEvent * >events;

  uint64_t position = 0;        /* samples since the utterance (or stream part) started */
  bool cutting = true;          /* false: outside upstream segments, audio is not used */
  bool discont = true;          /* flag the next segment DISCONT */
  bool warned = false;          /* non-finite warning posted in this stream */
  uint64_t nonfinite_reported = 0;
  size_t nonfinite_values = 0;  /* non-finite output values replaced since the last check */
  GstFlowReturn flow = GST_FLOW_OK;
};

#define gst_mulaw_spec_parent_class parent_class
G_DEFINE_TYPE (GstMulawSpec, gst_mulaw_spec, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (mulawspec, "mulawspec", GST_RANK_NONE, GST_TYPE_MULAW_SPEC);

static void gst_mulaw_spec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_mulaw_spec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_mulaw_spec_change_state (GstElement * element,
    GstStateChange transition);
static GstFlowReturn gst_mulaw_spec_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer);
static gboolean gst_mulaw_spec_sink_event (GstPad * pad, GstObject * parent, GstEvent * event);
static gboolean gst_mulaw_spec_src_query (GstPad * pad, GstObject * parent, GstQuery * query);

static void
gst_mulaw_spec_class_init (GstMulawSpecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstCaps *src_caps;

  gobject_class->set_property = gst_mulaw_spec_set_property;
  gobject_class->get_property = gst_mulaw_spec_get_property;

  /**
   * GstMulawSpec:window:
   *
   * Length of a segment in seconds: always 2.0 (200 frames), the input size of the model, so
   * the property is read-only.
   */
  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_double ("window", "Window",
          "Segment length in seconds (fixed: the model's input is 200 frames of 10 ms)",
          WINDOW_SECONDS, WINDOW_SECONDS, WINDOW_SECONDS,
          (GParamFlags) (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

  /**
   * GstMulawSpec:hop:
   *
   * Distance between the starts of consecutive segments of an utterance in seconds, rounded to
   * 10 ms frames, from 0.1 to 2.0 (at most the window, so every frame lies in a segment).
   * Default: 1.0, the training setting of the paper; the paper uses 0.4 at inference. Read when
   * the element starts streaming.
   */
  g_object_class_install_property (gobject_class, PROP_HOP,
      g_param_spec_double ("hop", "Hop",
          "Distance between segment starts in seconds", MIN_HOP, MAX_HOP, DEFAULT_HOP,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY)));

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_mulaw_spec_change_state);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  src_caps = emotion::gst::tensor_caps_new ({MULAW_FRAMES, MULAW_BINS}, 0, 1);
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, src_caps));
  gst_caps_unref (src_caps);

  gst_element_class_set_static_metadata (element_class, "Mu-law spectrogram segments",
      "Filter/Analyzer/Audio",
      "Cuts 16 kHz speech into 2 s mu-law spectrogram segments (400 bins x 200 frames)",
      "gst-emotion developers");
  /* Shown by gst-inspect-1.0. */
  gst_element_class_add_static_metadata (element_class, "example-launch-line",
      "gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! mulawspec hop=0.4 ! fakesink");

  GST_DEBUG_CATEGORY_INIT (gst_mulaw_spec_debug, "mulawspec", 0,
      "mu-law spectrogram segments");
}

static void
gst_mulaw_spec_init (GstMulawSpec * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_mulaw_spec_chain));
  gst_pad_set_event_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_mulaw_spec_sink_event));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_template (gst_element_class_get_pad_template
      (GST_ELEMENT_GET_CLASS (self), "src"), "src");
  gst_pad_set_query_function (self->srcpad, GST_DEBUG_FUNCPTR (gst_mulaw_spec_src_query));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->hop = DEFAULT_HOP;
  self->state = NULL;
}

static void
gst_mulaw_spec_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstMulawSpec *self = GST_MULAW_SPEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
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
gst_mulaw_spec_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstMulawSpec *self = GST_MULAW_SPEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WINDOW:
      g_value_set_double (value, WINDOW_SECONDS);
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

/* --- output ----------------------------------------------------------------------------- */

static void
push_segment (GstMulawSpec * self, const emotion::dsp::MulawSegmenter::Segment & segment)
{
  MulawSpecState *st = self->state;
  GstBuffer *buffer;
  GstMapInfo map;
  GstFlowReturn ret;

  if (gst_buffer_pool_acquire_buffer (st->pool, &buffer, NULL) != GST_FLOW_OK)
    buffer = gst_buffer_new_allocate (NULL, SEGMENT_BYTES, NULL);
  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  st->nonfinite_values += emotion::gst::copy_finite (reinterpret_cast < float *>(map.data),
      segment.values, SEGMENT_VALUES, -1.0f);
  gst_buffer_unmap (buffer, &map);

  GST_BUFFER_PTS (buffer) = st->clock.time_at ((uint64_t) segment.first_frame * MULAW_HOP);
  GST_BUFFER_DURATION (buffer) = st->clock.duration ((uint64_t) segment.real_frames * MULAW_HOP);
  GST_BUFFER_OFFSET (buffer) = (guint64) segment.first_frame;
  GST_BUFFER_OFFSET_END (buffer) = (guint64) (segment.first_frame + segment.real_frames);
  if (st->discont) {
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
    st->discont = false;
  }
  GST_LOG_OBJECT (self, "segment %" G_GINT64_FORMAT ": %" GST_PTR_FORMAT, segment.index, buffer);

  ret = gst_pad_push (self->srcpad, buffer);
  if (ret != GST_FLOW_OK && st->flow == GST_FLOW_OK)
    st->flow = ret;
}

static void
output_events (GstMulawSpec * self, std::vector < GstEvent * >&events)
{
  for (GstEvent * event:events)
    gst_pad_push_event (self->srcpad, event);
  events.clear ();
}

static void
check_nonfinite (GstMulawSpec * self)
{
  MulawSpecState *st = self->state;
  uint64_t nonfinite = st->segmenter.nonfinite_samples ();

  if (nonfinite == st->nonfinite_reported && st->nonfinite_values == 0)
    return;
  if (!st->warned) {
    st->warned = true;
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("The audio contains NaN or infinite samples."),
        ("%" G_GUINT64_FORMAT " non-finite samples were replaced by 0 and %" G_GSIZE_FORMAT
            " non-finite output values by -1; further ones in this stream are not reported",
            nonfinite - st->nonfinite_reported, st->nonfinite_values));
  }
  st->nonfinite_reported = nonfinite;
  st->nonfinite_values = 0;
}

/* --- utterances ------------------------------------------------------------------------- */

/* Starts a new utterance at the current position (its sample 0), dropping unused audio. */
static void
restart_utterance (MulawSpecState * st)
{
  st->segmenter.reset ();
  st->clock.rebase (st->position);
  st->position = 0;
}

/* Ends the current utterance: pushes its padded tail segments. */
static void
finish_utterance (GstMulawSpec * self)
{
  MulawSpecState *st = self->state;

  if (st->cutting && st->position > 0)
    st->segmenter.finish (st->emit);
  check_nonfinite (self);
  restart_utterance (st);
}

/* End of a stream part (DISCONT, GAP event, new segment, EOS). */
static void
end_stream_part (GstMulawSpec * self)
{
  MulawSpecState *st = self->state;

  finish_utterance (self);
  st->upstream.close (st->events);
  output_events (self, st->events);
  st->cutting = !st->upstream.seen ();
  st->clock.reset ();
  st->discont = true;
}

static void
flush_state (GstMulawSpec * self)
{
  MulawSpecState *st = self->state;

  st->segmenter.reset ();
  st->upstream.flush ();
  st->cutting = !st->upstream.seen ();
  st->position = 0;
  st->clock.reset ();
  st->discont = true;
  st->flow = GST_FLOW_OK;
}

static void
upstream_segment_event (GstMulawSpec * self, GstEvent * event)
{
  MulawSpecState *st = self->state;
  gboolean start = gst_emotion_event_is_segment_start (event);

  if (!st->upstream.on_event (event)) {
    GST_DEBUG_OBJECT (self, "dropping the end of a segment already ended");
    gst_event_unref (event);
    return;
  }
  if (start) {
    /* audio before the first upstream segment was one utterance; audio between upstream
     * segments is dropped */
    if (st->cutting)
      finish_utterance (self);
    else
      restart_utterance (st);
    gst_pad_push_event (self->srcpad, event);
    st->cutting = true;
  } else {
    finish_utterance (self);
    st->cutting = false;
    gst_pad_push_event (self->srcpad, event);
  }
}

/* --- streaming -------------------------------------------------------------------------- */

static void
process_samples (GstMulawSpec * self, const float *samples, size_t count)
{
  MulawSpecState *st = self->state;

  while (count > 0) {
    size_t n = MIN (count, (size_t) CHUNK_SAMPLES);

    if (st->cutting)
      st->segmenter.push (samples, n, st->emit);
    st->position += n;
    samples += n;
    count -= n;
  }
  check_nonfinite (self);
  st->clock.discard_before (st->position > (uint64_t) MULAW_FRAMES * MULAW_HOP * 2 ?
      st->position - (uint64_t) MULAW_FRAMES * MULAW_HOP * 2 : 0);
}

static GstFlowReturn
gst_mulaw_spec_chain (GstPad * pad G_GNUC_UNUSED, GstObject * parent, GstBuffer * buffer)
{
  GstMulawSpec *self = GST_MULAW_SPEC (parent);
  MulawSpecState *st = self->state;
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
gst_mulaw_spec_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstMulawSpec *self = GST_MULAW_SPEC (parent);
  MulawSpecState *st = self->state;

  GST_LOG_OBJECT (self, "%" GST_PTR_FORMAT, event);
  if (st == NULL)
    return gst_pad_event_default (pad, parent, event);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ret;

      gst_event_parse_caps (event, &caps);
      ret = emotion::gst::accept_speech_caps (GST_ELEMENT (self), self->srcpad, caps,
          MULAW_RATE, emotion::gst::tensor_caps_new ({MULAW_FRAMES, MULAW_BINS}, 0, 1));
      gst_event_unref (event);
      return ret;
    }
    case GST_EVENT_STREAM_START:
      if (st->position > 0)
        end_stream_part (self);
      st->upstream.reset ();
      st->cutting = true;
      st->warned = false;
      return gst_pad_push_event (self->srcpad, event);
    case GST_EVENT_SEGMENT:
    case GST_EVENT_GAP:
      if (st->position > 0)
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
        upstream_segment_event (self, event);
        return TRUE;
      }
      return gst_pad_event_default (pad, parent, event);
    default:
      return gst_pad_event_default (pad, parent, event);
  }
}

static gboolean
gst_mulaw_spec_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstMulawSpec *self = GST_MULAW_SPEC (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      gboolean live;
      GstClockTime min, max, ours;

      if (!gst_pad_peer_query (self->sinkpad, query))
        return FALSE;
      gst_query_parse_latency (query, &live, &min, &max);
      /* a segment goes out when the last sample of its last frame has arrived */
      ours = gst_util_uint64_scale_int ((MULAW_FRAMES - 1) * MULAW_HOP +
          emotion::dsp::kMulawFrame, GST_SECOND, MULAW_RATE);
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
gst_mulaw_spec_start (GstMulawSpec * self)
{
  MulawSpecState *st;
  GstStructure *config;
  GstCaps *caps;
  double hop;

  GST_OBJECT_LOCK (self);
  hop = self->hop;
  GST_OBJECT_UNLOCK (self);

  st = new MulawSpecState ((int) emotion::gst::seconds_to_frames (hop));
  st->emit = [self](const emotion::dsp::MulawSegmenter::Segment & segment) {
    push_segment (self, segment);
  };

  st->pool = gst_buffer_pool_new ();
  config = gst_buffer_pool_get_config (st->pool);
  caps = emotion::gst::tensor_caps_new ({MULAW_FRAMES, MULAW_BINS}, 0, 1);
  gst_buffer_pool_config_set_params (config, caps, SEGMENT_BYTES, 2, 0);
  gst_caps_unref (caps);
  if (!gst_buffer_pool_set_config (st->pool, config)
      || !gst_buffer_pool_set_active (st->pool, TRUE)) {
    gst_object_unref (st->pool);
    delete st;
    GST_ELEMENT_ERROR (self, RESOURCE, FAILED, (NULL), ("Could not set up a buffer pool"));
    return FALSE;
  }
  self->state = st;
  return TRUE;
}

static void
gst_mulaw_spec_stop (GstMulawSpec * self)
{
  MulawSpecState *st = self->state;

  if (st == NULL)
    return;
  self->state = NULL;
  gst_buffer_pool_set_active (st->pool, FALSE);
  gst_object_unref (st->pool);
  delete st;
}

static GstStateChangeReturn
gst_mulaw_spec_change_state (GstElement * element, GstStateChange transition)
{
  GstMulawSpec *self = GST_MULAW_SPEC (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !gst_mulaw_spec_start (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY
      || (transition == GST_STATE_CHANGE_READY_TO_PAUSED && ret == GST_STATE_CHANGE_FAILURE))
    gst_mulaw_spec_stop (self);
  return ret;
}
