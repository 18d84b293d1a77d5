/**
 * SECTION:element-emotiondetect
 * @title: emotiondetect
 *
 * Emotion results from any raw audio in one element. The bin converts and resamples its input to
 * 16 kHz mono float, and builds, from the model file(s) in `model`, the feature extractor and the
 * classifier each file's recorded architecture needs: lldextract + alstmclassify or stlclassify,
 * mulawspec + apcnnclassify. Several comma-separated models are fused by emotionfuse (the first
 * model's segments are kept; list an LLD model first to keep VAD segments). Without `model` it
 * runs the shipped model of `architecture` (alstm, apcnn or stl; default the recommended stl);
 * with `model` the files' own architectures decide.
 *
 * Segmentation, windows, the longest segment, the speech gate and threads are set here once and
 * passed to the inner elements: `segmentation` and `window`/`hop` go to lldextract and the
 * classifiers, `max-segment` to the classifiers' `max-duration`, `min-speech`/`no-speech` and
 * `threads` to every classifier, `weights`/`fuse-timeout` to emotionfuse, `threshold` and
 * `cue-format` to whichever element makes the results (the classifier, or emotionfuse when
 * fused), `interim` to the classifier (one model only: emotionfuse fuses final results). Mu-law models
 * (apcnn) read mulawspec's own 2 s segments (1 s apart): with segmentation=vad (the default) mulawspec runs
 * the same VAD as lldextract and cuts the same speech segments, so they get one result per speech segment and
 * none without speech
 * (`min-speech`/`no-speech` do not apply to them); with `none` or `window` the whole stream is one
 * utterance and they are not gated by speech.
 *
 * Output is that of a classifier: K posteriors as other/tensors with a GstEmotionMeta, or lines
 * such as `angry (81%)` when downstream takes text/x-raw (subtitle muxers), plus the `emotion`
 * element messages and tag events of the classifiers (or of emotionfuse when fused).
 *
 * Latency: a result leaves when its segment ends, and VAD segments are cut into parts of at most
 * `max-segment` seconds, so in a live pipeline the element reports the extractor's latency plus
 * the longest part (VAD or upstream segments) or the window (segmentation=window), plus
 * `fuse-timeout` when fused: the bound on the time between a result's start and its push.
 *
 * `classifier-properties` sets any other property of the classifier(s), as a GstStructure
 * (`"props,temperature=1.5"`), after emotiondetect's own settings; each field is checked against the
 * classifier's property of that name (known, writable, type, range) at start.
 *
 * Training (`mode=train`) replaces the explicit pair `lldextract ! stlclassify mode=train` (or the
 * architecture's own pair) in a pipeline from emodatasetsrc, with the same model bit for bit: the
 * dataset's utterance and epoch events pass the converter, resampler (both in passthrough for its
 * 16 kHz mono float) and extractor unchanged. It trains one model: `model` (one file) is the
 * starting point of fine-tuning, in its recorded architecture; without it a new model of
 * `architecture` (default stl, the recommended one). The model goes to `model-location`, its checkpoint next
 * to it; every other training setting (learning-rate, patience, seed, resume, ...) is a field of
 * `classifier-properties`. The inference settings (segmentation, window, hop, max-segment,
 * min-speech, no-speech, threshold, cue-format, interim, weights, fuse-timeout) do not apply: the
 * extractor and the classifier keep their own defaults, as in the explicit pair; `threads` does.
 * Progress messages, `emotion-training` epoch summaries and checkpoints are the classifier's.
 *
 * The inner elements are built when the element starts (READY -> PAUSED) and removed when it
 * stops; they are named `convert`, `resample`, `lld`/`mulaw`, `classifier0`, `classifier1`, ...
 * and `fuse`, for applications that want to reach them. A missing or unreadable model file, a
 * text model (ksmm: use ksmmtransformer), a model listed twice, an unknown `architecture` or one
 * that is not a given model's, several models in mode=train, and a `classifier-properties` field
 * the classifier does not take (or that emotiondetect sets itself: model, mode, model-location)
 * are errors at start that say what is wrong.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 filesrc location=talk.wav ! decodebin ! emotiondetect ! emotionsink location=emotions.vtt
 * format=webvtt
 * ]|
 * Training a new stl model (as `lldextract ! stlclassify mode=train patience=5`):
 * |[
 * gst-launch-1.0 emodatasetsrc location=emodb/manifest.csv labels=angry,happy,neutral,sad epochs=40
 * shuffle=true valid-speakers=emodb08,emodb09 ! emotiondetect mode=train architecture=stl
 * classifier-properties="props,patience=5" model-location=stl.safetensors ! fakesink
 * ]|
 */
