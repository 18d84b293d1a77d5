/* GstEmotionClassifier: see the header. Frames are kept only while a segment (or fallback window)
 * needs them, and a segment longer than max-duration is classified in parts, so memory stays
 * bounded on endless live streams. */
#include "gstemotionclassifier.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gst/emotion/emotion.h>

#include "architecture-caps.h"
#include "classifier-state.h"
#include "emotion-tags.h"
#include "classifier-model.h"
#include "models/classifier.h"
#include "tensor-caps.h"
#include "training-properties.h"

GST_DEBUG_CATEGORY (emotion_classifier_debug);
#define GST_CAT_DEFAULT emotion_classifier_debug

#define DEFAULT_MODEL NULL
#define DEFAULT_THREADS 1
#define DEFAULT_MODE GST_EMOTION_CLASSIFIER_MODE_INFER
#define DEFAULT_WINDOW 3.0
#define DEFAULT_HOP 3.0
#define DEFAULT_MAX_DURATION 30.0

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_THREADS,
  PROP_MODE,
  PROP_WINDOW,
  PROP_HOP,
  PROP_MAX_DURATION,
  PROP_TRAINING_FIRST,        /* training-properties.h: the mode=train ones */
};

GType
gst_emotion_classifier_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_EMOTION_CLASSIFIER_MODE_INFER, "Classify segments with the model", "infer"},
    {GST_EMOTION_CLASSIFIER_MODE_TRAIN, "Learn from labelled segments (emodatasetsrc) and "
          "write the best model to model-location", "train"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstEmotionClassifierMode", values));
  return type;
}

GType
gst_emotion_optimizer_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_EMOTION_OPTIMIZER_DEFAULT, "The architecture's published optimiser", "default"},
    {GST_EMOTION_OPTIMIZER_ADAM, "Adam", "adam"},
    {GST_EMOTION_OPTIMIZER_SGD, "SGD with momentum (Nesterov for apcnn)", "sgd"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstEmotionOptimizer", values));
  return type;
}

GType
gst_emotion_schedule_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_EMOTION_SCHEDULE_DEFAULT, "The architecture's published schedule", "default"},
    {GST_EMOTION_SCHEDULE_NONE, "Constant learning rate", "none"},
    {GST_EMOTION_SCHEDULE_COSINE, "Cosine annealing over the epochs", "cosine"},
    {GST_EMOTION_SCHEDULE_MULTISTEP, "x0.1 at epochs 21, 31, 41", "multistep"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstEmotionSchedule", values));
  return type;
}

using namespace emotion::gst;

#define gst_emotion_classifier_parent_class parent_class
G_DEFINE_ABSTRACT_TYPE (GstEmotionClassifier, gst_emotion_classifier, GST_TYPE_ELEMENT);

static void gst_emotion_classifier_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_emotion_classifier_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_emotion_classifier_finalize (GObject * object);
static void gst_emotion_classifier_constructed (GObject * object);
static GstStateChangeReturn gst_emotion_classifier_change_state (GstElement * element,
    GstStateChange transition);
static GstFlowReturn gst_emotion_classifier_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buffer);
static gboolean gst_emotion_classifier_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static gboolean gst_emotion_classifier_sink_query (GstPad * pad, GstObject * parent,
    GstQuery * query);
static gboolean gst_emotion_classifier_src_query (GstPad * pad, GstObject * parent,
    GstQuery * query);

