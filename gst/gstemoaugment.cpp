/**
 * SECTION:element-emoaugment
 * @title: emoaugment
 *
 * Augments the training utterances of a dataset stream, seeded and different every epoch:
 * speed perturbation, pitch shift, gain, additive noise at a drawn SNR (white, pink, brown, or
 * babble from the last 8 utterances of the same split), synthetic room reverberation, band
 * limiting and a telephone channel (300-3400 Hz, 8 kHz, mu-law or A-law). Put it between
 * `emodatasetsrc` and the feature extractor.
 *
 * It buffers each utterance between the `emotion-segment-start` and `emotion-segment-end`
 * events, transforms it whole and pushes it before the end event; all events are forwarded.
 * Utterances of splits not named in `splits` (by default validation and test) pass bit for bit.
 * Speed perturbation changes an utterance's length; the timestamps of everything after it are
 * shifted so that the output stays continuous (so leave speed out where another stream is aligned
 * with the audio by time, as ksmmtransformer's text pad is). Buffers outside the segment events
 * pass untouched. Holding whole utterances, the element suits dataset playback, not live input.
 *
 * Each utterance's draw depends only on (seed, epoch, utterance id): two runs with the same seed
 * augment identically, each epoch differently, and a run resumed at an epoch replays it. Unless
 * `seed` is set, the seed is the run's (`seed` of emodatasetsrc, carried by the
 * `emotion-epoch-start` event). Properties are read when the element starts; an invalid `recipe`
 * or `splits` is an error at that point.
 *
 * `recipe` holds comma-separated entries `NAME=LOW:HIGH[@PROBABILITY]` (a single value for a
 * fixed one; probability 1 when omitted), `telephone=PROBABILITY`, or `default` / `none`:
 * speed (factor 0.5..2), pitch (semitones -12..12), gain (dB -40..40), noise (SNR dB -10..60),
 * reverb (RT60 s 0.05..3), bandlimit (low-pass cutoff Hz 500..20000), telephone.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 emodatasetsrc location=emodb/manifest.csv epochs=30 shuffle=true seed=7 \
 *     valid-speakers=emodb03,emodb08 ! emoaugment recipe="speed=0.9:1.1@0.5,noise=5:20@0.5" \
 *     ! lldextract ! alstmclassify mode=train model-location=alstm-augmented.safetensors ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstemoaugment.h"

#include <gst/audio/audio.h>
#include <gst/emotion/emotion.h>

#include <memory>
#include <set>
#include <stdexcept>
#include <vector>

#include "dataset-events.h"
#include "elements.h"
#include "property-helpers.h"
#include "dsp/utterance_augmenter.h"
#include "train/dataset_plan.h"

GST_DEBUG_CATEGORY_STATIC(emo_augment_debug);
#define GST_CAT_DEFAULT emo_augment_debug

#define DEFAULT_RECIPE emotion::dsp::kDefaultRecipe
#define DEFAULT_SEED -1
#define DEFAULT_SPLITS "train"
#define DEFAULT_ENABLED TRUE
#define OUTPUT_CHUNK 4096 /* samples per pushed buffer of an augmented utterance */

enum {
    PROP_0,
    PROP_RECIPE,
    PROP_SEED,
    PROP_SPLITS,
    PROP_ENABLED,
};

#define AUDIO_CAPS                                                                                           \
    "audio/x-raw, format = (string) F32LE, channels = (int) 1, layout = (string) interleaved, "              \
    "rate = (int) [ 8000, 192000 ]"

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS(AUDIO_CAPS));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(AUDIO_CAPS));

struct AugmentState {
    emotion::dsp::Recipe recipe;
    bool enabled = true;
    bool all_splits = false;
    std::set<std::string> splits;
    gint64 seed = DEFAULT_SEED;

    std::unique_ptr<emotion::dsp::UtteranceAugmenter> augmenter; /* made at the caps */
    int rate = 0;
    guint epoch = 0;
    guint64 run_seed = 0;

    bool buffering = false; /* inside an utterance that is augmented */
    std::string id, split;
    std::vector<float> samples;
    GstClockTime start = GST_CLOCK_TIME_NONE; /* input PTS of its first buffer */
    GstClockTimeDiff shift = 0;               /* output time minus input time */
};