#include "gstemotiondetect.h"

#include <algorithm>
#include <stdexcept>

#include "detect-plan.h"
#include "elements.h"
#include "property-helpers.h"
#include "structure-properties.h"

GST_DEBUG_CATEGORY_STATIC(emotion_detect_debug);
#define GST_CAT_DEFAULT emotion_detect_debug

using emotion::gst::DetectPlan;
using emotion::gst::get_string_setting;
using emotion::gst::set_string_setting;

enum {
    PROP_0,
    PROP_MODEL,
    PROP_SEGMENTATION,
    PROP_WINDOW,
    PROP_HOP,
    PROP_MAX_SEGMENT,
    PROP_MIN_SPEECH,
    PROP_NO_SPEECH,
    PROP_THREADS,
    PROP_WEIGHTS,
    PROP_FUSE_TIMEOUT,
    PROP_THRESHOLD,
    PROP_CUE_FORMAT,
    PROP_INTERIM,
    PROP_MODE,
    PROP_ARCHITECTURE,
    PROP_MODEL_LOCATION,
    PROP_CLASSIFIER_PROPERTIES,
};

#define gst_emotion_detect_parent_class parent_class
G_DEFINE_TYPE(GstEmotionDetect, gst_emotion_detect, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE(emotiondetect, "emotiondetect", GST_RANK_NONE, GST_TYPE_EMOTION_DETECT);

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS("audio/x-raw"));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("other/tensors,format=static,num_tensors=1,types=float32; "
                                            "text/x-raw,format=utf8"));

namespace {

using Settings = emotion::gst::DetectSettings;

Settings settings_copy(GstEmotionDetect* self) {
    GST_OBJECT_LOCK(self);
    Settings s = self->settings;
    GST_OBJECT_UNLOCK(self);
    return s;
}

/* What the plan leaves to build: elements are added to the bin as they are made, so that one
 * teardown frees them on every path. */
class Builder {
public:
    explicit Builder(GstEmotionDetect* self) : self_(self) {}

    GstElement* make(const char* factory, const std::string& name) {
        GstElement* element = gst_element_factory_make(factory, name.c_str());
        if (!element)
            throw std::runtime_error(std::string("GStreamer has no element '") + factory +
                                     "' (gstreamer1.0-plugins-base and this plugin must be installed)");
        gst_bin_add(GST_BIN(self_), element);
        self_->inner = g_list_append(self_->inner, element);
        return element;
    }

    static void link(GstElement* from, GstElement* to) {
        if (!gst_element_link(from, to))
            throw std::runtime_error(std::string("cannot link ") + GST_ELEMENT_NAME(from) + " to " +
                                     GST_ELEMENT_NAME(to));
    }

