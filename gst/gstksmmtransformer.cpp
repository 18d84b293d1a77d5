/**
 * SECTION:element-ksmmtransformer
 * @title: ksmmtransformer
 *
 * Runs model M4 of MODELS.md (key-sparse multimodal transformer) on each audio segment together
 * with the words spoken in it. The `sink` pad takes the 36 LLD features of lldextract; the
 * request pad `text` takes `text/x-raw,format={utf8,pango-markup}`: subtitles through
 * `subparse`, the transcripts of `emodatasetsrc`'s `text` pad, or any speech-to-text element.
 *
 * Audio is the master stream. Segments come from emotion-segment-start/end events (lldextract
 * segmentation=vad, emodatasetsrc) or, when none arrive, fixed windows of `window` seconds
 * every `hop` seconds; a segment longer than `max-duration` is classified in parts. A segment's
 * text is every text buffer whose running time overlaps the segment's (a line across two
 * segments counts for both; a buffer without duration counts where it starts), in order, as
 * lower-cased words looked up in the model's vocabulary and cut to the model's text length
 * (20 words). Pango markup is stripped and its entities decoded; invalid UTF-8 is replaced
 * (one warning per stream); only the first 64 KiB of a line are read.
 *
 * A segment is classified once its text is known: when a text buffer (or GAP event) at or after
 * the segment's end has arrived, when the text stream has ended, or, in a live pipeline, when
 * `text-timeout` has passed. Without a `text` pad, after the text stream's EOS, and for
 * segments no text overlaps, the text is masked and the model decides on audio alone. The
 * reported latency is the audio window plus `text-timeout`.
 *
 * Results are those of the other classifiers: K posteriors as other/tensors with the segment's
 * PTS/duration and a GstEmotionMeta (or a line such as `angry 0.81` when downstream takes
 * text/x-raw), an element message `emotion` (fields `timestamp`, `stream-time`, `running-time`,
 * `duration`, `segment-id`, `label`, `confidence`, `labels`, `scores`, `model`, and
 * `true-emotion` when the segment event carried one) and a tag event with the dominant emotion.
 * Segment events are forwarded after the segment's result.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! lldextract segmentation=vad ! ksmmtransformer name=m ! emotionsink location=emotions.jsonl  filesrc location=talk.srt ! subparse ! m.text
 * ]|
 */
#include "gstksmmtransformer.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <gst/emotion/emotion.h>

#include "architecture-caps.h"
#include "classifier-model.h"
#include "classifier-results.h"
#include "classifier-training.h"
#include "frame-store.h"
#include "gstemotionclassifier.h"
#include "tensor-caps.h"
#include "models/ksmm_text.h"
#include "text-markup.h"
#include "text/vocabulary.h"

GST_DEBUG_CATEGORY_STATIC (ksmm_transformer_debug);
GST_DEBUG_CATEGORY_EXTERN (emotion_classifier_debug);     /* the shared helpers' */
#define GST_CAT_DEFAULT ksmm_transformer_debug

#define DEFAULT_MODEL NULL
#define DEFAULT_THREADS 1
#define DEFAULT_MODE GST_EMOTION_CLASSIFIER_MODE_INFER
#define DEFAULT_WINDOW 3.0
#define DEFAULT_HOP 3.0
#define DEFAULT_MAX_DURATION 30.0
#define DEFAULT_TEXT_TIMEOUT 1.0

/* Live pipelines: how often the element looks for audio while the text stream is silent, and
 * how soon again after it found some (its pad holds only a couple of buffers, so a backlog,
 * such as the one of the wait for the first timeout, drains by many quick looks). */
static const GstClockTime kLivePollInterval = 20 * GST_MSECOND;
static const GstClockTime kLiveDrainInterval = 1 * GST_MSECOND;

enum
{
  PROP_0,
  PROP_MODEL,
  PROP_THREADS,
  PROP_MODE,
  PROP_WINDOW,
  PROP_HOP,
  PROP_MAX_DURATION,
  PROP_TEXT_TIMEOUT,
  PROP_WORD_VECTORS,
  PROP_TRAINING_FIRST,          /* training-properties.h: the mode=train ones */
};

using namespace emotion::gst;

namespace {

/* One text buffer, by running time, as plain text (words are looked up when a segment uses
 * it: training from scratch has no vocabulary before its first epoch). */
struct TextLine
{
  GstClockTime start, end;
  std::string text;
};

/* What waits for its text: a segment to classify, or an event to forward behind it. */
struct Output
{
  GstEvent *event = NULL;
  std::string id, true_emotion, speaker, gender, split;
  std::vector<float> frames;
  int count = 0;
  GstClockTime pts = GST_CLOCK_TIME_NONE, end_pts = GST_CLOCK_TIME_NONE;
  GstClockTime rt_start = GST_CLOCK_TIME_NONE, rt_end = GST_CLOCK_TIME_NONE;
};

} // namespace

/* The architecture this element runs: named once, the rest comes from its descriptor. */
static const emotion::models::Architecture &
ksmm_architecture (void)
{
  static const emotion::models::Architecture & architecture =
      emotion::models::architecture_named ("ksmm");
  return architecture;
}

struct KsmmState
{
  std::unique_ptr<emotion::models::Classifier> classifier;
  std::unique_ptr<emotion::text::Vocabulary> vocabulary;
  size_t text_len = 20;
  ResultPublisher results;
  bool negotiated = false;

  FrameStore store {ksmm_architecture ().item_size ()};
  bool events_seen = false;
  std::vector<OpenSegment> open;
  FallbackWindows windows;
  bool warned_short = false;

