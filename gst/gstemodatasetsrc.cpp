/**
 * SECTION:element-emodatasetsrc
 * @title: emodatasetsrc
 *
 * Reads a dataset manifest (CSV `path,emotion,speaker,gender,text` with a header row, or JSON
 * Lines with the same keys; paths relative to the manifest), decodes every listed file with
 * whatever decoder GStreamer has, converts it to 16 kHz mono F32, and plays the utterances one
 * after another as one continuous stream. Each utterance is framed by `emotion-segment-start`
 * (fields `id`, and when known `emotion`, `speaker`, `gender`, `text`, `split`) and
 * `emotion-segment-end` events; each epoch by `emotion-epoch-start` / `emotion-epoch-end`.
 * The epoch-start event also tells a training classifier what to build and record: `labels`
 * (the emotion classes, in `labels` order when that is set, else sorted), `speakers` and
 * `genders` (those of the training split, sorted), `dataset` (the manifest path), `protocol`
 * (how the splits were drawn), `train` and `valid` (utterance counts).
 *
 * The source owns the experimental protocol: `epochs`, seeded `shuffle` of the training
 * utterances, speaker-independent splits (`valid-speakers`, `test-speakers`, or `valid-fraction`
 * drawn by speaker), `split` to play only one part, and label filtering and mapping (`labels`,
 * `label-map`). Within an epoch the training utterances come first, then validation, then test.
 *
 * The request pad `text` carries each transcript as a `text/x-raw` buffer timed like its
 * utterance (a GAP event when the utterance has no text), for the multimodal model. As with
 * demuxers, put a `queue` after each pad when both are used.
 *
 * Missing, unreadable or undecodable files are skipped with a warning; at EOS the element posts
 * an `emotion-dataset` message (fields `utterances`, `filtered`, `emitted`, `skipped` (uints),
 * `epochs` (uint), `train`, `valid`, `test` (uints: utterances per split)). A malformed manifest
 * is an error naming its line. Seeking is not supported: a dataset is played from the start.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 emodatasetsrc location=emodb/manifest.csv labels=angry,happy,neutral,sad \
 *     split=test test-speakers=emodb03 ! lldextract ! alstmclassify ! emotionsink report=r.json
 * gst-launch-1.0 emodatasetsrc location=train.csv epochs=30 shuffle=true \
 *     valid-speakers=emodb03,emodb08 ! lldextract ! alstmclassify mode=train ! fakesink
 * ]|
 */
#include "gstemodatasetsrc.h"

#include <atomic>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include <gst/emotion/emotion.h>

#include "file-decoder.h"
#include "io/manifest.h"
#include "train/dataset_plan.h"

GST_DEBUG_CATEGORY_STATIC (emo_dataset_src_debug);
#define GST_CAT_DEFAULT emo_dataset_src_debug

typedef enum {
  GST_EMO_DATASET_SPLIT_ALL,
  GST_EMO_DATASET_SPLIT_TRAIN,
  GST_EMO_DATASET_SPLIT_VALID,
  GST_EMO_DATASET_SPLIT_TEST,
} GstEmoDatasetSplit;

#define DEFAULT_LOCATION NULL
#define DEFAULT_EPOCHS 1
#define DEFAULT_SHUFFLE FALSE
#define DEFAULT_SEED 0
#define DEFAULT_VALID_SPEAKERS NULL
#define DEFAULT_TEST_SPEAKERS NULL
#define DEFAULT_VALID_FRACTION 0.0
#define DEFAULT_SPLIT GST_EMO_DATASET_SPLIT_ALL
#define DEFAULT_LABELS NULL
#define DEFAULT_LABEL_MAP NULL

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_EPOCHS,
  PROP_SHUFFLE,
  PROP_SEED,
  PROP_VALID_SPEAKERS,
  PROP_TEST_SPEAKERS,
  PROP_VALID_FRACTION,
  PROP_SPLIT,
  PROP_LABELS,
  PROP_LABEL_MAP,
};