    /* `from` feeding `count` consumers: itself, or a tee with a queue per consumer. */
    std::vector<GstElement*> fan_out(GstElement* from, size_t count, const std::string& name) {
        if (count == 1) return {from};
        GstElement* tee = make("tee", name + "_tee");
        link(from, tee);
        std::vector<GstElement*> outputs;
        for (size_t i = 0; i < count; ++i) {
            GstElement* queue = make("queue", name + "_queue" + std::to_string(i));
            link(tee, queue);
            outputs.push_back(queue);
        }
        return outputs;
    }

private:
    GstEmotionDetect* self_;
};

/* What classifier-properties may not set: the bin sets these itself. */
const emotion::gst::PropertyStructureSource& classifier_properties_source() {
    static const emotion::gst::PropertyStructureSource source{
        "classifier-properties", "emotiondetect", {"model", "mode", "model-location"}};
    return source;
}

/* The extractor's segmentation. Training leaves the extractor's defaults, as in the explicit pair:
 * emodatasetsrc's utterance events mark the segments. */
void configure_extractor(GstElement* extractor, const Settings& s, bool lld) {
    if (s.train()) return;
    if (lld)
        g_object_set(extractor, "segmentation", s.segmentation, "window", s.window, "hop", s.hop, NULL);
    else if (s.segmentation == GST_EMOTION_SEGMENTATION_VAD)
        /* mulawspec's segments are its own 2 s windows: it takes the VAD, not window/hop */
        g_object_set(extractor, "segmentation", s.segmentation, NULL);
}

/* The bin's settings for the classifier of `model`, then classifier-properties. Training sets only
 * threads, the starting model and the output, and keeps the classifier's other defaults (the
 * inference settings do not apply), so that it learns exactly as the explicit pair does. */
void configure_classifier(GstElement* classifier, const Settings& s, const emotion::gst::DetectModel& model,
                          bool fused, bool lld, const GstStructure* properties) {
    g_object_set(classifier, "threads", s.threads, NULL);
    if (!model.path.empty()) g_object_set(classifier, "model", model.path.c_str(), NULL);
    if (s.train()) {
        g_object_set(classifier, "mode", GST_EMOTION_CLASSIFIER_MODE_TRAIN, NULL);
        if (!s.model_location.empty())
            g_object_set(classifier, "model-location", s.model_location.c_str(), NULL);
    } else {
        g_object_set(classifier, "max-duration", s.max_segment, "cue-format", s.cue_format.c_str(), NULL);
        /* emotionfuse fuses final results only: fused classifiers need no interim ones */
        if (!fused) g_object_set(classifier, "threshold", s.threshold, "interim", s.interim, NULL);
        if (lld)
            g_object_set(classifier, "window", std::min(s.window, 60.0), "hop", std::min(s.hop, 60.0),
                         "min-speech", s.min_speech, "no-speech", s.no_speech, NULL);
    }
    emotion::gst::set_structure_properties(classifier, properties, classifier_properties_source());
}

/* Builds the plan's elements behind the ghost sink pad; returns the element whose src pad is the
 * output. */
GstElement* build_graph(GstEmotionDetect* self, const Settings& s, const DetectPlan& plan,
                        const GstStructure* classifier_properties) {
    Builder b(self);
    GstElement* convert = b.make("audioconvert", "convert");
    GstElement* resample = b.make("audioresample", "resample");
    GstElement* format = b.make("capsfilter", "format");
    GstCaps* caps = gst_caps_from_string("audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved");
    g_object_set(format, "caps", caps, NULL);
    gst_caps_unref(caps);
    Builder::link(convert, resample);
    Builder::link(resample, format);

    std::vector<GstElement*> classifiers(plan.models.size());
    std::vector<GstElement*> audio = b.fan_out(format, plan.branches.size(), "audio");
    for (size_t i = 0; i < plan.branches.size(); ++i) {
        const emotion::gst::DetectBranch& branch = plan.branches[i];
        const bool lld = branch.features_element == "lldextract";
        GstElement* extractor = b.make(branch.features_element.c_str(), lld ? "lld" : "mulaw");
        configure_extractor(extractor, s, lld);
        Builder::link(audio[i], extractor);

        std::vector<GstElement*> features = b.fan_out(extractor, branch.models.size(), lld ? "lld" : "mulaw");
        for (size_t j = 0; j < branch.models.size(); ++j) {
            const size_t index = branch.models[j];
            const emotion::gst::DetectModel& model = plan.models[index];
            GstElement* classifier =
                b.make(model.architecture->element.c_str(), "classifier" + std::to_string(index));
            configure_classifier(classifier, s, model, plan.fused(), lld, classifier_properties);
            Builder::link(features[j], classifier);
            classifiers[index] = classifier;
        }
    }
    if (!plan.fused()) return classifiers[0];

    GstElement* fuse = b.make("emotionfuse", "fuse");
    g_object_set(fuse, "timeout", s.fuse_timeout, "threshold", s.threshold, "cue-format",
                 s.cue_format.c_str(), NULL);
    if (!s.weights.empty()) g_object_set(fuse, "weights", s.weights.c_str(), NULL);
    for (GstElement* classifier : classifiers) { /* sink_0 first: the model list's order */
        GstPad* sink = gst_element_request_pad_simple(fuse, "sink_%u");
        GstPad* src = gst_element_get_static_pad(classifier, "src");
        const bool linked = gst_pad_link(src, sink) == GST_PAD_LINK_OK;
        gst_object_unref(src);
        gst_object_unref(sink);
        if (!linked) throw std::runtime_error("cannot link the classifiers to emotionfuse");
    }
    return fuse;
}

void teardown(GstEmotionDetect* self) {
    gst_ghost_pad_set_target(GST_GHOST_PAD(self->sinkpad), NULL);
    gst_ghost_pad_set_target(GST_GHOST_PAD(self->srcpad), NULL);
    for (GList* l = self->inner; l; l = l->next) {
        GstElement* element = GST_ELEMENT(l->data);
        gst_element_set_state(element, GST_STATE_NULL);
        gst_bin_remove(GST_BIN(self), element); /* the bin held the only reference */
    }
    g_list_free(self->inner);
    self->inner = NULL;
}

bool build(GstEmotionDetect* self) {
    const Settings s = settings_copy(self);
    try {
        const emotion::gst::StructurePtr classifier_properties =
            emotion::gst::parse_property_structure(s.classifier_properties, classifier_properties_source());
        const DetectPlan plan = emotion::gst::plan_detection({s.model, s.architecture, s.train()});
        GstElement* output = build_graph(self, s, plan, classifier_properties.get());
        GstPad* sink = gst_element_get_static_pad(GST_ELEMENT(self->inner->data), "sink");
        GstPad* src = gst_element_get_static_pad(output, "src");
        gst_ghost_pad_set_target(GST_GHOST_PAD(self->sinkpad), sink);
        gst_ghost_pad_set_target(GST_GHOST_PAD(self->srcpad), src);
        gst_object_unref(sink);
        gst_object_unref(src);
        GST_INFO_OBJECT(self, "%zu model(s), %zu feature extractor(s)%s%s", plan.models.size(),
                        plan.branches.size(), plan.fused() ? ", fused" : "", s.train() ? ", training" : "");
        return true;
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("%s", e.what()),
                          ("mode=%s model=\"%s\" architecture=\"%s\"", s.train() ? "train" : "infer",
                           s.model.c_str(), s.architecture.c_str()));
        teardown(self);
        return false;
    }
}