  std::deque<Output> queue;
  std::deque<TextLine> lines;
  GstBuffer *held_text = NULL;  /* taken, but left on the text pad until the audio passes it */
  GstClockTime text_known = 0;  /* running time up to which the text stream is complete */
  GstClockTime audio_rt = 0;    /* running time of the audio consumed */
  GstClockTime text_timeout = 0;
  GstClockTime own_latency = 0; /* the latency this element adds (window + text-timeout) */
  GstClockTime poll_at = 0;     /* live: stream running time of the next look for audio */
  bool text_markup = false;
  bool warned_utf8 = false, warned_long = false;

  std::unique_ptr<TrainingState> training;      /* mode=train only */
  bool training_finished = false;

  void use_classifier (std::unique_ptr<emotion::models::Classifier> c, const std::string & name)
  {
    classifier = std::move (c);
    name_model (*classifier, name);
  }

  /* The words and output of `c` (the model to classify with, or the one being trained). */
  void name_model (const emotion::models::Classifier & c, const std::string & name)
  {
    const auto &info = c.info ();
    vocabulary = std::make_unique<emotion::text::Vocabulary> (info.vocabulary);
    text_len = (size_t) info.config.value ("text_len", 20);
    results.set_model (info.labels, name);
  }

  bool has_model () const
  {
    return classifier || (training && training_has_model (*training));
  }

  ~KsmmState ()
  {
    for (auto &item : queue)
      if (item.event)
        gst_event_unref (item.event);
    gst_clear_buffer (&held_text);
  }

  void reset_stream ()
  {
    store.reset ();
    open.clear ();
    windows.reset ();
    for (auto &item : queue)
      if (item.event)
        gst_event_unref (item.event);
    queue.clear ();
    lines.clear ();
    gst_clear_buffer (&held_text);
    text_known = 0;
    audio_rt = 0;
    poll_at = 0;
  }
};

struct _GstKsmmTransformer
{
  GstAggregator parent;

  GstAggregatorPad *audiopad;
  GstAggregatorPad *textpad;    /* request pad, NULL when not requested */

  /* settings, under the object lock */
  gchar *model_location;
  gint threads;
  GstEmotionClassifierMode mode;
  gdouble window;
  gdouble hop;
  gdouble max_duration;
  gdouble text_timeout;
  gchar *word_vectors;
  TrainingProperties *training_properties;

  /* processing state, created in start(), destroyed in stop() */
  KsmmState *state;
};

#define gst_ksmm_transformer_parent_class parent_class
G_DEFINE_TYPE (GstKsmmTransformer, gst_ksmm_transformer, GST_TYPE_AGGREGATOR);
GST_ELEMENT_REGISTER_DEFINE (ksmmtransformer, "ksmmtransformer", GST_RANK_NONE,
    GST_TYPE_KSMM_TRANSFORMER);

static GstStaticPadTemplate text_template = GST_STATIC_PAD_TEMPLATE ("text",
    GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("text/x-raw, format = (string) { utf8, pango-markup }"));

static void gst_ksmm_transformer_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_ksmm_transformer_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_ksmm_transformer_finalize (GObject * object);
static gboolean gst_ksmm_transformer_start (GstAggregator * agg);
static gboolean gst_ksmm_transformer_stop (GstAggregator * agg);
static GstFlowReturn gst_ksmm_transformer_flush (GstAggregator * agg);
static GstFlowReturn gst_ksmm_transformer_aggregate (GstAggregator * agg, gboolean timeout);
static GstClockTime gst_ksmm_transformer_get_next_time (GstAggregator * agg);
static gboolean gst_ksmm_transformer_sink_event (GstAggregator * agg, GstAggregatorPad * pad,
    GstEvent * event);
static gboolean gst_ksmm_transformer_negotiate (GstAggregator * agg);
static GstAggregatorPad *gst_ksmm_transformer_create_new_pad (GstAggregator * agg,
    GstPadTemplate * templ, const gchar * req_name, const GstCaps * caps);
static void gst_ksmm_transformer_release_pad (GstElement * element, GstPad * pad);
static gboolean gst_ksmm_transformer_src_query (GstAggregator * agg, GstQuery * query);

