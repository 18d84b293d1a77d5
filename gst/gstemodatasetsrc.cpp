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
 * (how the splits were drawn), `train` and `valid` (utterance counts), `seed` (uint64, the `seed`
 * property: emoaugment seeds its draws from it).
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

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <gst/emotion/emotion.h>

#include "dataset-events.h"
#include "property-helpers.h"
#include "utterance-player.h"
#include "io/manifest.h"
#include "train/dataset.h"

GST_DEBUG_CATEGORY_STATIC(emo_dataset_src_debug);
#define GST_CAT_DEFAULT emo_dataset_src_debug

using emotion::gst::get_string_setting;
using emotion::gst::set_string_setting;

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

enum {
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

#define GST_TYPE_EMO_DATASET_SPLIT (gst_emo_dataset_split_get_type())
static GType gst_emo_dataset_split_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_EMO_DATASET_SPLIT_ALL, "Every utterance, marked with its split", "all"},
        {GST_EMO_DATASET_SPLIT_TRAIN, "Training utterances only", "train"},
        {GST_EMO_DATASET_SPLIT_VALID, "Validation utterances only", "valid"},
        {GST_EMO_DATASET_SPLIT_TEST, "Test utterances only", "test"},
        {0, NULL, NULL},
    };
    return emotion::gst::register_enum_once(&type, "GstEmoDatasetSplit", values);
}

namespace {

struct Settings {
    std::string location, valid_speakers, test_speakers, labels, label_map;
    guint epochs = DEFAULT_EPOCHS;
    bool shuffle = DEFAULT_SHUFFLE;
    guint64 seed = DEFAULT_SEED;
    double valid_fraction = DEFAULT_VALID_FRACTION;
    GstEmoDatasetSplit split = DEFAULT_SPLIT;
};

} // namespace

struct DatasetState {
    std::unique_ptr<emotion::train::Dataset> dataset;
    guint skipped = 0, emitted = 0;

    std::vector<size_t> order; /* current epoch */
    guint epoch = 0;
    size_t position = 0;
    std::unique_ptr<emotion::gst::UtterancePlayer> player;
    bool started = false, text_started = false;
    std::atomic<bool> cancel{false};
};

struct _GstEmoDatasetSrc {
    GstElement parent;

    GstPad* srcpad;
    GstPad* textpad;

    Settings settings; /* under the object lock */
    DatasetState* state;
};