static void
gst_emotion_classifier_class_init (GstEmotionClassifierClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (emotion_classifier_debug, "emotionclassifier", 0,
      "emotion classifier base");

  gobject_class->set_property = gst_emotion_classifier_set_property;
  gobject_class->get_property = gst_emotion_classifier_get_property;
  gobject_class->finalize = gst_emotion_classifier_finalize;
  gobject_class->constructed = gst_emotion_classifier_constructed;
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_emotion_classifier_change_state);

  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Path of the model file (safetensors). Default: the shipped model of this "
          "architecture, searched in $GST_EMOTION_MODEL_PATH, then the installed models folder",
          DEFAULT_MODEL,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_int ("threads", "Threads",
          "CPU threads the model may use for one segment", 1, 64, DEFAULT_THREADS,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "What to do with the segments",
          GST_TYPE_EMOTION_CLASSIFIER_MODE, DEFAULT_MODE,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_double ("window", "Window",
          "Length in seconds of the fixed windows classified when upstream sends no "
          "emotion-segment events (LLD input; mu-law input is already cut by mulawspec)",
          0.25, 60.0, DEFAULT_WINDOW,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_HOP,
      g_param_spec_double ("hop", "Hop",
          "Seconds between the starts of consecutive fallback windows", 0.1, 60.0, DEFAULT_HOP,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_MAX_DURATION,
      g_param_spec_double ("max-duration", "Maximum duration",
          "Longest span in seconds held for one result: a longer segment is classified in parts, "
          "so memory stays bounded on endless streams", 1.0, 3600.0, DEFAULT_MAX_DURATION,
          (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

  training_properties_install (gobject_class, PROP_TRAINING_FIRST);

  gst_type_mark_as_plugin_api (GST_TYPE_EMOTION_CLASSIFIER, (GstPluginAPIFlags) 0);
  gst_type_mark_as_plugin_api (GST_TYPE_EMOTION_OPTIMIZER, (GstPluginAPIFlags) 0);
  gst_type_mark_as_plugin_api (GST_TYPE_EMOTION_SCHEDULE, (GstPluginAPIFlags) 0);
  gst_type_mark_as_plugin_api (GST_TYPE_EMOTION_CLASSIFIER_MODE, (GstPluginAPIFlags) 0);
}

void
gst_emotion_classifier_class_set_architecture (GstEmotionClassifierClass * klass,
    const gchar * architecture)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  try {
    klass->architecture = &emotion::models::architecture_named (architecture);
  } catch (const std::exception &e) {
    g_error ("%s", e.what ());  /* a subclass names an architecture the registry lacks */
  }
  GstCaps *caps = architecture_sink_caps (*klass->architecture);
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);

  caps = gst_caps_from_string ("other/tensors,format=static,num_tensors=1,types=float32; "
      "text/x-raw,format=utf8");
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
  gst_caps_unref (caps);
}

static void
gst_emotion_classifier_init (GstEmotionClassifier * self)
{
  self->model_location = g_strdup (DEFAULT_MODEL);
  self->threads = DEFAULT_THREADS;
  self->mode = DEFAULT_MODE;
  self->window = DEFAULT_WINDOW;
  self->hop = DEFAULT_HOP;
  self->max_duration = DEFAULT_MAX_DURATION;
  self->training_properties = new TrainingProperties ();
  self->state = NULL;
}

/* The pads come from the subclass's templates, which instance init cannot see yet. */
static void
gst_emotion_classifier_constructed (GObject * object)
{
  GstEmotionClassifier *self = GST_EMOTION_CLASSIFIER (object);
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);

  G_OBJECT_CLASS (parent_class)->constructed (object);

  self->sinkpad = gst_pad_new_from_template (gst_element_class_get_pad_template (klass, "sink"),
      "sink");
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (gst_emotion_classifier_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_emotion_classifier_sink_event));
  gst_pad_set_query_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_emotion_classifier_sink_query));
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_template (gst_element_class_get_pad_template (klass, "src"),
      "src");
  gst_pad_set_query_function (self->srcpad, GST_DEBUG_FUNCPTR (gst_emotion_classifier_src_query));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