static void
gst_ksmm_transformer_class_init (GstKsmmTransformerClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAggregatorClass *agg_class = GST_AGGREGATOR_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (ksmm_transformer_debug, "ksmmtransformer", 0,
      "key-sparse multimodal transformer");
  GST_DEBUG_CATEGORY_INIT (emotion_classifier_debug, "emotionclassifier", 0,
      "emotion classifier base");

  gobject_class->set_property = gst_ksmm_transformer_set_property;
  gobject_class->get_property = gst_ksmm_transformer_get_property;
  gobject_class->finalize = gst_ksmm_transformer_finalize;
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_release_pad);
  agg_class->start = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_start);
  agg_class->stop = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_stop);
  agg_class->flush = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_flush);
  agg_class->aggregate = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_aggregate);
  agg_class->sink_event = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_sink_event);
  agg_class->negotiate = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_negotiate);
  agg_class->create_new_pad = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_create_new_pad);
  agg_class->src_query = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_src_query);
  agg_class->get_next_time = GST_DEBUG_FUNCPTR (gst_ksmm_transformer_get_next_time);

  const GParamFlags flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY);
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Path of the ksmm model file (safetensors, with its vocabulary). Default: the shipped "
          "model, searched in $GST_EMOTION_MODEL_PATH, then the installed models folder",
          DEFAULT_MODEL, flags));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_int ("threads", "Threads",
          "CPU threads the model may use for one segment", 1, 64, DEFAULT_THREADS, flags));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode", "What to do with the segments",
          GST_TYPE_EMOTION_CLASSIFIER_MODE, DEFAULT_MODE, flags));
  g_object_class_install_property (gobject_class, PROP_WINDOW,
      g_param_spec_double ("window", "Window",
          "Length in seconds of the fixed windows classified when upstream sends no "
          "emotion-segment events", 0.25, 60.0, DEFAULT_WINDOW, flags));
  g_object_class_install_property (gobject_class, PROP_HOP,
      g_param_spec_double ("hop", "Hop",
          "Seconds between the starts of consecutive fallback windows", 0.1, 60.0, DEFAULT_HOP,
          flags));
  g_object_class_install_property (gobject_class, PROP_MAX_DURATION,
      g_param_spec_double ("max-duration", "Maximum duration",
          "Longest span in seconds held for one result: a longer segment is classified in parts, "
          "so memory stays bounded on endless streams", 1.0, 3600.0, DEFAULT_MAX_DURATION,
          flags));
  g_object_class_install_property (gobject_class, PROP_TEXT_TIMEOUT,
      g_param_spec_double ("text-timeout", "Text timeout",
          "Live pipelines: seconds a segment waits after its end for late text (speech-to-text "
          "lags behind the audio) before it is classified with the text that has arrived; "
          "added to the reported latency", 0.0, 60.0, DEFAULT_TEXT_TIMEOUT, flags));
  g_object_class_install_property (gobject_class, PROP_WORD_VECTORS,
      g_param_spec_string ("word-vectors", "Word vectors",
          "mode=train, new model: the words and vectors of the text branch, an embedding table "
          "(emotion-embeddings) or a text branch pretrained on text alone (emotion-pretrain-text, "
          "whose weights then start the text branch)", NULL, flags));
  training_properties_install (gobject_class, PROP_TRAINING_FIRST);

  GstCaps *caps = architecture_sink_caps (ksmm_architecture ());
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new_with_gtype ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps,
          GST_TYPE_AGGREGATOR_PAD));
  gst_caps_unref (caps);
  gst_element_class_add_static_pad_template_with_gtype (element_class, &text_template,
      GST_TYPE_AGGREGATOR_PAD);
  caps = gst_caps_from_string ("other/tensors,format=static,num_tensors=1,types=float32; "
      "text/x-raw,format=utf8");
  gst_element_class_add_pad_template (element_class,
      gst_pad_template_new_with_gtype ("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps,
          GST_TYPE_AGGREGATOR_PAD));
  gst_caps_unref (caps);

  gst_element_class_set_static_metadata (element_class,
      "Key-sparse multimodal transformer emotion classifier", "Filter/Analyzer/Audio",
      "Classifies speech emotion from LLD features and the aligned text (subtitles, "
      "transcripts) with the key-sparse multimodal transformer (Chen et al., ICASSP 2022)",
      "gst-emotion developers");
  /* Shown by gst-inspect-1.0. */
  gst_element_class_add_static_metadata (element_class, "example-launch-line",
      "gst-launch-1.0 filesrc location=talk.wav ! decodebin ! audioconvert ! audioresample ! "
      "lldextract segmentation=vad ! ksmmtransformer name=m ! emotionsink "
      "location=emotions.jsonl  filesrc location=talk.srt ! subparse ! m.text");
}

static void
gst_ksmm_transformer_init (GstKsmmTransformer * self)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  self->model_location = g_strdup (DEFAULT_MODEL);
  self->threads = DEFAULT_THREADS;
  self->mode = DEFAULT_MODE;
  self->window = DEFAULT_WINDOW;
  self->hop = DEFAULT_HOP;
  self->max_duration = DEFAULT_MAX_DURATION;
  self->text_timeout = DEFAULT_TEXT_TIMEOUT;
  self->word_vectors = NULL;
  self->training_properties = new TrainingProperties ();
  self->state = NULL;
  self->textpad = NULL;

  GstPadTemplate *templ = gst_element_class_get_pad_template (klass, "sink");
  self->audiopad = GST_AGGREGATOR_PAD (g_object_new (GST_TYPE_AGGREGATOR_PAD, "name", "sink",
          "direction", GST_PAD_SINK, "template", templ, NULL));
  gst_element_add_pad (GST_ELEMENT (self), GST_PAD (self->audiopad));
}

static void
gst_ksmm_transformer_finalize (GObject * object)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (object);
  delete self->state;
  g_free (self->model_location);
  g_free (self->word_vectors);
  delete self->training_properties;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_ksmm_transformer_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (object);
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
    case PROP_TEXT_TIMEOUT:
      self->text_timeout = g_value_get_double (value);
      break;
    case PROP_WORD_VECTORS:
      g_free (self->word_vectors);
      self->word_vectors = g_value_dup_string (value);
      break;
    default:
      if (!training_properties_set (*self->training_properties, PROP_TRAINING_FIRST, prop_id,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_ksmm_transformer_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (object);
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
    case PROP_TEXT_TIMEOUT:
      g_value_set_double (value, self->text_timeout);
      break;
    case PROP_WORD_VECTORS:
      g_value_set_string (value, self->word_vectors);
      break;
    default:
      if (!training_properties_get (*self->training_properties, PROP_TRAINING_FIRST, prop_id,
              value))
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- pads ------------------------------------------------------------------------------- */

/* One `text` pad at most: the words of a segment come from one stream. */
static GstAggregatorPad *
gst_ksmm_transformer_create_new_pad (GstAggregator * agg, GstPadTemplate * templ,
    const gchar * req_name, const GstCaps * caps)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (agg);
  (void) req_name;
  (void) caps;
  GST_OBJECT_LOCK (self);
  if (self->textpad) {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "ksmmtransformer has one text pad; it is already requested");
    return NULL;
  }
  self->textpad = GST_AGGREGATOR_PAD (g_object_new (GST_TYPE_AGGREGATOR_PAD, "name", "text",
          "direction", GST_PAD_SINK, "template", templ, NULL));
  GST_OBJECT_UNLOCK (self);
  return self->textpad;
}