#define gst_emo_augment_parent_class parent_class
G_DEFINE_TYPE(GstEmoAugment, gst_emo_augment, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE(emoaugment, "emoaugment", GST_RANK_NONE, GST_TYPE_EMO_AUGMENT);

static void gst_emo_augment_finalize(GObject* object);
static void gst_emo_augment_set_property(GObject* object, guint prop_id, const GValue* value,
                                         GParamSpec* pspec);
static void gst_emo_augment_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);
static GstStateChangeReturn gst_emo_augment_change_state(GstElement* element, GstStateChange transition);
static GstFlowReturn gst_emo_augment_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer);
static gboolean gst_emo_augment_sink_event(GstPad* pad, GstObject* parent, GstEvent* event);

static void gst_emo_augment_class_init(GstEmoAugmentClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);

    gobject_class->finalize = gst_emo_augment_finalize;
    gobject_class->set_property = gst_emo_augment_set_property;
    gobject_class->get_property = gst_emo_augment_get_property;
    element_class->change_state = GST_DEBUG_FUNCPTR(gst_emo_augment_change_state);

    g_object_class_install_property(
        gobject_class, PROP_RECIPE,
        g_param_spec_string(
            "recipe", "Recipe",
            "Transforms, ranges and probabilities: comma-separated NAME=LOW:HIGH[@P] of speed "
            "(factor), pitch (semitones), gain (dB), noise (SNR dB), reverb (RT60 s), bandlimit "
            "(Hz), and telephone=P; 'default' or 'none'",
            DEFAULT_RECIPE,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_SEED,
        g_param_spec_int64(
            "seed", "Seed",
            "Seed of the draws, with the epoch and utterance id; -1: the run's seed carried by "
            "the epoch-start event (emodatasetsrc's seed), 0 without one",
            -1, G_MAXINT64, DEFAULT_SEED,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_SPLITS,
        g_param_spec_string(
            "splits", "Splits",
            "Comma-separated splits whose utterances are augmented (train, valid, test), or "
            "'all' (also utterances without a split); the others pass unchanged",
            DEFAULT_SPLITS,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_ENABLED,
        g_param_spec_boolean(
            "enabled", "Enabled", "Augment; FALSE passes everything through unchanged", DEFAULT_ENABLED,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);
    gst_element_class_set_static_metadata(
        element_class, "Speech augmentation", "Filter/Effect/Audio",
        "Seeded per-epoch augmentation of training utterances: speed, pitch, gain, noise, babble, reverb, "
        "band limiting, telephone channel",
        "gst-emotion");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        element_class, "example-launch-line",
        "gst-launch-1.0 emodatasetsrc location=emodb/manifest.csv epochs=30 shuffle=true seed=7 "
        "valid-speakers=emodb03,emodb08 ! emoaugment recipe=\"speed=0.9:1.1@0.5,noise=5:20@0.5\" ! "
        "lldextract ! "
        "alstmclassify mode=train model-location=alstm-augmented.safetensors ! fakesink");
    GST_DEBUG_CATEGORY_INIT(emo_augment_debug, "emoaugment", 0, "training data augmentation");
}

static void gst_emo_augment_init(GstEmoAugment* self) {
    new (&self->recipe) std::string(DEFAULT_RECIPE);
    new (&self->splits) std::string(DEFAULT_SPLITS);
    self->seed = DEFAULT_SEED;
    self->enabled = DEFAULT_ENABLED;
    self->state = nullptr;

    self->sinkpad = gst_pad_new_from_static_template(&sink_template, "sink");
    gst_pad_set_chain_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_emo_augment_chain));
    gst_pad_set_event_function(self->sinkpad, GST_DEBUG_FUNCPTR(gst_emo_augment_sink_event));
    GST_PAD_SET_PROXY_CAPS(self->sinkpad);
    gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
    self->srcpad = gst_pad_new_from_static_template(&src_template, "src");
    GST_PAD_SET_PROXY_CAPS(self->srcpad);
    gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}