static void
gst_emotion_classifier_finalize (GObject * object)
{
  GstEmotionClassifier *self = GST_EMOTION_CLASSIFIER (object);

  delete self->state;
  g_free (self->model_location);
  delete self->training_properties;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_emotion_classifier_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstEmotionClassifier *self = GST_EMOTION_CLASSIFIER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_free (self->model_location);
      self->model_location = g_value_dup_string (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_int (value);
      break;
    case PROP_MODE:
      self->mode = (GstEmotionClassifierMode) g_value_get_enum (value);
      break;
    case PROP_WINDOW:
      self->window = g_value_get_double (value);
      break;
    case PROP_HOP:
      self->hop = g_value_get_double (value);
      break;
    case PROP_MAX_DURATION:
      self->max_duration = g_value_get_double (value);
      break;
    default:
      if (!training_properties_set (*self->training_properties, PROP_TRAINING_FIRST, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_emotion_classifier_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstEmotionClassifier *self = GST_EMOTION_CLASSIFIER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODEL:
      g_value_set_string (value, self->model_location);
      break;
    case PROP_THREADS:
      g_value_set_int (value, self->threads);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_WINDOW:
      g_value_set_double (value, self->window);
      break;
    case PROP_HOP:
      g_value_set_double (value, self->hop);
      break;
    case PROP_MAX_DURATION:
      g_value_set_double (value, self->max_duration);
      break;
    default:
      if (!training_properties_get (*self->training_properties, PROP_TRAINING_FIRST, prop_id, value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- model loading ---------------------------------------------------------------------- */

/* What the training code (classifier-training.h) uses of this element. */
static TrainingHost
training_host (GstEmotionClassifier * self, ClassifierState * state)
{
  TrainingHost host;
  host.element = GST_ELEMENT (self);
  host.architecture = state->architecture;
  host.threads = locked_value (GST_ELEMENT (self), &self->threads);
  host.use_model = [state] (const emotion::models::Classifier & c, const std::string & name) {
    state->results.set_model (c.info ().labels, name);
  };
  host.negotiate_output = [self, state] {
    return state->output_negotiated || classifier_negotiate_output (self);
  };
  return host;
}

/* Loads the model (infer: required; train: the optional starting point). */
static gboolean
gst_emotion_classifier_start (GstEmotionClassifier * self)
{
  const emotion::models::Architecture & architecture =
      *GST_EMOTION_CLASSIFIER_GET_CLASS (self)->architecture;

  GST_OBJECT_LOCK (self);
  std::string location = self->model_location ? self->model_location : "";
  const bool train = self->mode == GST_EMOTION_CLASSIFIER_MODE_TRAIN;
  const int threads = self->threads;
  const TrainingProperties properties = *self->training_properties;
  GST_OBJECT_UNLOCK (self);

  auto state = std::make_unique<ClassifierState> ();
  state->architecture = &architecture;
  state->lld = architecture.features.kind == emotion::models::FeatureKind::Lld;
  state->frame_size = architecture.item_size ();
  state->store = FrameStore (state->frame_size);

  if (train) {
    state->training = training_prepare (training_host (self, state.get ()), properties);
    if (!state->training)
      return FALSE;
  }
  /* infer: the model is required (default: the shipped one); train: an optional start. */
  if (!train || !location.empty ()) {
    std::string name;
    auto classifier = load_classifier (GST_ELEMENT (self), architecture, location, threads,
        &name);
    if (!classifier)
      return FALSE;
    if (state->training)
      training_start_from (*state->training, std::move (classifier));
    else
      state->set_classifier (std::move (classifier), name);
  }

  delete self->state;
  self->state = state.release ();
  return TRUE;
}

static GstStateChangeReturn
gst_emotion_classifier_change_state (GstElement * element, GstStateChange transition)
{
  GstEmotionClassifier *self = GST_EMOTION_CLASSIFIER (element);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !gst_emotion_classifier_start (self))
    return GST_STATE_CHANGE_FAILURE;

  GstStateChangeReturn ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    delete self->state;
    self->state = NULL;
  }
  return ret;
}

/* ---- results ---------------------------------------------------------------------------- */

static void
reset_stream (ClassifierState * state)
{
  state->store.reset ();
  state->open.clear ();
  state->windows.reset ();
}

gboolean
emotion::gst::classifier_negotiate_output (GstEmotionClassifier * self)
{
  ClassifierState *state = self->state;
  GstCaps *peer = gst_pad_peer_query_caps (self->srcpad, NULL);
  GstCaps *caps = state->results.choose_caps (GST_ELEMENT (self), peer);
  gst_caps_unref (peer);
  if (!caps)
    return FALSE;
  gboolean ok = gst_pad_set_caps (self->srcpad, caps);
  gst_caps_unref (caps);
  state->output_negotiated = ok;
  if (ok && state->segment_pending) {
    state->segment_pending = false;
    gst_pad_push_event (self->srcpad, gst_event_new_segment (&state->results.segment));
  }
  return ok;
}

static GstFlowReturn
publish (GstEmotionClassifier * self, const std::string & id, GstClockTime start,
    GstClockTime end, const std::vector<float> &scores, const std::string & true_emotion)
{
  ClassifierState *state = self->state;
  if (!state->output_negotiated && !classifier_negotiate_output (self))
    return GST_FLOW_NOT_NEGOTIATED;
  GstEvent *tag;
  GstBuffer *buffer = state->results.publish (GST_ELEMENT (self), id, start, end, scores,
      true_emotion, &tag);
  if (tag)
    gst_pad_push_event (self->srcpad, tag);
  return gst_pad_push (self->srcpad, buffer);
}

/* Classifies LLD frames [first, last) of the store. */
static GstFlowReturn
classify_frames (GstEmotionClassifier * self, const std::string & id, int64_t first,
    int64_t last, const std::string & true_emotion)
{
  ClassifierState *state = self->state;
  int count = (int) (last - first);
  if (count < state->classifier->min_frames ()) {
    if (!state->warned_short)
      GST_INFO_OBJECT (self, "segment %s has %d frames, fewer than the model needs (%d): "
          "no result", id.c_str (), count, state->classifier->min_frames ());
    state->warned_short = true;
    return GST_FLOW_OK;
  }
  std::vector<float> scores;
  GST_OBJECT_LOCK (self);
  state->classifier->set_threads (self->threads);
  GST_OBJECT_UNLOCK (self);
  try {
    scores = state->classifier->classify_frames (state->store.frame (first), count);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Classification failed."), ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  return publish (self, id, state->store.start_of (first), state->store.end_of (last), scores,
      true_emotion);
}

/* Drops frames no open segment or window needs any more. */
static void
trim_frames (ClassifierState * state)
{
  int64_t keep = state->store.next ();
  for (const auto &segment : state->open)
    keep = std::min (keep, segment.first_frame);
  if (!state->events_seen)
    keep = std::min (keep, state->windows.start);
  state->store.trim (keep);
}

static GstFlowReturn
classify_segment_mulaw (GstEmotionClassifier * self, OpenSegment & segment)
{
  ClassifierState *state = self->state;
  if (segment.mulaw.empty ())
    return GST_FLOW_OK;
  std::vector<const float *> parts;
  for (const auto &values : segment.mulaw)
    parts.push_back (values.data ());
  std::vector<float> scores;
  GST_OBJECT_LOCK (self);
  state->classifier->set_threads (self->threads);
  GST_OBJECT_UNLOCK (self);
  try {
    scores = state->classifier->classify_segments (parts);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Classification failed."), ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  GstFlowReturn ret = publish (self, segment.id, segment.start, segment.end, scores,
      segment.true_emotion);
  segment.mulaw.clear ();
  segment.start = GST_CLOCK_TIME_NONE;
  return ret;
}

/* mode=train: the open segment's frames (LLD: one example) or mu-law segments (one each). */
static LabelledSegment
labelled_segment (GstEmotionClassifier * self, OpenSegment & segment)
{
  ClassifierState *state = self->state;
  LabelledSegment labelled;
  labelled.id = segment.id;
  labelled.split = segment.split;
  labelled.true_emotion = segment.true_emotion;
  labelled.speaker = segment.speaker;
  labelled.gender = segment.gender;
  if (state->lld) {
    emotion::train::Example e;
    e.frames = (int) (state->store.next () - segment.first_frame);
    if (e.frames > 0) {
      const float *first = state->store.frame (segment.first_frame);
      e.features.assign (first, first + (size_t) e.frames * state->frame_size);
      labelled.parts.push_back (std::move (e));
    }
  } else {
    for (auto &values : segment.mulaw) {
      emotion::train::Example e;
      e.frames = 1;
      e.features = std::move (values);
      labelled.parts.push_back (std::move (e));
    }
  }
  return labelled;
}

/* Publishes an open segment (at its end event, at EOS, or in parts when it gets too long). */
static GstFlowReturn
finish_segment (GstEmotionClassifier * self, OpenSegment & segment, bool partial)
{
  ClassifierState *state = self->state;
  if (state->training) {
    GstFlowReturn ret = training_add (*state->training, labelled_segment (self, segment));
    segment.first_frame = state->store.next ();
    segment.mulaw.clear ();
    return ret;
  }
  std::string id = segment.id;
  if (partial || segment.parts > 0)
    id += "." + std::to_string (segment.parts);
  segment.parts++;
  if (!state->lld) {
    OpenSegment copy = segment;
    copy.id = id;
    GstFlowReturn ret = classify_segment_mulaw (self, copy);
    segment.mulaw.clear ();
    segment.start = GST_CLOCK_TIME_NONE;
    return ret;
  }
  GstFlowReturn ret = classify_frames (self, id, segment.first_frame, state->store.next (),
      segment.true_emotion);
  segment.first_frame = state->store.next ();
  return ret;
}

/* ---- input ------------------------------------------------------------------------------- */

static GstFlowReturn
run_fallback_windows (GstEmotionClassifier * self, bool at_eos)
{
  ClassifierState *state = self->state;
  GST_OBJECT_LOCK (self);
  int64_t window = (int64_t) (self->window * kLldFrameRate + 0.5);
  int64_t hop = std::max<int64_t> (1, (int64_t) (self->hop * kLldFrameRate + 0.5));
  GST_OBJECT_UNLOCK (self);

  GstFlowReturn ret = GST_FLOW_OK;
  std::string id;
  int64_t first, last;
  while (ret == GST_FLOW_OK && state->windows.next (state->store.next (), window, hop, at_eos,
          &id, &first, &last))
    ret = classify_frames (self, id, first, last, "");
  return ret;
}

static GstFlowReturn
gst_emotion_classifier_chain (GstPad * pad, GstObject * parent, GstBuffer * buffer)
{
  GstEmotionClassifier *self = GST_EMOTION_CLASSIFIER (parent);
  ClassifierState *state = self->state;
  GstFlowReturn ret = GST_FLOW_OK;
  (void) pad;

  if (!state) {
    gst_buffer_unref (buffer);
    return GST_FLOW_FLUSHING;
  }
  if (state->training && training_stopped (*state->training)) {
    /* Early stopping: tell the dataset source to end the stream. */
    gst_buffer_unref (buffer);
    return GST_FLOW_EOS;
  }
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    gst_buffer_unref (buffer);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Cannot read an input buffer."), (NULL));
    return GST_FLOW_ERROR;
  }
  const size_t frame_bytes = sizeof (float) * state->frame_size;
  if (map.size % frame_bytes != 0) {
    gst_buffer_unmap (buffer, &map);
    gst_buffer_unref (buffer);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Input buffer of %" G_GSIZE_FORMAT " bytes is not "
            "a whole number of %" G_GSIZE_FORMAT "-byte feature frames.", map.size,
            frame_bytes), (NULL));
    return GST_FLOW_ERROR;
  }
  const float *values = reinterpret_cast<const float *> (map.data);
  const size_t count = map.size / frame_bytes;
  GstClockTime pts = GST_BUFFER_PTS (buffer);
  GstClockTime duration = GST_BUFFER_DURATION (buffer);

  GST_OBJECT_LOCK (self);
  const int64_t max_frames = (int64_t) (self->max_duration * kLldFrameRate);
  const double max_duration = self->max_duration;
  GST_OBJECT_UNLOCK (self);

  if (state->lld) {
    state->store.append (values, count, pts, duration);
    gst_buffer_unmap (buffer, &map);
    gst_buffer_unref (buffer);
    if (!state->events_seen && !state->training) {
      ret = run_fallback_windows (self, false);
    } else {
      for (auto &segment : state->open)
        if (ret == GST_FLOW_OK && state->store.next () - segment.first_frame >= max_frames)
          ret = finish_segment (self, segment, true);
    }
    trim_frames (state);
    return ret;
  }

  /* mu-law segments: one utterance collects them; without segment events each stands alone. */
  for (size_t i = 0; i < count && ret == GST_FLOW_OK; ++i) {
    std::vector<float> segment_values (values + i * state->frame_size,
        values + (i + 1) * state->frame_size);
    GstClockTime end = GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (duration)
        ? pts + duration : GST_CLOCK_TIME_NONE;
    if (state->open.empty ()) {
      if (state->training)
        continue;               /* unlabelled audio between utterances teaches nothing */
      OpenSegment alone;
      alone.id = "s" + std::to_string (state->windows.count++);
      alone.start = pts;
      alone.end = end;
      alone.mulaw.push_back (std::move (segment_values));
      ret = classify_segment_mulaw (self, alone);
      continue;
    }
    for (auto &segment : state->open) {
      if (!GST_CLOCK_TIME_IS_VALID (segment.start))
        segment.start = pts;
      segment.end = end;
      segment.mulaw.push_back (segment_values);
      if (GST_CLOCK_TIME_IS_VALID (segment.start) && GST_CLOCK_TIME_IS_VALID (end)
          && end - segment.start > max_duration * GST_SECOND && ret == GST_FLOW_OK)
        ret = finish_segment (self, segment, true);
    }
  }
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
  return ret;
}

static gboolean
check_input_caps (GstEmotionClassifier * self, GstCaps * caps)
{
  ClassifierState *state = self->state;
  std::vector<int> dims;
  if (!state)
    return FALSE;
  const emotion::models::Architecture & architecture = *state->architecture;
  if (!emotion::gst::tensor_caps_parse (caps, &dims)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Input is not a single float32 tensor."),
        ("caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (!architecture_accepts_dimensions (architecture, dims)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Input features do not match the model: the stream has tensors of dimensions %s, "
            "model '%s' takes %s (%s).", dimensions_text (dims).c_str (),
            state->results.model_name ().empty ()? architecture.name.c_str () :
            state->results.model_name ().c_str (),
            dimensions_text (architecture.caps_dimensions).c_str (),
            architecture.features.describe ().c_str ()), (NULL));
    return FALSE;
  }
  return TRUE;
}