/* The longest time between a result's start and its push beyond what the inner elements report:
 * the classifiers count one window, but a VAD or upstream segment lasts up to max-segment. */
GstClockTime unreported_latency(GstEmotionDetect* self) {
    GST_OBJECT_LOCK(self);
    double extra = self->settings.segmentation == GST_EMOTION_SEGMENTATION_WINDOW
                       ? 0.0
                       : std::max(0.0, self->settings.max_segment - std::min(self->settings.window, 60.0));
    GST_OBJECT_UNLOCK(self);
    return (GstClockTime)(extra * GST_SECOND);
}

} // namespace

static gboolean gst_emotion_detect_src_query(GstPad* pad, GstObject* parent, GstQuery* query) {
    if (!gst_pad_query_default(pad, parent, query)) return FALSE;
    if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
        gboolean live;
        GstClockTime min, max;
        gst_query_parse_latency(query, &live, &min, &max);
        const GstClockTime extra = unreported_latency(GST_EMOTION_DETECT(parent));
        min += extra;
        if (GST_CLOCK_TIME_IS_VALID(max)) max = std::max(max, min);
        gst_query_set_latency(query, live, min, max);
    }
    return TRUE;
}

static GstStateChangeReturn gst_emotion_detect_change_state(GstElement* element, GstStateChange transition) {
    GstEmotionDetect* self = GST_EMOTION_DETECT(element);
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !build(self)) return GST_STATE_CHANGE_FAILURE;
    GstStateChangeReturn ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
    if (ret == GST_STATE_CHANGE_FAILURE && transition == GST_STATE_CHANGE_READY_TO_PAUSED) teardown(self);
    if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) teardown(self);
    return ret;
}