static void
gst_ksmm_transformer_release_pad (GstElement * element, GstPad * pad)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (element);
  GST_OBJECT_LOCK (self);
  if (GST_PAD (self->textpad) == pad)
    self->textpad = NULL;
  GST_OBJECT_UNLOCK (self);
  GST_ELEMENT_CLASS (parent_class)->release_pad (element, pad);
}

/* The text pad, with a reference, or NULL. */
static GstAggregatorPad *
text_pad (GstKsmmTransformer * self)
{
  GST_OBJECT_LOCK (self);
  GstAggregatorPad *pad = self->textpad ? GST_AGGREGATOR_PAD (gst_object_ref (self->textpad)) :
      NULL;
  GST_OBJECT_UNLOCK (self);
  return pad;
}

/* ---- start / stop ----------------------------------------------------------------------- */

static gboolean gst_ksmm_transformer_negotiate (GstAggregator * agg);

/* What the training code (classifier-training.h) uses of this element. A new model gets its
 * vocabulary and word vectors (and a pretrained text branch) from `word_vectors`. */
static TrainingHost
training_host (GstKsmmTransformer * self, KsmmState * state, const std::string & word_vectors)
{
  TrainingHost host;
  host.element = GST_ELEMENT (self);
  host.architecture = &ksmm_architecture ();
  host.threads = locked_value (GST_ELEMENT (self), &self->threads);
  host.use_model = [state] (const emotion::models::Classifier & c, const std::string & name) {
    state->name_model (c, name);
  };
  host.create_model = [word_vectors] (emotion::nn::Context & context,
      const nlohmann::json & config, emotion::nn::Rng & rng, emotion::models::ModelInfo & info) {
    return emotion::models::create_ksmm_model (context, config, word_vectors, rng, info);
  };
  host.negotiate_output = [self, state] {
    return state->negotiated || gst_ksmm_transformer_negotiate (GST_AGGREGATOR (self));
  };
  return host;
}

static gboolean
gst_ksmm_transformer_start (GstAggregator * agg)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (agg);

  GST_OBJECT_LOCK (self);
  std::string location = self->model_location ? self->model_location : "";
  const bool train = self->mode == GST_EMOTION_CLASSIFIER_MODE_TRAIN;
  const int threads = self->threads;
  const double window = self->window, longest = self->max_duration;
  const double text_timeout = self->text_timeout;
  const std::string word_vectors = self->word_vectors ? self->word_vectors : "";
  const TrainingProperties properties = *self->training_properties;
  GST_OBJECT_UNLOCK (self);

  auto state = std::make_unique<KsmmState> ();
  if (train) {
    if (location.empty () && word_vectors.empty ()) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("mode=train needs 'word-vectors' (an "
              "embedding table or a pretrained text branch) for a new model, or a starting "
              "'model'."), ("make a table with emotion-embeddings"));
      return FALSE;
    }
    state->training = training_prepare (training_host (self, state.get (), word_vectors),
        properties);
    if (!state->training)
      return FALSE;
  }
  /* infer: the model is required (default: the shipped one); train: an optional start. */
  if (!train || !location.empty ()) {
    std::string name;
    auto classifier = load_classifier (GST_ELEMENT (self), ksmm_architecture (), location,
        threads, &name);
    if (!classifier)
      return FALSE;
    /* The loader has checked that the vocabulary has one word per embedding row. */
    try {
      if (state->training)
        training_start_from (*state->training, std::move (classifier));
      else
        state->use_classifier (std::move (classifier), name);
    } catch (const std::exception &e) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Model '%s' has no usable vocabulary.", name.c_str ()), ("%s", e.what ()));
      return FALSE;
    }
  }

  /* A result leaves when its segment ends (one window, at most max-duration), and waits up to
   * text-timeout for the segment's text. */
  state->text_timeout = (GstClockTime) (text_timeout * GST_SECOND);
  state->own_latency = (GstClockTime) ((window + text_timeout) * GST_SECOND);
  gst_aggregator_set_latency (agg, state->own_latency,
      (GstClockTime) ((longest + text_timeout) * GST_SECOND));

  delete self->state;
  self->state = state.release ();
  return TRUE;
}

static gboolean
gst_ksmm_transformer_stop (GstAggregator * agg)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (agg);
  delete self->state;
  self->state = NULL;
  return TRUE;
}

/* A segment never spans a flush: what was collected is dropped. */
static GstFlowReturn
gst_ksmm_transformer_flush (GstAggregator * agg)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (agg);
  if (self->state)
    self->state->reset_stream ();
  return GST_FLOW_OK;
}

/* ---- output ----------------------------------------------------------------------------- */

static gboolean
gst_ksmm_transformer_negotiate (GstAggregator * agg)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (agg);
  KsmmState *state = self->state;
  if (!state)
    return FALSE;
  GstCaps *peer = gst_pad_peer_query_caps (agg->srcpad, NULL);
  GstCaps *caps = state->results.choose_caps (GST_ELEMENT (self), peer);
  gst_caps_unref (peer);
  if (!caps)
    return FALSE;
  gst_aggregator_set_src_caps (agg, caps);
  gst_caps_unref (caps);
  state->negotiated = true;
  return TRUE;
}

static gboolean
gst_ksmm_transformer_src_query (GstAggregator * agg, GstQuery * query)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (agg);
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS && self->state) {
    GstCaps *caps = self->state->results.all_caps ();
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
  return GST_AGGREGATOR_CLASS (parent_class)->src_query (agg, query);
}

static GstClockTime
audio_running_time (GstKsmmTransformer * self, GstClockTime pts)
{
  GST_OBJECT_LOCK (self->audiopad);
  GstClockTime rt = gst_segment_to_running_time (&self->audiopad->segment, GST_FORMAT_TIME, pts);
  GST_OBJECT_UNLOCK (self->audiopad);
  return rt;
}