#define gst_emo_dataset_src_parent_class parent_class
G_DEFINE_TYPE(GstEmoDatasetSrc, gst_emo_dataset_src, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE(emodatasetsrc, "emodatasetsrc", GST_RANK_NONE, GST_TYPE_EMO_DATASET_SRC);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved"));

static GstStaticPadTemplate text_template =
    GST_STATIC_PAD_TEMPLATE("text", GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS("text/x-raw,format=utf8"));

static void gst_emo_dataset_src_set_property(GObject* object, guint prop_id, const GValue* value,
                                             GParamSpec* pspec);
static void gst_emo_dataset_src_get_property(GObject* object, guint prop_id, GValue* value,
                                             GParamSpec* pspec);
static void gst_emo_dataset_src_finalize(GObject* object);
static GstStateChangeReturn gst_emo_dataset_src_change_state(GstElement* element, GstStateChange transition);
static GstPad* gst_emo_dataset_src_request_new_pad(GstElement* element, GstPadTemplate* templ,
                                                   const gchar* name, const GstCaps* caps);
static void gst_emo_dataset_src_release_pad(GstElement* element, GstPad* pad);
static gboolean gst_emo_dataset_src_activate_mode(GstPad* pad, GstObject* parent, GstPadMode mode,
                                                  gboolean active);
static gboolean gst_emo_dataset_src_src_event(GstPad* pad, GstObject* parent, GstEvent* event);
static void gst_emo_dataset_src_loop(GstEmoDatasetSrc* self);

static void gst_emo_dataset_src_class_init(GstEmoDatasetSrcClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    const GParamFlags flags =
        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);

    GST_DEBUG_CATEGORY_INIT(emo_dataset_src_debug, "emodatasetsrc", 0, "labelled dataset source");

    gobject_class->set_property = gst_emo_dataset_src_set_property;
    gobject_class->get_property = gst_emo_dataset_src_get_property;
    gobject_class->finalize = gst_emo_dataset_src_finalize;

    g_object_class_install_property(
        gobject_class, PROP_LOCATION,
        g_param_spec_string(
            "location", "Location",
            "Dataset manifest: CSV with a header row (path,emotion,speaker,gender,text) or JSON "
            "Lines (.jsonl) with the same keys",
            DEFAULT_LOCATION, flags));
    g_object_class_install_property(gobject_class, PROP_EPOCHS,
                                    g_param_spec_uint("epochs", "Epochs",
                                                      "How many times the dataset is played", 1, 100000,
                                                      DEFAULT_EPOCHS, flags));
    g_object_class_install_property(
        gobject_class, PROP_SHUFFLE,
        g_param_spec_boolean("shuffle", "Shuffle",
                             "Play the training utterances in a new seeded random order every epoch",
                             DEFAULT_SHUFFLE, flags));
    g_object_class_install_property(
        gobject_class, PROP_SEED,
        g_param_spec_uint64(
            "seed", "Seed",
            "Seed of the shuffle and of valid-fraction's speaker draw (same seed, same order)", 0,
            G_MAXUINT64, DEFAULT_SEED, flags));
    g_object_class_install_property(
        gobject_class, PROP_VALID_SPEAKERS,
        g_param_spec_string("valid-speakers", "Validation speakers",
                            "Comma-separated speakers whose utterances form the validation split",
                            DEFAULT_VALID_SPEAKERS, flags));
    g_object_class_install_property(
        gobject_class, PROP_TEST_SPEAKERS,
        g_param_spec_string("test-speakers", "Test speakers",
                            "Comma-separated speakers whose utterances form the test split",
                            DEFAULT_TEST_SPEAKERS, flags));
    g_object_class_install_property(
        gobject_class, PROP_VALID_FRACTION,
        g_param_spec_double(
            "valid-fraction", "Validation fraction",
            "Without valid-speakers: draw whole training speakers (seeded) until they hold this "
            "fraction of the utterances, as the validation split",
            0.0, 0.9, DEFAULT_VALID_FRACTION, flags));
    g_object_class_install_property(gobject_class, PROP_SPLIT,
                                    g_param_spec_enum("split", "Split", "Which utterances to play",
                                                      GST_TYPE_EMO_DATASET_SPLIT, DEFAULT_SPLIT, flags));
    g_object_class_install_property(
        gobject_class, PROP_LABELS,
        g_param_spec_string("labels", "Labels",
                            "Comma-separated emotions to keep (after label-map); others are left out. "
                            "Empty: keep all",
                            DEFAULT_LABELS, flags));
    g_object_class_install_property(
        gobject_class, PROP_LABEL_MAP,
        g_param_spec_string("label-map", "Label map",
                            "Comma-separated FROM:TO renamings of emotion labels, e.g. joy:happy,anger:angry",
                            DEFAULT_LABEL_MAP, flags));

    gst_element_class_set_static_metadata(element_class, "Emotion dataset source", "Source/Audio",
                                          "Plays a labelled speech dataset with utterance and epoch events",
                                          "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        element_class, "example-launch-line",
        "gst-launch-1.0 emodatasetsrc location=emodb/manifest.csv labels=angry,happy,neutral,sad split=test "
        "test-speakers=emodb03 ! lldextract ! alstmclassify ! emotionsink report=report.json");
    gst_element_class_add_static_pad_template(element_class, &src_template);
    gst_element_class_add_static_pad_template(element_class, &text_template);
    element_class->change_state = GST_DEBUG_FUNCPTR(gst_emo_dataset_src_change_state);
    element_class->request_new_pad = GST_DEBUG_FUNCPTR(gst_emo_dataset_src_request_new_pad);
    element_class->release_pad = GST_DEBUG_FUNCPTR(gst_emo_dataset_src_release_pad);

    gst_type_mark_as_plugin_api(GST_TYPE_EMO_DATASET_SPLIT, (GstPluginAPIFlags)0);
}