static gboolean
handle_segment_start (GstEmotionClassifier * self, GstEvent * event)
{
  ClassifierState *state = self->state;
  if (!state->events_seen) {
    /* Upstream segments take over: windows started before the first event are dropped. */
    state->events_seen = true;
    state->windows.start = state->store.next ();
  }
  OpenSegment segment = segment_from_event (event, state->store.next ());
  auto existing = std::find_if (state->open.begin (), state->open.end (),
      [&](const OpenSegment & s) { return s.id == segment.id; });
  if (existing != state->open.end ()) {
    GST_WARNING_OBJECT (self, "segment %s started twice; restarting it", segment.id.c_str ());
    *existing = segment;
  } else {
    state->open.push_back (segment);
  }
  return gst_pad_push_event (self->srcpad, event);
}

static gboolean
handle_segment_end (GstEmotionClassifier * self, GstEvent * event)
{
  ClassifierState *state = self->state;
  std::string id = gst_emotion_event_get_segment_id (event);
  auto it = std::find_if (state->open.begin (), state->open.end (),
      [&](const OpenSegment & s) { return s.id == id; });
  GstFlowReturn ret = GST_FLOW_OK;
  if (it == state->open.end ()) {
    GST_DEBUG_OBJECT (self, "end of unknown segment %s", id.c_str ());
  } else {
    ret = finish_segment (self, *it, false);
    state->open.erase (it);
    if (state->lld)
      trim_frames (state);
  }
  gboolean forwarded = gst_pad_push_event (self->srcpad, event);
  return ret == GST_FLOW_OK || ret == GST_FLOW_FLUSHING ? forwarded : FALSE;
}