/* Queues the frames [first, last) of the store as one segment to classify (or to learn from:
 * `segment` gives the labels of an emotion-segment, NULL for a fallback window). */
static void
queue_span (GstKsmmTransformer * self, const std::string & id, int64_t first, int64_t last,
    const OpenSegment * segment)
{
  KsmmState *state = self->state;
  if (last <= first) {
    if (!state->warned_short)
      GST_INFO_OBJECT (self, "segment %s has no frames: no result", id.c_str ());
    state->warned_short = true;
    return;
  }
  Output out;
  out.id = id;
  if (segment) {
    out.true_emotion = segment->true_emotion;
    out.speaker = segment->speaker;
    out.gender = segment->gender;
    out.split = segment->split;
  }
  out.count = (int) (last - first);
  out.frames.assign (state->store.frame (first), state->store.frame (first) +
      (size_t) out.count * state->store.frame_size ());
  out.pts = state->store.start_of (first);
  out.end_pts = state->store.end_of (last);
  out.rt_start = audio_running_time (self, out.pts);
  out.rt_end = audio_running_time (self, out.end_pts);
  state->queue.push_back (std::move (out));
}

static void
queue_event (KsmmState * state, GstEvent * event)
{
  Output out;
  out.event = event;
  state->queue.push_back (std::move (out));
}

/* The word ids of the text overlapping [start, end) (running time), in order, cut to the
 * model's text length. */
static std::vector<int>
segment_words (KsmmState * state, GstClockTime start, GstClockTime end)
{
  std::vector<int> ids;
  if (!GST_CLOCK_TIME_IS_VALID (start) || !GST_CLOCK_TIME_IS_VALID (end))
    return ids;
  for (const auto &line : state->lines) {
    const bool overlaps = line.end > line.start ? line.start < end && line.end > start
        : line.start >= start && line.start < end;
    if (!overlaps)
      continue;
    for (int id : state->vocabulary->ids (line.text, state->text_len)) {
      if (ids.size () >= state->text_len)
        return ids;
      ids.push_back (id);
    }
  }
  return ids;
}

/* mode=train: the segment and its words as an example. */
static GstFlowReturn
learn (GstKsmmTransformer * self, Output & out)
{
  KsmmState *state = self->state;
  LabelledSegment labelled;
  labelled.id = out.id;
  labelled.split = out.split;
  labelled.true_emotion = out.true_emotion;
  labelled.speaker = out.speaker;
  labelled.gender = out.gender;
  emotion::train::Example e;
  e.frames = out.count;
  e.features = std::move (out.frames);
  if (state->vocabulary)
    e.tokens = segment_words (state, out.rt_start, out.rt_end);
  labelled.parts.push_back (std::move (e));
  return training_add (*state->training, std::move (labelled));
}

/* mode=train: epoch events drive the training; they are forwarded either way. */
static GstFlowReturn
push_event (GstKsmmTransformer * self, GstEvent * event)
{
  KsmmState *state = self->state;
  if (state->training && gst_emotion_event_is_epoch_start (event)
      && !training_epoch_start (*state->training, event)) {
    gst_event_unref (event);
    return GST_FLOW_ERROR;
  }
  if (state->training && gst_emotion_event_is_epoch_end (event))
    training_epoch_end (*state->training);
  gst_pad_push_event (GST_AGGREGATOR (self)->srcpad, event);
  return GST_FLOW_OK;
}

static GstFlowReturn
publish (GstKsmmTransformer * self, Output & out)
{
  KsmmState *state = self->state;
  if (state->training)
    return learn (self, out);
  std::vector<int> ids = segment_words (state, out.rt_start, out.rt_end);
  std::vector<float> scores;
  GST_OBJECT_LOCK (self);
  state->classifier->set_threads (self->threads);
  GST_OBJECT_UNLOCK (self);
  try {
    scores = state->classifier->classify_multimodal (out.frames.data (), out.count, ids);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Classification failed."), ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  GST_DEBUG_OBJECT (self, "segment %s: %zu words", out.id.c_str (), ids.size ());
  GstEvent *tag;
  GstBuffer *buffer = state->results.publish (GST_ELEMENT (self), out.id, out.pts, out.end_pts,
      scores, out.true_emotion, &tag);
  GstFlowReturn ret = gst_aggregator_finish_buffer (GST_AGGREGATOR (self), buffer);
  if (tag)
    gst_pad_push_event (GST_AGGREGATOR (self)->srcpad, tag);
  return ret;
}

/* The earliest running time a queued or still open segment may need text from. */
static GstClockTime
oldest_needed (GstKsmmTransformer * self)
{
  KsmmState *state = self->state;
  GstClockTime oldest = state->audio_rt;
  for (const auto &out : state->queue)
    if (!out.event && GST_CLOCK_TIME_IS_VALID (out.rt_start))
      oldest = std::min (oldest, out.rt_start);
  int64_t first = state->store.next ();
  for (const auto &segment : state->open)
    first = std::min (first, segment.first_frame);
  if (!state->events_seen)
    first = std::min (first, state->windows.start);
  if (first < state->store.next ()) {
    GstClockTime rt = audio_running_time (self, state->store.start_of (first));
    if (GST_CLOCK_TIME_IS_VALID (rt))
      oldest = std::min (oldest, rt);
  }
  return oldest;
}

/* Live pipelines: the running time up to which all input should have arrived by now (the clock
 * less the upstream latency); GST_CLOCK_TIME_NONE when the pipeline is not live. */
static GstClockTime
live_position (GstKsmmTransformer * self)
{
  const GstClockTime latency = gst_aggregator_get_latency (GST_AGGREGATOR (self));
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!GST_CLOCK_TIME_IS_VALID (latency) || !clock) {
    if (clock)
      gst_object_unref (clock);
    return GST_CLOCK_TIME_NONE;
  }
  const GstClockTime now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  const GstClockTime upstream = latency - std::min (latency, self->state->own_latency);
  const GstClockTime arrived = gst_element_get_base_time (GST_ELEMENT (self)) + upstream;
  return now > arrived ? now - arrived : 0;
}