static void gst_emo_dataset_src_init(GstEmoDatasetSrc* self) {
    self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
    gst_pad_set_activatemode_function(self->srcpad, GST_DEBUG_FUNCPTR(gst_emo_dataset_src_activate_mode));
    gst_pad_set_event_function(self->srcpad, GST_DEBUG_FUNCPTR(gst_emo_dataset_src_src_event));
    gst_pad_use_fixed_caps(self->srcpad);
    gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
    self->textpad = NULL;
    new (&self->settings) Settings();
    self->state = NULL;
    GST_OBJECT_FLAG_SET(self, GST_ELEMENT_FLAG_SOURCE);
}

static void gst_emo_dataset_src_finalize(GObject* object) {
    GstEmoDatasetSrc* self = GST_EMO_DATASET_SRC(object);

    delete self->state;
    self->settings.~Settings();
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_emo_dataset_src_set_property(GObject* object, guint prop_id, const GValue* value,
                                             GParamSpec* pspec) {
    GstEmoDatasetSrc* self = GST_EMO_DATASET_SRC(object);
    Settings& s = self->settings;

    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_LOCATION: set_string_setting(s.location, value); break;
    case PROP_EPOCHS: s.epochs = g_value_get_uint(value); break;
    case PROP_SHUFFLE: s.shuffle = g_value_get_boolean(value); break;
    case PROP_SEED: s.seed = g_value_get_uint64(value); break;
    case PROP_VALID_SPEAKERS: set_string_setting(s.valid_speakers, value); break;
    case PROP_TEST_SPEAKERS: set_string_setting(s.test_speakers, value); break;
    case PROP_VALID_FRACTION: s.valid_fraction = g_value_get_double(value); break;
    case PROP_SPLIT: s.split = (GstEmoDatasetSplit)g_value_get_enum(value); break;
    case PROP_LABELS: set_string_setting(s.labels, value); break;
    case PROP_LABEL_MAP: set_string_setting(s.label_map, value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_emo_dataset_src_get_property(GObject* object, guint prop_id, GValue* value,
                                             GParamSpec* pspec) {
    GstEmoDatasetSrc* self = GST_EMO_DATASET_SRC(object);
    const Settings& s = self->settings;

    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_LOCATION: get_string_setting(s.location, value); break;
    case PROP_EPOCHS: g_value_set_uint(value, s.epochs); break;
    case PROP_SHUFFLE: g_value_set_boolean(value, s.shuffle); break;
    case PROP_SEED: g_value_set_uint64(value, s.seed); break;
    case PROP_VALID_SPEAKERS: get_string_setting(s.valid_speakers, value); break;
    case PROP_TEST_SPEAKERS: get_string_setting(s.test_speakers, value); break;
    case PROP_VALID_FRACTION: g_value_set_double(value, s.valid_fraction); break;
    case PROP_SPLIT: g_value_set_enum(value, s.split); break;
    case PROP_LABELS: get_string_setting(s.labels, value); break;
    case PROP_LABEL_MAP: get_string_setting(s.label_map, value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

/* ---- plan ------------------------------------------------------------------------------- */

/* The splits a `split` setting plays. */
static std::vector<emotion::train::Split> played_splits(GstEmoDatasetSplit split) {
    using emotion::train::Split;
    switch (split) {
    case GST_EMO_DATASET_SPLIT_TRAIN: return {Split::Train};
    case GST_EMO_DATASET_SPLIT_VALID: return {Split::Valid};
    case GST_EMO_DATASET_SPLIT_TEST: return {Split::Test};
    default: return {Split::Train, Split::Valid, Split::Test};
    }
}

/* Reads the manifest and applies labels and splits; posts an error and returns NULL on failure. */
static DatasetState* load_dataset(GstEmoDatasetSrc* self) {
    emotion::train::DatasetSettings settings;
    GST_OBJECT_LOCK(self);
    const Settings& s = self->settings;
    settings.location = s.location;
    settings.labels = s.labels;
    settings.label_map = s.label_map;
    settings.valid_speakers = s.valid_speakers;
    settings.test_speakers = s.test_speakers;
    settings.valid_fraction = s.valid_fraction;
    settings.seed = s.seed;
    settings.shuffle = s.shuffle;
    settings.epochs = s.epochs;
    settings.played = played_splits(s.split);
    GST_OBJECT_UNLOCK(self);

    if (settings.location.empty()) {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No manifest given."),
                          ("set the 'location' property to a dataset manifest"));
        return NULL;
    }
    auto state = std::make_unique<DatasetState>();
    try {
        state->dataset = std::make_unique<emotion::train::Dataset>(settings);
    } catch (const emotion::io::ManifestError& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Cannot use the manifest: %s", e.what()), (NULL));
        return NULL;
    } catch (const std::invalid_argument& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()), (NULL));
        return NULL;
    }
    GST_INFO_OBJECT(self, "%s: %u utterances listed, %zu kept", settings.location.c_str(),
                    state->dataset->listed(), state->dataset->size());
    return state.release();
}

static void plan_epoch(DatasetState* state) {
    state->order = state->dataset->epoch_order(state->epoch);
    state->position = 0;
}

/* ---- streaming --------------------------------------------------------------------------- */

static void start_pad(GstPad* pad, const gchar* stream_id, const gchar* caps_string) {
    gst_pad_push_event(pad, gst_event_new_stream_start(stream_id));
    GstCaps* caps = gst_caps_from_string(caps_string);
    gst_pad_push_event(pad, gst_event_new_caps(caps));
    gst_caps_unref(caps);
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    gst_pad_push_event(pad, gst_event_new_segment(&segment));
}

static GstPad* text_pad(GstEmoDatasetSrc* self) {
    GST_OBJECT_LOCK(self);
    GstPad* pad = self->textpad ? GST_PAD(gst_object_ref(self->textpad)) : NULL;
    GST_OBJECT_UNLOCK(self);
    if (pad && !self->state->text_started) {
        gchar* id = gst_pad_create_stream_id(pad, GST_ELEMENT(self), "text");
        start_pad(pad, id, "text/x-raw,format=utf8");
        g_free(id);
        self->state->text_started = true;
    }
    return pad;
}

/* Plays one utterance; returns the downstream flow (OK when the file was skipped). */
static GstFlowReturn play_utterance(GstEmoDatasetSrc* self, size_t index) {
    DatasetState* state = self->state;
    const emotion::io::Utterance& u = state->dataset->utterance(index);
    const auto played = state->player->play(u, state->dataset->utterance_id(index, state->epoch),
                                            state->dataset->split(index));
    if (played.skipped) {
        state->skipped++;
        GST_ELEMENT_WARNING(
            self, RESOURCE, READ,
            ("Skipping '%s' (manifest line %d): %s.", u.path.c_str(), u.line, played.error.c_str()), (NULL));
    }
    if (played.emitted) state->emitted++;
    return played.flow;
}

static void post_dataset_summary(GstEmoDatasetSrc* self) {
    DatasetState* state = self->state;
    const std::array<unsigned, 3> counts = state->dataset->split_counts();
    gst_element_post_message(
        GST_ELEMENT(self),
        gst_message_new_element(
            GST_OBJECT(self),
            gst_structure_new("emotion-dataset", "utterances", G_TYPE_UINT, state->dataset->listed(),
                              "filtered", G_TYPE_UINT, state->dataset->filtered(), "emitted", G_TYPE_UINT,
                              state->emitted, "skipped", G_TYPE_UINT, state->skipped, "epochs", G_TYPE_UINT,
                              state->dataset->settings().epochs, "train", G_TYPE_UINT, counts[0], "valid",
                              G_TYPE_UINT, counts[1], "test", G_TYPE_UINT, counts[2], NULL)));
}

static void push_eos(GstEmoDatasetSrc* self) {
    post_dataset_summary(self);
    if (GstPad* pad = text_pad(self)) {
        gst_pad_push_event(pad, gst_event_new_eos());
        gst_object_unref(pad);
    }
    gst_pad_push_event(self->srcpad, gst_event_new_eos());
}

/* Epoch start, with what a training classifier needs to build its model and its model card. */
static GstEvent* new_epoch_start(DatasetState* state) {
    GstEvent* event = emotion::gst::epoch_start_event(state->epoch, state->dataset->describe());
    emotion::gst::set_run_seed(event, state->dataset->settings().seed);
    return event;
}

static void gst_emo_dataset_src_loop(GstEmoDatasetSrc* self) {
    DatasetState* state = self->state;
    const guint epochs = state->dataset->settings().epochs;

    if (!state->started) {
        gchar* id = gst_pad_create_stream_id(self->srcpad, GST_ELEMENT(self), "audio");
        start_pad(self->srcpad, id, "audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved");
        g_free(id);
        state->started = true;
        state->player = std::make_unique<emotion::gst::UtterancePlayer>(
            self->srcpad, [self] { return text_pad(self); }, state->cancel);
        plan_epoch(state);
        gst_pad_push_event(self->srcpad, new_epoch_start(state));
    }

    if (state->position < state->order.size()) {
        size_t index = state->order[state->position++];
        GstFlowReturn flow = play_utterance(self, index);
        if (flow != GST_FLOW_OK) {
            if (flow == GST_FLOW_EOS || flow == GST_FLOW_NOT_LINKED || flow < GST_FLOW_EOS) {
                if (flow != GST_FLOW_EOS) GST_ELEMENT_FLOW_ERROR(self, flow);
                push_eos(self);
            }
            gst_pad_pause_task(self->srcpad);
            return;
        }
    }
    if (state->position < state->order.size()) return;

    gst_pad_push_event(self->srcpad, gst_emotion_event_new_epoch_end(state->epoch, epochs));
    if (++state->epoch < epochs) {
        plan_epoch(state);
        gst_pad_push_event(self->srcpad, new_epoch_start(state));
        return;
    }
    if (state->emitted == 0 && state->dataset->size() > 0)
        GST_ELEMENT_WARNING(self, RESOURCE, READ, ("None of the listed files could be played."),
                            ("%u files skipped", state->skipped));
    push_eos(self);
    gst_pad_pause_task(self->srcpad);
}

static gboolean gst_emo_dataset_src_activate_mode(GstPad* pad, GstObject* parent, GstPadMode mode,
                                                  gboolean active) {
    GstEmoDatasetSrc* self = GST_EMO_DATASET_SRC(parent);

    if (mode != GST_PAD_MODE_PUSH) return FALSE;
    if (active) {
        if (!self->state) return FALSE;
        self->state->cancel.store(false);
        return gst_pad_start_task(pad, (GstTaskFunction)gst_emo_dataset_src_loop, self, NULL);
    }
    if (self->state) self->state->cancel.store(true);
    return gst_pad_stop_task(pad);
}

static gboolean gst_emo_dataset_src_src_event(GstPad* pad, GstObject* parent, GstEvent* event) {
    if (GST_EVENT_TYPE(event) == GST_EVENT_SEEK) {
        GST_DEBUG_OBJECT(parent, "seeking a dataset is not supported");
        gst_event_unref(event);
        return FALSE;
    }
    return gst_pad_event_default(pad, parent, event);
}

static GstStateChangeReturn gst_emo_dataset_src_change_state(GstElement* element, GstStateChange transition) {
    GstEmoDatasetSrc* self = GST_EMO_DATASET_SRC(element);

    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
        DatasetState* state = load_dataset(self);
        if (!state) return GST_STATE_CHANGE_FAILURE;
        delete self->state;
        self->state = state;
    }
    GstStateChangeReturn ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
        delete self->state;
        self->state = NULL;
    }
    return ret;
}

static GstPad* gst_emo_dataset_src_request_new_pad(GstElement* element, GstPadTemplate* templ,
                                                   const gchar* name, const GstCaps* caps) {
    GstEmoDatasetSrc* self = GST_EMO_DATASET_SRC(element);
    (void)name;
    (void)caps;

    GST_OBJECT_LOCK(self);
    if (self->textpad) {
        GST_OBJECT_UNLOCK(self);
        GST_WARNING_OBJECT(self, "the text pad exists already");
        return NULL;
    }
    GstPad* pad = gst_pad_new_from_template(templ, "text");
    gst_pad_use_fixed_caps(pad);
    self->textpad = pad;
    GST_OBJECT_UNLOCK(self);
    gst_pad_set_active(pad, TRUE);
    gst_element_add_pad(element, pad);
    return pad;
}

static void gst_emo_dataset_src_release_pad(GstElement* element, GstPad* pad) {
    GstEmoDatasetSrc* self = GST_EMO_DATASET_SRC(element);

    GST_OBJECT_LOCK(self);
    if (self->textpad == pad) self->textpad = NULL;
    GST_OBJECT_UNLOCK(self);
    gst_pad_set_active(pad, FALSE);
    gst_element_remove_pad(element, pad);
}