static void
finish_stream (GstEmotionClassifier * self)
{
  ClassifierState *state = self->state;
  for (auto &segment : state->open)
    finish_segment (self, segment, false);
  state->open.clear ();
  if (state->training)
    training_finish (*state->training);
  else if (state->lld && !state->events_seen)
    run_fallback_windows (self, true);
}

static gboolean
gst_emotion_classifier_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstEmotionClassifier *self = GST_EMOTION_CLASSIFIER (parent);
  ClassifierState *state = self->state;

  if (!state)
    return gst_pad_event_default (pad, parent, event);

  if (gst_emotion_event_is_segment_start (event))
    return handle_segment_start (self, event);
  if (gst_emotion_event_is_segment_end (event))
    return handle_segment_end (self, event);
  if (state->training && gst_emotion_event_is_epoch_start (event)) {
    if (!training_epoch_start (*state->training, event)) {
      gst_event_unref (event);
      return FALSE;
    }
    return gst_pad_push_event (self->srcpad, event);
  }
  if (state->training && gst_emotion_event_is_epoch_end (event)) {
    training_epoch_end (*state->training);
    return gst_pad_push_event (self->srcpad, event);
  }

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      gboolean ok = check_input_caps (self, caps);
      gst_event_unref (event);
      /* Training from scratch has no model, so no output caps, until the first epoch. */
      if (!state->has_model ())
        return ok;
      return ok && (state->output_negotiated || classifier_negotiate_output (self));
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &state->results.segment);
      if (!state->output_negotiated) {
        /* Sticky order: the segment follows the caps, which wait for the model. */
        state->segment_pending = true;
        gst_event_unref (event);
        return TRUE;
      }
      break;
    case GST_EVENT_STREAM_START:
      reset_stream (state);
      state->events_seen = false;
      state->results.reset_dominant ();
      break;
    case GST_EVENT_FLUSH_STOP:
      /* A segment never spans a flush: what was collected is dropped. */
      reset_stream (state);
      break;
    case GST_EVENT_EOS:
      finish_stream (self);
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static gboolean
gst_emotion_classifier_sink_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  return gst_pad_query_default (pad, parent, query);
}

static gboolean
gst_emotion_classifier_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstEmotionClassifier *self = GST_EMOTION_CLASSIFIER (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      if (!gst_pad_peer_query (self->sinkpad, query))
        return FALSE;
      gboolean live;
      GstClockTime min, max;
      gst_query_parse_latency (query, &live, &min, &max);
      GST_OBJECT_LOCK (self);
      /* A result leaves when its segment ends: one window, at most max-duration. */
      GstClockTime window = (GstClockTime) (self->window * GST_SECOND);
      GstClockTime longest = (GstClockTime) (self->max_duration * GST_SECOND);
      GST_OBJECT_UNLOCK (self);
      min += window;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += longest;
      gst_query_set_latency (query, live, min, max);
      return TRUE;
    }
    case GST_QUERY_CAPS:{
      GstCaps *caps;
      if (self->state && self->state->has_model ()) {
        caps = self->state->results.all_caps ();
      } else {
        caps = gst_pad_get_pad_template_caps (pad);
      }
      GstCaps *filter;
      gst_query_parse_caps (query, &filter);
      if (filter) {
        GstCaps *filtered = gst_caps_intersect_full (filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref (caps);
        caps = filtered;
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}