/* Publishes the queued segments whose text is complete, and the events behind them. A live
 * segment waits at most text-timeout after its end. */
static GstFlowReturn
flush_ready (GstKsmmTransformer * self, bool text_done)
{
  KsmmState *state = self->state;
  const GstClockTime now = live_position (self);
  GstFlowReturn ret = GST_FLOW_OK;
  while (ret == GST_FLOW_OK && !state->queue.empty ()) {
    Output &out = state->queue.front ();
    if (out.event) {
      GstEvent *event = out.event;
      out.event = NULL;
      ret = push_event (self, event);
    } else {
      const bool ready = text_done || !GST_CLOCK_TIME_IS_VALID (out.rt_end)
          || out.rt_end <= state->text_known
          || (GST_CLOCK_TIME_IS_VALID (now) && out.rt_end + state->text_timeout <= now);
      if (!ready)
        break;
      ret = publish (self, out);
    }
    state->queue.pop_front ();
  }
  /* Lines that end before everything still waiting are no longer needed. */
  const GstClockTime oldest = oldest_needed (self);
  while (!state->lines.empty () && (state->lines.front ().end < oldest
          || (state->lines.front ().end == oldest
              && state->lines.front ().end > state->lines.front ().start)))
    state->lines.pop_front ();
  return ret;
}

/* ---- input ------------------------------------------------------------------------------ */

static void
run_fallback_windows (GstKsmmTransformer * self, bool at_eos)
{
  KsmmState *state = self->state;
  GST_OBJECT_LOCK (self);
  int64_t window = (int64_t) (self->window * kLldFrameRate + 0.5);
  int64_t hop = std::max<int64_t> (1, (int64_t) (self->hop * kLldFrameRate + 0.5));
  GST_OBJECT_UNLOCK (self);
  std::string id;
  int64_t first, last;
  while (state->windows.next (state->store.next (), window, hop, at_eos, &id, &first, &last))
    queue_span (self, id, first, last, NULL);
}

/* A segment at its end event, at EOS, or in parts when it gets too long. */
static void
finish_segment (GstKsmmTransformer * self, OpenSegment & segment, bool partial)
{
  KsmmState *state = self->state;
  std::string id = segment.id;
  if (partial || segment.parts > 0)
    id += "." + std::to_string (segment.parts);
  segment.parts++;
  queue_span (self, id, segment.first_frame, state->store.next (), &segment);
  segment.first_frame = state->store.next ();
}

static void
trim_frames (KsmmState * state)
{
  int64_t keep = state->store.next ();
  for (const auto &segment : state->open)
    keep = std::min (keep, segment.first_frame);
  if (!state->events_seen)
    keep = std::min (keep, state->windows.start);
  state->store.trim (keep);
}

static GstFlowReturn
take_audio (GstKsmmTransformer * self, GstBuffer * buffer)
{
  KsmmState *state = self->state;
  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Cannot read an input buffer."), (NULL));
    return GST_FLOW_ERROR;
  }
  const size_t frame_bytes = sizeof (float) * state->store.frame_size ();
  if (map.size % frame_bytes != 0) {
    gst_buffer_unmap (buffer, &map);
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("Input buffer of %" G_GSIZE_FORMAT " bytes is not "
            "a whole number of %" G_GSIZE_FORMAT "-byte feature frames.", map.size,
            frame_bytes), (NULL));
    return GST_FLOW_ERROR;
  }
  const size_t count = map.size / frame_bytes;
  GstClockTime pts = GST_BUFFER_PTS (buffer), duration = GST_BUFFER_DURATION (buffer);
  state->store.append (reinterpret_cast<const float *> (map.data), count, pts, duration);
  gst_buffer_unmap (buffer, &map);

  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTime end = pts + (GST_CLOCK_TIME_IS_VALID (duration) ? duration : 0);
    GstClockTime rt = audio_running_time (self, end);
    if (GST_CLOCK_TIME_IS_VALID (rt))
      state->audio_rt = std::max (state->audio_rt, rt);
    GST_OBJECT_LOCK (self);
    GST_AGGREGATOR_PAD (GST_AGGREGATOR (self)->srcpad)->segment.position = end;
    GST_OBJECT_UNLOCK (self);
  }

  GST_OBJECT_LOCK (self);
  const int64_t max_frames = (int64_t) (self->max_duration * kLldFrameRate);
  GST_OBJECT_UNLOCK (self);
  if (!state->events_seen) {
    run_fallback_windows (self, false);
  } else {
    for (auto &segment : state->open)
      if (state->store.next () - segment.first_frame >= max_frames)
        finish_segment (self, segment, true);
  }
  trim_frames (state);
  return GST_FLOW_OK;
}