static void gst_emo_augment_finalize(GObject* object) {
    GstEmoAugment* self = GST_EMO_AUGMENT(object);
    delete self->state;
    using std::string;
    self->recipe.~string();
    self->splits.~string();
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_emo_augment_set_property(GObject* object, guint prop_id, const GValue* value,
                                         GParamSpec* pspec) {
    GstEmoAugment* self = GST_EMO_AUGMENT(object);
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_RECIPE: emotion::gst::set_string_setting(self->recipe, value); break;
    case PROP_SEED: self->seed = g_value_get_int64(value); break;
    case PROP_SPLITS: emotion::gst::set_string_setting(self->splits, value); break;
    case PROP_ENABLED: self->enabled = g_value_get_boolean(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_emo_augment_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
    GstEmoAugment* self = GST_EMO_AUGMENT(object);
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_RECIPE: emotion::gst::get_string_setting(self->recipe, value); break;
    case PROP_SEED: g_value_set_int64(value, self->seed); break;
    case PROP_SPLITS: emotion::gst::get_string_setting(self->splits, value); break;
    case PROP_ENABLED: g_value_set_boolean(value, self->enabled); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

/* The streaming state from the settings; posts an error and returns NULL when they are invalid. */
static AugmentState* new_state(GstEmoAugment* self) {
    GST_OBJECT_LOCK(self);
    const std::string recipe = self->recipe, splits = self->splits;
    const gint64 seed = self->seed;
    const bool enabled = self->enabled;
    GST_OBJECT_UNLOCK(self);

    auto state = std::make_unique<AugmentState>();
    try {
        state->recipe = emotion::dsp::Recipe::parse(recipe);
    } catch (const std::invalid_argument& e) {
        GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("Invalid augmentation recipe \"%s\".", recipe.c_str()),
                          ("%s", e.what()));
        return nullptr;
    }
    for (const std::string& split : emotion::train::split_list(splits)) {
        if (split == "all") {
            state->all_splits = true;
        } else if (split == "train" || split == "valid" || split == "test") {
            state->splits.insert(split);
        } else {
            GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("Invalid splits \"%s\".", splits.c_str()),
                              ("unknown split '%s' (known: train, valid, test, all)", split.c_str()));
            return nullptr;
        }
    }
    state->enabled = enabled && !state->recipe.empty();
    state->seed = seed;
    state->run_seed = seed >= 0 ? (guint64)seed : 0;
    GST_INFO_OBJECT(self, "recipe %s, splits %s, %s", state->recipe.to_string().c_str(), splits.c_str(),
                    state->enabled ? "enabled" : "passthrough");
    return state.release();
}

static GstStateChangeReturn gst_emo_augment_change_state(GstElement* element, GstStateChange transition) {
    GstEmoAugment* self = GST_EMO_AUGMENT(element);
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
        AugmentState* state = new_state(self);
        if (!state) return GST_STATE_CHANGE_FAILURE;
        GST_PAD_STREAM_LOCK(self->sinkpad);
        delete self->state;
        self->state = state;
        GST_PAD_STREAM_UNLOCK(self->sinkpad);
    }
    GstStateChangeReturn ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
        GST_PAD_STREAM_LOCK(self->sinkpad);
        delete self->state;
        self->state = nullptr;
        GST_PAD_STREAM_UNLOCK(self->sinkpad);
    }
    return ret;
}

/* The utterance's name in every run: emodatasetsrc appends "@<epoch>" to its ids only when a run
 * has several epochs, which must not change the draw (the epoch is part of the seed anyway). */
static std::string utterance_name(const gchar* id, guint epoch) {
    std::string name = id ? id : "";
    const std::string suffix = "@" + std::to_string(epoch);
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        name.erase(name.size() - suffix.size());
    return name;
}

static bool augments(const AugmentState* state, const gchar* split) {
    if (!state->enabled) return false;
    if (state->all_splits) return true;
    return split && state->splits.count(split) > 0;
}

/* The buffered utterance augmented and pushed, its timestamps continuing the output. */
static GstFlowReturn push_utterance(GstEmoAugment* self, AugmentState* state) {
    state->buffering = false;
    if (state->samples.empty()) return GST_FLOW_OK;
    const size_t in_count = state->samples.size();
    std::vector<float> out = state->augmenter->augment(state->id, state->split, std::move(state->samples));
    state->samples.clear();
    GST_LOG_OBJECT(self, "%s: %s", state->id.c_str(), state->augmenter->last().to_string().c_str());

    const GstClockTime start = GST_CLOCK_TIME_IS_VALID(state->start) ? state->start : 0;
    const GstClockTime out_start = (GstClockTime)((GstClockTimeDiff)start + state->shift);
    GstFlowReturn flow = GST_FLOW_OK;
    for (size_t done = 0; done < out.size() && flow == GST_FLOW_OK; done += OUTPUT_CHUNK) {
        const size_t count = std::min<size_t>(OUTPUT_CHUNK, out.size() - done);
        GstBuffer* buffer = gst_buffer_new_memdup(out.data() + done, count * sizeof(float));
        GST_BUFFER_PTS(buffer) = out_start + gst_util_uint64_scale(done, GST_SECOND, state->rate);
        GST_BUFFER_DURATION(buffer) =
            out_start + gst_util_uint64_scale(done + count, GST_SECOND, state->rate) - GST_BUFFER_PTS(buffer);
        flow = gst_pad_push(self->srcpad, buffer);
    }
    state->shift += (GstClockTimeDiff)gst_util_uint64_scale(out.size(), GST_SECOND, state->rate) -
                    (GstClockTimeDiff)gst_util_uint64_scale(in_count, GST_SECOND, state->rate);
    return flow;
}