#define GST_TYPE_EMO_DATASET_SPLIT (gst_emo_dataset_split_get_type ())
static GType
gst_emo_dataset_split_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_EMO_DATASET_SPLIT_ALL, "Every utterance, marked with its split", "all"},
    {GST_EMO_DATASET_SPLIT_TRAIN, "Training utterances only", "train"},
    {GST_EMO_DATASET_SPLIT_VALID, "Validation utterances only", "valid"},
    {GST_EMO_DATASET_SPLIT_TEST, "Test utterances only", "test"},
    {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstEmoDatasetSplit", values));
  return type;
}

namespace {

constexpr int kRate = 16000;

struct Settings
{
  std::string location, valid_speakers, test_speakers, labels, label_map;
  guint epochs = DEFAULT_EPOCHS;
  bool shuffle = DEFAULT_SHUFFLE;
  guint64 seed = DEFAULT_SEED;
  double valid_fraction = DEFAULT_VALID_FRACTION;
  GstEmoDatasetSplit split = DEFAULT_SPLIT;
};

} // namespace

struct DatasetState
{
  Settings settings;
  std::vector<emotion::io::Utterance> utterances;   /* after label filtering and mapping */
  std::vector<emotion::train::Split> splits;
  guint listed = 0, filtered = 0, skipped = 0, emitted = 0;

  std::vector<size_t> order;    /* current epoch */
  guint epoch = 0;
  size_t position = 0;
  GstClockTime offset = 0;      /* output time of the next utterance */
  bool started = false, text_started = false;
  std::atomic<bool> cancel { false };
};

struct _GstEmoDatasetSrc
{
  GstElement parent;

  GstPad *srcpad;
  GstPad *textpad;

  Settings settings;            /* under the object lock */
  DatasetState *state;
};

#define gst_emo_dataset_src_parent_class parent_class
G_DEFINE_TYPE (GstEmoDatasetSrc, gst_emo_dataset_src, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (emodatasetsrc, "emodatasetsrc", GST_RANK_NONE,
    GST_TYPE_EMO_DATASET_SRC);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved"));

static GstStaticPadTemplate text_template = GST_STATIC_PAD_TEMPLATE ("text",
    GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS ("text/x-raw,format=utf8"));

static void gst_emo_dataset_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_emo_dataset_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static void gst_emo_dataset_src_finalize (GObject * object);
static GstStateChangeReturn gst_emo_dataset_src_change_state (GstElement * element,
    GstStateChange transition);
static GstPad *gst_emo_dataset_src_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps);
static void gst_emo_dataset_src_release_pad (GstElement * element, GstPad * pad);
static gboolean gst_emo_dataset_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active);
static gboolean gst_emo_dataset_src_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static void gst_emo_dataset_src_loop (GstEmoDatasetSrc * self);