/* One text buffer (or GAP buffer) of the text pad. */
static void
take_text (GstKsmmTransformer * self, GstAggregatorPad * pad, GstBuffer * buffer)
{
  KsmmState *state = self->state;
  GstClockTime pts = GST_BUFFER_PTS (buffer), duration = GST_BUFFER_DURATION (buffer);
  GST_OBJECT_LOCK (pad);
  GstClockTime start = gst_segment_to_running_time (&pad->segment, GST_FORMAT_TIME, pts);
  GstClockTime end = GST_CLOCK_TIME_IS_VALID (duration) ?
      gst_segment_to_running_time (&pad->segment, GST_FORMAT_TIME, pts + duration) : start;
  GST_OBJECT_UNLOCK (pad);
  if (!GST_CLOCK_TIME_IS_VALID (start)) {
    GST_DEBUG_OBJECT (self, "text buffer without a running time (outside the segment): dropped");
    return;
  }
  if (!GST_CLOCK_TIME_IS_VALID (end) || end < start)
    end = start;
  /* Text arrives in order: nothing later starts before this one (or before a gap's end). */
  const bool gap = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_GAP)
      || gst_buffer_get_size (buffer) == 0;
  state->text_known = std::max (state->text_known, gap ? end : start);
  if (gap)
    return;

  GstMapInfo map;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  PlainText plain = plain_text ((const char *) map.data, map.size, state->text_markup);
  gst_buffer_unmap (buffer, &map);
  if (plain.repaired && !state->warned_utf8) {
    GST_ELEMENT_WARNING (self, STREAM, DECODE, ("The text stream is not valid UTF-8; "
            "invalid bytes were replaced."), ("first at %" GST_TIME_FORMAT,
            GST_TIME_ARGS (pts)));
    state->warned_utf8 = true;
  }
  if (plain.truncated && !state->warned_long) {
    GST_ELEMENT_WARNING (self, STREAM, FORMAT, ("A text line is longer than %zu bytes; only "
            "its start is read.", kMaxTextLineBytes), ("at %" GST_TIME_FORMAT,
            GST_TIME_ARGS (pts)));
    state->warned_long = true;
  }
  TextLine line;
  line.start = start;
  line.end = end;
  line.text = std::move (plain.text);
  GST_LOG_OBJECT (self, "text %" GST_TIME_FORMAT "-%" GST_TIME_FORMAT ": '%s'",
      GST_TIME_ARGS (start), GST_TIME_ARGS (end), line.text.c_str ());
  state->lines.push_back (std::move (line));
}

/* Takes the text that starts before the audio consumed so far (all of it once the audio has
 * ended); returns whether the text stream is complete (absent or at EOS). */
static bool
take_texts (GstKsmmTransformer * self, bool audio_eos)
{
  KsmmState *state = self->state;
  GstAggregatorPad *pad = text_pad (self);
  if (!pad)
    return true;
  GstBuffer *buffer;
  while ((buffer = gst_aggregator_pad_peek_buffer (pad)) != NULL) {
    GST_OBJECT_LOCK (pad);
    GstClockTime start = gst_segment_to_running_time (&pad->segment, GST_FORMAT_TIME,
        GST_BUFFER_PTS (buffer));
    GST_OBJECT_UNLOCK (pad);
    if (!audio_eos && GST_CLOCK_TIME_IS_VALID (start) && start > state->audio_rt) {
      /* Future text: it says the stream holds nothing else before its start. */
      state->text_known = std::max (state->text_known, start);
      gst_buffer_unref (buffer);
      break;
    }
    if (buffer != state->held_text)
      take_text (self, pad, buffer);
    /* A line stays on its pad until the audio has passed its end: the pad then has data, so
     * the aggregator goes on taking audio. A source that pushes each utterance's text and then
     * its audio from one thread (emodatasetsrc) cannot push the next line before that. */
    GST_OBJECT_LOCK (pad);
    GstClockTime end = GST_BUFFER_DURATION_IS_VALID (buffer) ?
        gst_segment_to_running_time (&pad->segment, GST_FORMAT_TIME,
        GST_BUFFER_PTS (buffer) + GST_BUFFER_DURATION (buffer)) : start;
    GST_OBJECT_UNLOCK (pad);
    if (!audio_eos && GST_CLOCK_TIME_IS_VALID (end) && end > state->audio_rt) {
      if (buffer != state->held_text)
        gst_buffer_replace (&state->held_text, buffer);
      gst_buffer_unref (buffer);
      break;
    }
    gst_clear_buffer (&state->held_text);
    gst_buffer_unref (buffer);
    gst_aggregator_pad_drop_buffer (pad);
  }
  const bool done = gst_aggregator_pad_is_eos (pad) && !gst_aggregator_pad_has_buffer (pad);
  gst_object_unref (pad);
  return done;
}

static void
finish_training (KsmmState * state)
{
  if (state->training && !state->training_finished)
    training_finish (*state->training);
  state->training_finished = true;
}