static void gst_emotion_detect_set_property(GObject* object, guint id, const GValue* value,
                                            GParamSpec* pspec) {
    GstEmotionDetect* self = GST_EMOTION_DETECT(object);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_MODEL: set_string_setting(self->settings.model, value); break;
    case PROP_SEGMENTATION:
        self->settings.segmentation = (GstEmotionSegmentation)g_value_get_enum(value);
        break;
    case PROP_WINDOW: self->settings.window = g_value_get_double(value); break;
    case PROP_HOP: self->settings.hop = g_value_get_double(value); break;
    case PROP_MAX_SEGMENT: self->settings.max_segment = g_value_get_double(value); break;
    case PROP_MIN_SPEECH: self->settings.min_speech = g_value_get_double(value); break;
    case PROP_NO_SPEECH: self->settings.no_speech = (GstEmotionNoSpeech)g_value_get_enum(value); break;
    case PROP_THREADS: self->settings.threads = g_value_get_int(value); break;
    case PROP_WEIGHTS: set_string_setting(self->settings.weights, value); break;
    case PROP_FUSE_TIMEOUT: self->settings.fuse_timeout = g_value_get_double(value); break;
    case PROP_THRESHOLD: self->settings.threshold = g_value_get_double(value); break;
    case PROP_INTERIM: self->settings.interim = g_value_get_double(value); break;
    case PROP_CUE_FORMAT: set_string_setting(self->settings.cue_format, value); break;
    case PROP_MODE: self->settings.mode = (GstEmotionClassifierMode)g_value_get_enum(value); break;
    case PROP_ARCHITECTURE: set_string_setting(self->settings.architecture, value); break;
    case PROP_MODEL_LOCATION: set_string_setting(self->settings.model_location, value); break;
    case PROP_CLASSIFIER_PROPERTIES: set_string_setting(self->settings.classifier_properties, value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_emotion_detect_get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
    GstEmotionDetect* self = GST_EMOTION_DETECT(object);
    GST_OBJECT_LOCK(self);
    switch (id) {
    case PROP_MODEL: get_string_setting(self->settings.model, value); break;
    case PROP_SEGMENTATION: g_value_set_enum(value, self->settings.segmentation); break;
    case PROP_WINDOW: g_value_set_double(value, self->settings.window); break;
    case PROP_HOP: g_value_set_double(value, self->settings.hop); break;
    case PROP_MAX_SEGMENT: g_value_set_double(value, self->settings.max_segment); break;
    case PROP_MIN_SPEECH: g_value_set_double(value, self->settings.min_speech); break;
    case PROP_NO_SPEECH: g_value_set_enum(value, self->settings.no_speech); break;
    case PROP_THREADS: g_value_set_int(value, self->settings.threads); break;
    case PROP_WEIGHTS: get_string_setting(self->settings.weights, value); break;
    case PROP_FUSE_TIMEOUT: g_value_set_double(value, self->settings.fuse_timeout); break;
    case PROP_THRESHOLD: g_value_set_double(value, self->settings.threshold); break;
    case PROP_INTERIM: g_value_set_double(value, self->settings.interim); break;
    case PROP_CUE_FORMAT: g_value_set_string(value, self->settings.cue_format.c_str()); break;
    case PROP_MODE: g_value_set_enum(value, self->settings.mode); break;
    case PROP_ARCHITECTURE: get_string_setting(self->settings.architecture, value); break;
    case PROP_MODEL_LOCATION: get_string_setting(self->settings.model_location, value); break;
    case PROP_CLASSIFIER_PROPERTIES: get_string_setting(self->settings.classifier_properties, value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_emotion_detect_finalize(GObject* object) {
    GstEmotionDetect* self = GST_EMOTION_DETECT(object);
    g_list_free(self->inner); /* the elements themselves went with the bin's children */
    self->settings.~DetectSettings();
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void install_properties(GObjectClass* klass) {
    const Settings defaults;
    const GParamFlags flags =
        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
    g_object_class_install_property(
        klass, PROP_MODE,
        g_param_spec_enum("mode", "Mode",
                          "infer: emotion results; train: the classifier learns from emodatasetsrc's "
                          "labelled utterances (one model) and writes it to model-location",
                          GST_TYPE_EMOTION_CLASSIFIER_MODE, defaults.mode, flags));
    g_object_class_install_property(
        klass, PROP_MODEL,
        g_param_spec_string("model", "Model",
                            "Model file(s) (safetensors), comma-separated; several are fused (emotionfuse, "
                            "the first one's segments kept). Each file's recorded architecture chooses "
                            "its feature extractor and classifier. mode=train: one file, the starting "
                            "point (fine-tuning). Default (NULL): the shipped model of 'architecture' "
                            "(searched as the classifiers do); mode=train: a new model of it",
                            NULL, flags));
    g_object_class_install_property(
        klass, PROP_ARCHITECTURE,
        g_param_spec_string("architecture", "Architecture",
                            "Without 'model': the architecture to run (its shipped model) or to train "
                            "(a new model): alstm, apcnn or stl. With 'model' the files' own "
                            "architecture decides, and another one here is an error. Default (NULL): "
                            "the recommended one, stl",
                            NULL, flags));
    g_object_class_install_property(
        klass, PROP_MODEL_LOCATION,
        g_param_spec_string("model-location", "Model location",
                            "mode=train: where the best model is written (the classifier's "
                            "model-location; its checkpoint goes next to it)",
                            NULL, flags));
    g_object_class_install_property(
        klass, PROP_CLASSIFIER_PROPERTIES,
        g_param_spec_string("classifier-properties", "Classifier properties",
                            "Any other property of the classifier(s), as a GstStructure, e.g. "
                            "\"props,learning-rate=0.001,patience=5\" (the name may be left out); set "
                            "after emotiondetect's own. Each field must be a writable property of the "
                            "classifier with a value of its type and range; model, mode and "
                            "model-location are emotiondetect's own properties. Checked at start",
                            NULL, flags));
    g_object_class_install_property(
        klass, PROP_SEGMENTATION,
        g_param_spec_enum("segmentation", "Segmentation",
                          "How the input is cut into segments when upstream sends no segment "
                          "events: speech stretches (vad), fixed windows, or none (upstream segments, "
                          "else fixed windows)",
                          GST_TYPE_EMOTION_SEGMENTATION, defaults.segmentation, flags));
    g_object_class_install_property(
        klass, PROP_WINDOW,
        g_param_spec_double("window", "Window",
                            "Seconds of a fixed window (segmentation=window, and the classifiers' "
                            "fallback windows up to 60 s)",
                            emotion::gst::kSegmentWindowMin, emotion::gst::kSegmentWindowMax, defaults.window,
                            flags));
    g_object_class_install_property(
        klass, PROP_HOP,
        g_param_spec_double("hop", "Hop", "Seconds between the starts of fixed windows",
                            emotion::gst::kSegmentHopMin, emotion::gst::kSegmentHopMax, defaults.hop, flags));
    g_object_class_install_property(
        klass, PROP_MAX_SEGMENT,
        g_param_spec_double("max-segment", "Maximum segment",
                            "Longest part of a segment classified as one result, seconds: longer VAD or "
                            "upstream segments give a result per part, so results stay within the "
                            "reported latency (the classifiers' max-duration)",
                            1.0, 3600.0, defaults.max_segment, flags));
    g_object_class_install_property(
        klass, PROP_MIN_SPEECH,
        g_param_spec_double("min-speech", "Minimum speech",
                            "LLD models: least fraction of a part's frames that must be speech for it to "
                            "be classified; 0 classifies everything",
                            0.0, 1.0, defaults.min_speech, flags));
    g_object_class_install_property(
        klass, PROP_NO_SPEECH,
        g_param_spec_enum("no-speech", "No speech",
                          "What a part with less speech than min-speech gives: nothing, or a no-speech "
                          "result",
                          GST_TYPE_EMOTION_NO_SPEECH, defaults.no_speech, flags));
    g_object_class_install_property(klass, PROP_THREADS,
                                    g_param_spec_int("threads", "Threads",
                                                     "CPU threads each model may use for one segment", 1, 64,
                                                     defaults.threads, flags));
    g_object_class_install_property(
        klass, PROP_WEIGHTS,
        g_param_spec_string("weights", "Weights",
                            "Several models: comma-separated weight of each, in model order (emotionfuse's "
                            "weights). Default (NULL): equal",
                            NULL, flags));
    g_object_class_install_property(
        klass, PROP_FUSE_TIMEOUT,
        g_param_spec_double("fuse-timeout", "Fusion timeout",
                            "Several models, live: seconds a result waits for the other models' results "
                            "(emotionfuse's timeout); added to the reported latency",
                            0.0, 60.0, defaults.fuse_timeout, flags));
    g_object_class_install_property(
        klass, PROP_THRESHOLD,
        g_param_spec_double("threshold", "Threshold",
                            "Results whose top posterior (fused, with several models) is below this are "
                            "uncertain (the classifiers' and emotionfuse's threshold). 0: off",
                            0.0, 1.0, defaults.threshold, flags));
    g_object_class_install_property(
        klass, PROP_INTERIM,
        g_param_spec_double("interim", "Interim results",
                            "Seconds between interim results of a segment still open (the classifier's "
                            "interim): results with interim=true before the segment's final one, for live "
                            "displays. 0: off; else 0.5 to 60. Ignored with several models (emotionfuse "
                            "fuses final results only)",
                            0.0, 60.0, defaults.interim, flags));
    g_object_class_install_property(
        klass, PROP_CUE_FORMAT,
        g_param_spec_string("cue-format", "Cue format",
                            "Text output: the line of each result, placeholders {label}, {percent}, "
                            "{confidence}, {segment} (the classifiers' cue-format). Empty: the default, "
                            "'{label} ({percent}%)'",
                            "", flags));
}

static void gst_emotion_detect_class_init(GstEmotionDetectClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GST_DEBUG_CATEGORY_INIT(emotion_detect_debug, "emotiondetect", 0, "emotion detection bin");

    gobject_class->set_property = gst_emotion_detect_set_property;
    gobject_class->get_property = gst_emotion_detect_get_property;
    gobject_class->finalize = gst_emotion_detect_finalize;
    install_properties(gobject_class);
    element_class->change_state = gst_emotion_detect_change_state;

    gst_element_class_add_static_pad_template(element_class, &sink_template);
    gst_element_class_add_static_pad_template(element_class, &src_template);
    gst_element_class_set_static_metadata(
        element_class, "Emotion detection", "Filter/Analyzer/Audio/Bin",
        "Emotion results from raw audio: conversion, features, the classifier(s) of the given model "
        "file(s) and their fusion in one element",
        "gst-emotion developers");
    gst_element_class_add_static_metadata(
        element_class, "example-launch-line",
        "gst-launch-1.0 filesrc location=talk.wav ! decodebin ! emotiondetect ! emotionsink "
        "location=emotions.vtt format=webvtt");
}

static void gst_emotion_detect_init(GstEmotionDetect* self) {
    new (&self->settings) Settings();
    self->inner = NULL;

    self->sinkpad = gst_ghost_pad_new_no_target_from_template(
        "sink", gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(self), "sink"));
    gst_element_add_pad(GST_ELEMENT(self), self->sinkpad);
    self->srcpad = gst_ghost_pad_new_no_target_from_template(
        "src", gst_element_class_get_pad_template(GST_ELEMENT_GET_CLASS(self), "src"));
    gst_pad_set_query_function(self->srcpad, gst_emotion_detect_src_query);
    gst_element_add_pad(GST_ELEMENT(self), self->srcpad);
}