static void
gst_emo_dataset_src_class_init (GstEmoDatasetSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags flags = (GParamFlags) (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY);

  GST_DEBUG_CATEGORY_INIT (emo_dataset_src_debug, "emodatasetsrc", 0,
      "labelled dataset source");

  gobject_class->set_property = gst_emo_dataset_src_set_property;
  gobject_class->get_property = gst_emo_dataset_src_get_property;
  gobject_class->finalize = gst_emo_dataset_src_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "Dataset manifest: CSV with a header row (path,emotion,speaker,gender,text) or JSON "
          "Lines (.jsonl) with the same keys", DEFAULT_LOCATION, flags));
  g_object_class_install_property (gobject_class, PROP_EPOCHS,
      g_param_spec_uint ("epochs", "Epochs", "How many times the dataset is played", 1, 100000,
          DEFAULT_EPOCHS, flags));
  g_object_class_install_property (gobject_class, PROP_SHUFFLE,
      g_param_spec_boolean ("shuffle", "Shuffle",
          "Play the training utterances in a new seeded random order every epoch",
          DEFAULT_SHUFFLE, flags));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_uint64 ("seed", "Seed",
          "Seed of the shuffle and of valid-fraction's speaker draw (same seed, same order)",
          0, G_MAXUINT64, DEFAULT_SEED, flags));
  g_object_class_install_property (gobject_class, PROP_VALID_SPEAKERS,
      g_param_spec_string ("valid-speakers", "Validation speakers",
          "Comma-separated speakers whose utterances form the validation split",
          DEFAULT_VALID_SPEAKERS, flags));
  g_object_class_install_property (gobject_class, PROP_TEST_SPEAKERS,
      g_param_spec_string ("test-speakers", "Test speakers",
          "Comma-separated speakers whose utterances form the test split", DEFAULT_TEST_SPEAKERS,
          flags));
  g_object_class_install_property (gobject_class, PROP_VALID_FRACTION,
      g_param_spec_double ("valid-fraction", "Validation fraction",
          "Without valid-speakers: draw whole training speakers (seeded) until they hold this "
          "fraction of the utterances, as the validation split", 0.0, 0.9,
          DEFAULT_VALID_FRACTION, flags));
  g_object_class_install_property (gobject_class, PROP_SPLIT,
      g_param_spec_enum ("split", "Split", "Which utterances to play",
          GST_TYPE_EMO_DATASET_SPLIT, DEFAULT_SPLIT, flags));
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Comma-separated emotions to keep (after label-map); others are left out. "
          "Empty: keep all", DEFAULT_LABELS, flags));
  g_object_class_install_property (gobject_class, PROP_LABEL_MAP,
      g_param_spec_string ("label-map", "Label map",
          "Comma-separated FROM:TO renamings of emotion labels, e.g. joy:happy,anger:angry",
          DEFAULT_LABEL_MAP, flags));

  gst_element_class_set_static_metadata (element_class, "Emotion dataset source",
      "Source/Audio", "Plays a labelled speech dataset with utterance and epoch events",
      "gst-emotion developers");
  /* Shown by gst-inspect-1.0. */
  gst_element_class_add_static_metadata (element_class, "example-launch-line",
      "gst-launch-1.0 emodatasetsrc location=emodb/manifest.csv labels=angry,happy,neutral,sad split=test test-speakers=emodb03 ! lldextract ! alstmclassify ! emotionsink report=report.json");
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &text_template);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_emo_dataset_src_change_state);
  element_class->request_new_pad = GST_DEBUG_FUNCPTR (gst_emo_dataset_src_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_emo_dataset_src_release_pad);

  gst_type_mark_as_plugin_api (GST_TYPE_EMO_DATASET_SPLIT, (GstPluginAPIFlags) 0);
}

static void
gst_emo_dataset_src_init (GstEmoDatasetSrc * self)
{
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_activatemode_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_emo_dataset_src_activate_mode));
  gst_pad_set_event_function (self->srcpad, GST_DEBUG_FUNCPTR (gst_emo_dataset_src_src_event));
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
  self->textpad = NULL;
  new (&self->settings) Settings ();
  self->state = NULL;
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}