static GstFlowReturn
gst_ksmm_transformer_aggregate (GstAggregator * agg, G_GNUC_UNUSED gboolean timeout)
{
  /* Whether a segment may leave is the clock's decision (flush_ready), whoever woke us. */
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (agg);
  KsmmState *state = self->state;
  GstFlowReturn ret = GST_FLOW_OK;
  if (!state)
    return GST_FLOW_FLUSHING;
  /* Training from scratch has no model, so no output caps, until its first epoch. */
  if (state->has_model () && !state->negotiated && !gst_ksmm_transformer_negotiate (agg))
    return GST_FLOW_NOT_NEGOTIATED;
  if (state->training && training_stopped (*state->training)) {
    /* Early stopping: what is still queued is not needed; the source is told by the EOS. */
    finish_training (state);
    return GST_FLOW_EOS;
  }

  /* All the audio there is: live, a silent text stream wakes this only every poll interval. */
  GstBuffer *audio;
  bool took_audio = false;
  while ((audio = gst_aggregator_pad_pop_buffer (self->audiopad)) != NULL) {
    took_audio = true;
    ret = take_audio (self, audio);
    gst_buffer_unref (audio);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  const bool audio_eos = gst_aggregator_pad_is_eos (self->audiopad)
      && !gst_aggregator_pad_has_buffer (self->audiopad);
  const bool text_done = take_texts (self, audio_eos);
  ret = flush_ready (self, text_done);
  if (ret != GST_FLOW_OK)
    return ret;
  const GstClockTime now = live_position (self);
  if (GST_CLOCK_TIME_IS_VALID (now))
    state->poll_at = now + (took_audio ? kLiveDrainInterval : kLivePollInterval);
  if (audio_eos && state->queue.empty ()) {
    finish_training (state);
    return GST_FLOW_EOS;
  }
  return GST_FLOW_OK;
}

/* Live pipelines: GstAggregator calls aggregate when every pad has data, or at the returned
 * running time plus the whole latency. Sparse text must hold back neither the audio (looked
 * for every poll interval) nor a segment waiting for its text (due text-timeout after its
 * end); both are stream running times, so the element's own latency comes off. */
static GstClockTime
gst_ksmm_transformer_get_next_time (GstAggregator * agg)
{
  KsmmState *state = GST_KSMM_TRANSFORMER (agg)->state;
  if (!state)
    return GST_CLOCK_TIME_NONE;
  GstClockTime wake = state->poll_at;
  for (const auto &out : state->queue)
    if (!out.event && GST_CLOCK_TIME_IS_VALID (out.rt_end)) {
      wake = std::min (wake, out.rt_end + state->text_timeout);
      break;
    }
  return wake - std::min (wake, state->own_latency);
}

/* ---- events ----------------------------------------------------------------------------- */

static gboolean
check_audio_caps (GstKsmmTransformer * self, GstCaps * caps)
{
  std::vector<int> dims;
  if (!tensor_caps_parse (caps, &dims)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("Input is not a single float32 tensor."),
        ("caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  const emotion::models::Architecture & architecture = ksmm_architecture ();
  if (!architecture_accepts_dimensions (architecture, dims)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        ("Input features do not match the model: the stream has tensors of dimensions %s, "
            "model '%s' takes %s (%s of %s).", dimensions_text (dims).c_str (),
            self->state->results.model_name ().c_str (),
            dimensions_text (architecture.caps_dimensions).c_str (),
            architecture.features.describe ().c_str (), architecture.features_element.c_str ()),
        (NULL));
    return FALSE;
  }
  return TRUE;
}

static gboolean
audio_event (GstKsmmTransformer * self, GstAggregatorPad * pad, GstEvent * event)
{
  KsmmState *state = self->state;
  GstAggregator *agg = GST_AGGREGATOR (self);

  if (gst_emotion_event_is_segment_start (event)) {
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
    queue_event (state, event);
    return TRUE;
  }
  if (gst_emotion_event_is_segment_end (event)) {
    std::string id = gst_emotion_event_get_segment_id (event);
    auto it = std::find_if (state->open.begin (), state->open.end (),
        [&](const OpenSegment & s) { return s.id == id; });
    if (it != state->open.end ()) {
      finish_segment (self, *it, false);
      state->open.erase (it);
      trim_frames (state);
    } else {
      GST_DEBUG_OBJECT (self, "end of unknown segment %s", id.c_str ());
    }
    queue_event (state, event);
    return TRUE;
  }
  if (gst_emotion_event_is_epoch_start (event) || gst_emotion_event_is_epoch_end (event)) {
    queue_event (state, event);
    return TRUE;
  }

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gst_event_parse_caps (event, &caps);
      gboolean ok = check_audio_caps (self, caps);
      gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;
      gst_event_parse_segment (event, &segment);
      if (segment->format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("The features are not in a TIME segment."),
            ("segment %" GST_SEGMENT_FORMAT, segment));
        gst_event_unref (event);
        return FALSE;
      }
      state->results.segment = *segment;
      gst_aggregator_update_segment (agg, segment);
      break;
    }
    case GST_EVENT_STREAM_START:
      state->reset_stream ();
      state->events_seen = false;
      state->results.reset_dominant ();
      break;
    case GST_EVENT_EOS:
      for (auto &segment : state->open)
        finish_segment (self, segment, false);
      state->open.clear ();
      if (!state->events_seen)
        run_fallback_windows (self, true);
      break;
    default:
      break;
  }
  return GST_AGGREGATOR_CLASS (parent_class)->sink_event (agg, pad, event);
}

static gboolean
gst_ksmm_transformer_sink_event (GstAggregator * agg, GstAggregatorPad * pad, GstEvent * event)
{
  GstKsmmTransformer *self = GST_KSMM_TRANSFORMER (agg);
  KsmmState *state = self->state;
  if (!state)
    return GST_AGGREGATOR_CLASS (parent_class)->sink_event (agg, pad, event);
  if (pad == self->audiopad)
    return audio_event (self, pad, event);

  /* the text pad: its caps say whether lines are markup; other events stay here */
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gst_event_parse_caps (event, &caps);
    const gchar *format = gst_structure_get_string (gst_caps_get_structure (caps, 0), "format");
    state->text_markup = g_strcmp0 (format, "pango-markup") == 0;
    gst_event_unref (event);
    return TRUE;
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
    const GstSegment *segment;
    gst_event_parse_segment (event, &segment);
    if (segment->format != GST_FORMAT_TIME) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT, ("The text stream is not in a TIME segment."),
          ("segment %" GST_SEGMENT_FORMAT, segment));
      gst_event_unref (event);
      return FALSE;
    }
  }
  if (gst_emotion_event_is_segment_start (event) || gst_emotion_event_is_segment_end (event)
      || gst_emotion_event_is_epoch_start (event) || gst_emotion_event_is_epoch_end (event)) {
    /* emodatasetsrc sends its events on both pads; the audio pad's copy is forwarded. */
    gst_event_unref (event);
    return TRUE;
  }
  return GST_AGGREGATOR_CLASS (parent_class)->sink_event (agg, pad, event);
}