static GstFlowReturn gst_emo_augment_chain(GstPad* pad, GstObject* parent, GstBuffer* buffer) {
    GstEmoAugment* self = GST_EMO_AUGMENT(parent);
    AugmentState* state = self->state;
    (void)pad;
    if (!state) {
        gst_buffer_unref(buffer);
        return GST_FLOW_FLUSHING;
    }
    if (state->buffering) {
        if (!GST_CLOCK_TIME_IS_VALID(state->start)) state->start = GST_BUFFER_PTS(buffer);
        GstMapInfo map;
        if (!GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP) &&
            gst_buffer_map(buffer, &map, GST_MAP_READ)) {
            const float* data = (const float*)map.data;
            state->samples.insert(state->samples.end(), data, data + map.size / sizeof(float));
            gst_buffer_unmap(buffer, &map);
        }
        gst_buffer_unref(buffer);
        return GST_FLOW_OK;
    }
    if (state->shift != 0 && GST_BUFFER_PTS_IS_VALID(buffer)) {
        buffer = gst_buffer_make_writable(buffer); /* the samples stay as they are */
        GST_BUFFER_PTS(buffer) = (GstClockTime)((GstClockTimeDiff)GST_BUFFER_PTS(buffer) + state->shift);
    }
    return gst_pad_push(self->srcpad, buffer);
}

static gboolean gst_emo_augment_sink_event(GstPad* pad, GstObject* parent, GstEvent* event) {
    GstEmoAugment* self = GST_EMO_AUGMENT(parent);
    AugmentState* state = self->state;
    if (!state) return gst_pad_event_default(pad, parent, event);

    guint epoch = 0, epochs = 0;
    if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
        GstCaps* caps;
        GstAudioInfo info;
        gst_event_parse_caps(event, &caps);
        if (!gst_audio_info_from_caps(&info, caps)) {
            gst_event_unref(event);
            return FALSE;
        }
        if (state->rate != GST_AUDIO_INFO_RATE(&info) || !state->augmenter) {
            state->rate = GST_AUDIO_INFO_RATE(&info);
            state->augmenter = std::make_unique<emotion::dsp::UtteranceAugmenter>(state->recipe, state->rate);
            state->augmenter->start_epoch(state->run_seed, state->epoch);
        }
    } else if (gst_emotion_event_is_epoch_start(event) &&
               gst_emotion_event_parse_epoch(event, &epoch, &epochs)) {
        guint64 seed = 0;
        state->epoch = epoch;
        if (state->seed < 0) state->run_seed = emotion::gst::run_seed(event, &seed) ? seed : 0;
        if (state->augmenter) state->augmenter->start_epoch(state->run_seed, state->epoch);
    } else if (gst_emotion_event_is_segment_start(event)) {
        const gchar* split = gst_emotion_event_get_field(event, "split");
        state->buffering = state->augmenter && augments(state, split);
        state->id = utterance_name(gst_emotion_event_get_segment_id(event), state->epoch);
        state->split = split ? split : "";
        state->samples.clear();
        state->start = GST_CLOCK_TIME_NONE;
    } else if ((gst_emotion_event_is_segment_end(event) || GST_EVENT_TYPE(event) == GST_EVENT_EOS) &&
               state->buffering) {
        if (push_utterance(self, state) != GST_FLOW_OK) GST_DEBUG_OBJECT(self, "downstream stopped");
    } else if (GST_EVENT_TYPE(event) == GST_EVENT_FLUSH_STOP) {
        state->buffering = false;
        state->samples.clear();
        state->shift = 0;
    } else if (GST_EVENT_TYPE(event) == GST_EVENT_GAP && state->shift != 0) {
        GstClockTime timestamp, duration;
        gst_event_parse_gap(event, &timestamp, &duration);
        gst_event_unref(event);
        event = gst_event_new_gap((GstClockTime)((GstClockTimeDiff)timestamp + state->shift), duration);
    }
    return gst_pad_event_default(pad, parent, event);
}