static void
gst_emo_dataset_src_finalize (GObject * object)
{
  GstEmoDatasetSrc *self = GST_EMO_DATASET_SRC (object);

  delete self->state;
  self->settings.~Settings ();
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
set_string (std::string & target, const GValue * value)
{
  const gchar *s = g_value_get_string (value);
  target = s ? s : "";
}

static void
gst_emo_dataset_src_set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstEmoDatasetSrc *self = GST_EMO_DATASET_SRC (object);
  Settings & s = self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      set_string (s.location, value);
      break;
    case PROP_EPOCHS:
      s.epochs = g_value_get_uint (value);
      break;
    case PROP_SHUFFLE:
      s.shuffle = g_value_get_boolean (value);
      break;
    case PROP_SEED:
      s.seed = g_value_get_uint64 (value);
      break;
    case PROP_VALID_SPEAKERS:
      set_string (s.valid_speakers, value);
      break;
    case PROP_TEST_SPEAKERS:
      set_string (s.test_speakers, value);
      break;
    case PROP_VALID_FRACTION:
      s.valid_fraction = g_value_get_double (value);
      break;
    case PROP_SPLIT:
      s.split = (GstEmoDatasetSplit) g_value_get_enum (value);
      break;
    case PROP_LABELS:
      set_string (s.labels, value);
      break;
    case PROP_LABEL_MAP:
      set_string (s.label_map, value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
get_string (const std::string & source, GValue * value)
{
  g_value_set_string (value, source.empty ()? NULL : source.c_str ());
}

static void
gst_emo_dataset_src_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstEmoDatasetSrc *self = GST_EMO_DATASET_SRC (object);
  const Settings & s = self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCATION:
      get_string (s.location, value);
      break;
    case PROP_EPOCHS:
      g_value_set_uint (value, s.epochs);
      break;
    case PROP_SHUFFLE:
      g_value_set_boolean (value, s.shuffle);
      break;
    case PROP_SEED:
      g_value_set_uint64 (value, s.seed);
      break;
    case PROP_VALID_SPEAKERS:
      get_string (s.valid_speakers, value);
      break;
    case PROP_TEST_SPEAKERS:
      get_string (s.test_speakers, value);
      break;
    case PROP_VALID_FRACTION:
      g_value_set_double (value, s.valid_fraction);
      break;
    case PROP_SPLIT:
      g_value_set_enum (value, s.split);
      break;
    case PROP_LABELS:
      get_string (s.labels, value);
      break;
    case PROP_LABEL_MAP:
      get_string (s.label_map, value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- plan ------------------------------------------------------------------------------- */

/* Reads the manifest and applies labels and splits; posts an error and returns NULL on failure. */
static DatasetState *
load_dataset (GstEmoDatasetSrc * self)
{
  auto state = std::make_unique<DatasetState> ();
  GST_OBJECT_LOCK (self);
  state->settings = self->settings;
  GST_OBJECT_UNLOCK (self);
  const Settings & s = state->settings;

  if (s.location.empty ()) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("No manifest given."),
        ("set the 'location' property to a dataset manifest"));
    return NULL;
  }
  std::vector<emotion::io::Utterance> listed;
  try {
    listed = emotion::io::read_manifest (s.location);
  } catch (const emotion::io::ManifestError & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Cannot use the manifest: %s", e.what ()), (NULL));
    return NULL;
  }
  try {
    auto policy = emotion::train::LabelPolicy::parse (s.label_map, s.labels);
    for (auto &u : listed) {
      std::string mapped;
      if (!policy.accepts (u.emotion, &mapped)) {
        state->filtered++;
        continue;
      }
      u.emotion = mapped;
      state->utterances.push_back (u);
    }
    emotion::train::SplitSettings split;
    split.valid_speakers = emotion::train::split_list (s.valid_speakers);
    split.test_speakers = emotion::train::split_list (s.test_speakers);
    split.valid_fraction = s.valid_fraction;
    split.seed = s.seed;
    state->splits = emotion::train::assign_splits (state->utterances, split);
  } catch (const std::invalid_argument & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, ("%s", e.what ()), (NULL));
    return NULL;
  }
  state->listed = listed.size ();
  GST_INFO_OBJECT (self, "%s: %u utterances listed, %zu kept", s.location.c_str (),
      state->listed, state->utterances.size ());
  return state.release ();
}

static bool
split_selected (GstEmoDatasetSplit wanted, emotion::train::Split split)
{
  switch (wanted) {
    case GST_EMO_DATASET_SPLIT_ALL:
      return true;
    case GST_EMO_DATASET_SPLIT_TRAIN:
      return split == emotion::train::Split::Train;
    case GST_EMO_DATASET_SPLIT_VALID:
      return split == emotion::train::Split::Valid;
    case GST_EMO_DATASET_SPLIT_TEST:
      return split == emotion::train::Split::Test;
  }
  return false;
}

/* Training utterances (shuffled when asked), then validation, then test. */
static void
plan_epoch (DatasetState * state)
{
  const Settings & s = state->settings;
  state->order.clear ();
  for (auto part : {emotion::train::Split::Train, emotion::train::Split::Valid,
          emotion::train::Split::Test}) {
    if (!split_selected (s.split, part))
      continue;
    std::vector<size_t> members;
    for (size_t i = 0; i < state->utterances.size (); ++i)
      if (state->splits[i] == part)
        members.push_back (i);
    if (part == emotion::train::Split::Train && s.shuffle) {
      std::vector<size_t> permutation = emotion::train::shuffled_order (members.size (), s.seed,
          state->epoch);
      for (size_t p : permutation)
        state->order.push_back (members[p]);
    } else {
      state->order.insert (state->order.end (), members.begin (), members.end ());
    }
  }
  state->position = 0;
}

/* ---- streaming --------------------------------------------------------------------------- */

static void
start_pad (GstPad * pad, const gchar * stream_id, const gchar * caps_string)
{
  gst_pad_push_event (pad, gst_event_new_stream_start (stream_id));
  GstCaps *caps = gst_caps_from_string (caps_string);
  gst_pad_push_event (pad, gst_event_new_caps (caps));
  gst_caps_unref (caps);
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (pad, gst_event_new_segment (&segment));
}

static GstPad *
text_pad (GstEmoDatasetSrc * self)
{
  GST_OBJECT_LOCK (self);
  GstPad *pad = self->textpad ? GST_PAD (gst_object_ref (self->textpad)) : NULL;
  GST_OBJECT_UNLOCK (self);
  if (pad && !self->state->text_started) {
    gchar *id = gst_pad_create_stream_id (pad, GST_ELEMENT (self), "text");
    start_pad (pad, id, "text/x-raw,format=utf8");
    g_free (id);
    self->state->text_started = true;
  }
  return pad;
}

static std::string
utterance_id (const DatasetState * state, const emotion::io::Utterance & u)
{
  gchar *base = g_path_get_basename (u.path.c_str ());
  std::string id = base;
  g_free (base);
  size_t dot = id.rfind ('.');
  if (dot != std::string::npos && dot > 0)
    id.erase (dot);
  /* Ids stay unique over epochs and never contain '.', which marks parts of a segment. */
  for (char &c : id)
    if (c == '.')
      c = '_';
  if (state->settings.epochs > 1)
    id += "@" + std::to_string (state->epoch);
  return id;
}

/* Plays one utterance; returns the downstream flow (OK when the file was skipped). */
static GstFlowReturn
play_utterance (GstEmoDatasetSrc * self, const emotion::io::Utterance & u,
    emotion::train::Split split)
{
  DatasetState *state = self->state;
  const std::string id = utterance_id (state, u);
  GstFlowReturn flow = GST_FLOW_OK;
  bool started = false;
  guint64 samples = 0;

  auto on_start = [&](GstClockTime duration) {
    const char *opt = nullptr;
    GstEvent *event = gst_emotion_event_new_segment_start (id.c_str (),
        "emotion", u.emotion.empty () ? opt : u.emotion.c_str (),
        "speaker", u.speaker.empty () ? opt : u.speaker.c_str (),
        "gender", u.gender.empty () ? opt : u.gender.c_str (),
        "text", u.text.empty () ? opt : u.text.c_str (),
        "split", emotion::train::split_name (split), NULL);
    gst_pad_push_event (self->srcpad, event);
    started = true;
    if (GstPad *pad = text_pad (self)) {
      if (u.text.empty ()) {
        gst_pad_push_event (pad, gst_event_new_gap (state->offset, duration));
      } else {
        GstBuffer *text = gst_buffer_new_memdup (u.text.data (), u.text.size ());
        GST_BUFFER_PTS (text) = state->offset;
        GST_BUFFER_DURATION (text) = duration;
        GstFlowReturn text_flow = gst_pad_push (pad, text);
        if (text_flow != GST_FLOW_OK && text_flow != GST_FLOW_NOT_LINKED)
          flow = text_flow;
      }
      gst_object_unref (pad);
    }
  };
  auto on_samples = [&](const float *data, size_t count) {
    GstBuffer *buffer = gst_buffer_new_memdup (data, count * sizeof (float));
    GST_BUFFER_PTS (buffer) = state->offset + gst_util_uint64_scale (samples, GST_SECOND, kRate);
    GST_BUFFER_DURATION (buffer) = state->offset +
        gst_util_uint64_scale (samples + count, GST_SECOND, kRate) - GST_BUFFER_PTS (buffer);
    GST_BUFFER_OFFSET (buffer) = samples;
    samples += count;
    if (flow == GST_FLOW_OK)
      flow = gst_pad_push (self->srcpad, buffer);
    else
      gst_buffer_unref (buffer);
    return flow == GST_FLOW_OK;
  };

  std::string error;
  bool ok = emotion::gst::FileDecoder::decode (u.path, on_start, on_samples, state->cancel,
      &error);
  if (!ok && flow == GST_FLOW_OK && !state->cancel.load ()) {
    state->skipped++;
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("Skipping '%s' (manifest line %d): %s.", u.path.c_str (), u.line, error.c_str ()),
        (NULL));
  }
  if (started) {
    gst_pad_push_event (self->srcpad, gst_emotion_event_new_segment_end (id.c_str ()));
    if (samples > 0)
      state->emitted++;
  }
  state->offset += gst_util_uint64_scale (samples, GST_SECOND, kRate);
  return state->cancel.load ()? GST_FLOW_FLUSHING : flow;
}

static void
post_dataset_summary (GstEmoDatasetSrc * self)
{
  DatasetState *state = self->state;
  guint counts[3] = { 0, 0, 0 };
  for (auto split : state->splits)
    counts[(int) split]++;
  gst_element_post_message (GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("emotion-dataset",
              "utterances", G_TYPE_UINT, state->listed,
              "filtered", G_TYPE_UINT, state->filtered,
              "emitted", G_TYPE_UINT, state->emitted,
              "skipped", G_TYPE_UINT, state->skipped,
              "epochs", G_TYPE_UINT, state->settings.epochs,
              "train", G_TYPE_UINT, counts[0],
              "valid", G_TYPE_UINT, counts[1],
              "test", G_TYPE_UINT, counts[2], NULL)));
}

static void
push_eos (GstEmoDatasetSrc * self)
{
  post_dataset_summary (self);
  if (GstPad *pad = text_pad (self)) {
    gst_pad_push_event (pad, gst_event_new_eos ());
    gst_object_unref (pad);
  }
  gst_pad_push_event (self->srcpad, gst_event_new_eos ());
}

static void
set_list_field (GstStructure * s, const gchar * name, const std::vector<std::string> &values)
{
  std::string joined;
  for (const auto &v : values)
    joined += (joined.empty ()? "" : ",") + v;
  gst_structure_set (s, name, G_TYPE_STRING, joined.c_str (), NULL);
}

/* Epoch start, with what a training classifier needs to build its model and its model card. */
static GstEvent *
new_epoch_start (DatasetState * state)
{
  const Settings & s = state->settings;
  GstEvent *event = gst_emotion_event_new_epoch_start (state->epoch, s.epochs);
  GstStructure *fields = gst_event_writable_structure (event);

  std::vector<std::string> labels = emotion::train::split_list (s.labels);
  std::set<std::string> seen_labels, speakers, genders;
  guint train = 0, valid = 0;
  for (size_t i = 0; i < state->utterances.size (); ++i) {
    const auto &u = state->utterances[i];
    if (!u.emotion.empty ())
      seen_labels.insert (u.emotion);
    if (state->splits[i] == emotion::train::Split::Train) {
      train++;
      if (!u.speaker.empty ())
        speakers.insert (u.speaker);
      if (!u.gender.empty ())
        genders.insert (u.gender);
    } else if (state->splits[i] == emotion::train::Split::Valid) {
      valid++;
    }
  }
  if (labels.empty ())
    labels.assign (seen_labels.begin (), seen_labels.end ());
  set_list_field (fields, "labels", labels);
  set_list_field (fields, "speakers", {speakers.begin (), speakers.end ()});
  set_list_field (fields, "genders", {genders.begin (), genders.end ()});
  std::string protocol = "speaker-independent splits; valid-speakers=" + s.valid_speakers +
      "; test-speakers=" + s.test_speakers + "; valid-fraction=" +
      std::to_string (s.valid_fraction) + "; seed=" + std::to_string (s.seed) +
      (s.shuffle ? "; shuffled" : "") + (s.label_map.empty ()? "" : "; label-map=" + s.label_map);
  gst_structure_set (fields, "dataset", G_TYPE_STRING, s.location.c_str (),
      "protocol", G_TYPE_STRING, protocol.c_str (),
      "train", G_TYPE_UINT, train, "valid", G_TYPE_UINT, valid, NULL);
  return event;
}

static void
gst_emo_dataset_src_loop (GstEmoDatasetSrc * self)
{
  DatasetState *state = self->state;
  const guint epochs = state->settings.epochs;

  if (!state->started) {
    gchar *id = gst_pad_create_stream_id (self->srcpad, GST_ELEMENT (self), "audio");
    start_pad (self->srcpad, id,
        "audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved");
    g_free (id);
    state->started = true;
    plan_epoch (state);
    gst_pad_push_event (self->srcpad, new_epoch_start (state));
  }

  if (state->position < state->order.size ()) {
    size_t index = state->order[state->position++];
    GstFlowReturn flow = play_utterance (self, state->utterances[index], state->splits[index]);
    if (flow != GST_FLOW_OK) {
      if (flow == GST_FLOW_EOS || flow == GST_FLOW_NOT_LINKED || flow < GST_FLOW_EOS) {
        if (flow != GST_FLOW_EOS)
          GST_ELEMENT_FLOW_ERROR (self, flow);
        push_eos (self);
      }
      gst_pad_pause_task (self->srcpad);
      return;
    }
  }
  if (state->position < state->order.size ())
    return;

  gst_pad_push_event (self->srcpad, gst_emotion_event_new_epoch_end (state->epoch, epochs));
  if (++state->epoch < epochs) {
    plan_epoch (state);
    gst_pad_push_event (self->srcpad, new_epoch_start (state));
    return;
  }
  if (state->emitted == 0 && !state->utterances.empty ())
    GST_ELEMENT_WARNING (self, RESOURCE, READ, ("None of the listed files could be played."),
        ("%u files skipped", state->skipped));
  push_eos (self);
  gst_pad_pause_task (self->srcpad);
}

static gboolean
gst_emo_dataset_src_activate_mode (GstPad * pad, GstObject * parent, GstPadMode mode,
    gboolean active)
{
  GstEmoDatasetSrc *self = GST_EMO_DATASET_SRC (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    if (!self->state)
      return FALSE;
    self->state->cancel.store (false);
    return gst_pad_start_task (pad, (GstTaskFunction) gst_emo_dataset_src_loop, self, NULL);
  }
  if (self->state)
    self->state->cancel.store (true);
  return gst_pad_stop_task (pad);
}

static gboolean
gst_emo_dataset_src_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEEK) {
    GST_DEBUG_OBJECT (parent, "seeking a dataset is not supported");
    gst_event_unref (event);
    return FALSE;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstStateChangeReturn
gst_emo_dataset_src_change_state (GstElement * element, GstStateChange transition)
{
  GstEmoDatasetSrc *self = GST_EMO_DATASET_SRC (element);

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    DatasetState *state = load_dataset (self);
    if (!state)
      return GST_STATE_CHANGE_FAILURE;
    delete self->state;
    self->state = state;
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    delete self->state;
    self->state = NULL;
  }
  return ret;
}

static GstPad *
gst_emo_dataset_src_request_new_pad (GstElement * element, GstPadTemplate * templ,
    const gchar * name, const GstCaps * caps)
{
  GstEmoDatasetSrc *self = GST_EMO_DATASET_SRC (element);
  (void) name;
  (void) caps;

  GST_OBJECT_LOCK (self);
  if (self->textpad) {
    GST_OBJECT_UNLOCK (self);
    GST_WARNING_OBJECT (self, "the text pad exists already");
    return NULL;
  }
  GstPad *pad = gst_pad_new_from_template (templ, "text");
  gst_pad_use_fixed_caps (pad);
  self->textpad = pad;
  GST_OBJECT_UNLOCK (self);
  gst_pad_set_active (pad, TRUE);
  gst_element_add_pad (element, pad);
  return pad;
}

static void
gst_emo_dataset_src_release_pad (GstElement * element, GstPad * pad)
{
  GstEmoDatasetSrc *self = GST_EMO_DATASET_SRC (element);

  GST_OBJECT_LOCK (self);
  if (self->textpad == pad)
    self->textpad = NULL;
  GST_OBJECT_UNLOCK (self);
  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}
