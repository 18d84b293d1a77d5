/* The classifier properties and their enum types: see the header. */
#include "classifier-properties.h"

#include "property-helpers.h"

namespace emotion::gst {

namespace {

enum Offset {
    MODEL,
    THREADS,
    MODE,
    WINDOW,
    HOP,
    MAX_DURATION,
    MIN_SPEECH,
    NO_SPEECH,
    CUE_FORMAT,
    THRESHOLD,
    TEMPERATURE,
    BALANCE,
    INTERIM,
    TRAINING_FIRST
};

} // namespace

stream::CollectorSettings ClassifierSettings::collector(const models::Architecture& architecture) const {
    stream::CollectorSettings c;
    c.items = architecture.features.kind == models::FeatureKind::Lld ? stream::ItemKind::Frame
                                                                     : stream::ItemKind::WholeSegment;
    c.item_size = architecture.item_size();
    c.cover_unsegmented = !train();
    c.window = window;
    c.hop = hop;
    c.max_duration = max_duration;
    c.interim = train() ? 0.0 : interim; /* learning takes whole segments only */
    return c;
}

void classifier_properties_install(GObjectClass* klass, guint first, const char* model_blurb,
                                   const char* window_blurb, bool with_interim) {
    const GParamFlags flags =
        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
    const ClassifierSettings defaults;
    g_object_class_install_property(klass, first + MODEL,
                                    g_param_spec_string("model", "Model", model_blurb, NULL, flags));
    g_object_class_install_property(klass, first + THREADS,
                                    g_param_spec_int("threads", "Threads",
                                                     "CPU threads the model may use for one segment", 1, 64,
                                                     defaults.threads, flags));
    g_object_class_install_property(klass, first + MODE,
                                    g_param_spec_enum("mode", "Mode", "What to do with the segments",
                                                      GST_TYPE_EMOTION_CLASSIFIER_MODE, defaults.mode,
                                                      flags));
    g_object_class_install_property(
        klass, first + WINDOW,
        g_param_spec_double("window", "Window", window_blurb, 0.25, 60.0, defaults.window, flags));
    g_object_class_install_property(
        klass, first + HOP,
        g_param_spec_double("hop", "Hop", "Seconds between the starts of consecutive fallback windows", 0.1,
                            60.0, defaults.hop, flags));
    g_object_class_install_property(
        klass, first + MAX_DURATION,
        g_param_spec_double(
            "max-duration", "Maximum duration",
            "Longest span in seconds held for one result: a longer segment is classified in parts, "
            "so memory stays bounded on endless streams",
            1.0, 3600.0, defaults.max_duration, flags));
    g_object_class_install_property(
        klass, first + MIN_SPEECH,
        g_param_spec_double(
            "min-speech", "Minimum speech",
            "Least fraction of a segment's or window's LLD frames that the energy VAD must find to be "
            "speech for it to be classified (none when its voiced frames mostly hold their pitch, as "
            "notes of music do); 0 classifies everything. Ignored for mu-law input "
            "(apcnnclassify) and in mode=train",
            0.0, 1.0, defaults.min_speech, flags));
    g_object_class_install_property(
        klass, first + NO_SPEECH,
        g_param_spec_enum("no-speech", "No speech",
                          "What a segment with less speech than min-speech gives: nothing, or a result "
                          "labelled no-speech (emotion message without scores; text output: a line; tensor "
                          "output: a GAP event)",
                          GST_TYPE_EMOTION_NO_SPEECH, defaults.no_speech, flags));
    g_object_class_install_property(
        klass, first + CUE_FORMAT,
        g_param_spec_string("cue-format", "Cue format",
                            "Text output (text/x-raw, e.g. a subtitle track): the line of each result, with "
                            "the placeholders {label}, {percent} (confidence in %, rounded), {confidence} "
                            "(0.00-1.00) and {segment} (segment id), as emotionsink's cue-format; an unknown "
                            "placeholder is an error at start. Empty: the default",
                            defaults.cue_format.c_str(), flags));
    threshold_property_install(klass, first + THRESHOLD);
    g_object_class_install_property(
        klass, first + TEMPERATURE,
        g_param_spec_double(
            "temperature", "Temperature",
            "Calibration: the posteriors are softmax(logits / temperature). 0 takes the model "
            "file's temperature (fitted on validation data by emotion-eval --calibrate; 1 when "
            "the file has none); a value > 0 overrides it (1: the model's raw posteriors)",
            0.0, 100.0, defaults.temperature, flags));
    g_object_class_install_property(
        klass, first + BALANCE,
        g_param_spec_enum(
            "balance", "Balance",
            "Label-shift correction per voice: speaker divides each result's calibrated posteriors by the "
            "running mean of the posteriors its speaker (the stream's when the stream names none) got so "
            "far, from a start of 2 uniform results, and renormalises. It assumes a voice expresses the "
            "emotions about equally often over time: on speech of another corpus it removes much of a "
            "model's per-voice bias (README \"Balance per voice\": ravdess-dev UA 0.479 -> 0.513 for stl), "
            "and it "
            "reads a voice that holds one emotion for long as less of it. Forgotten at a new stream and "
            "a flush",
            GST_TYPE_EMOTION_BALANCE, defaults.balance, flags));
    if (with_interim)
        g_object_class_install_property(
            klass, first + INTERIM,
            g_param_spec_double(
                "interim", "Interim results",
                "Seconds between interim results of a segment still open (VAD or upstream segments, "
                "not fallback windows): the frames since its start (or since the last max-duration "
                "cut) are classified and published with the segment's id, PTS = its start and "
                "interim=true in the GstEmotionMeta and the emotion message; the final result "
                "follows as without them. For live displays. 0: off; else 0.5 to 60. Not in "
                "mode=train",
                0.0, 60.0, defaults.interim, flags));
    training_properties_install(klass, first + TRAINING_FIRST);
}

bool classifier_properties_set(ClassifierSettings& s, guint first, guint id, const GValue* value) {
    if (id < first) return false;
    switch (id - first) {
    case MODEL: set_string_setting(s.model, value); return true;
    case THREADS: s.threads = g_value_get_int(value); return true;
    case MODE: s.mode = (GstEmotionClassifierMode)g_value_get_enum(value); return true;
    case WINDOW: s.window = g_value_get_double(value); return true;
    case HOP: s.hop = g_value_get_double(value); return true;
    case MAX_DURATION: s.max_duration = g_value_get_double(value); return true;
    case MIN_SPEECH: s.min_speech = g_value_get_double(value); return true;
    case NO_SPEECH: s.no_speech = (GstEmotionNoSpeech)g_value_get_enum(value); return true;
    case CUE_FORMAT:
        set_string_setting(s.cue_format, value);
        if (s.cue_format.empty()) s.cue_format = io::kDefaultCueFormat;
        return true;
    case THRESHOLD: s.threshold = g_value_get_double(value); return true;
    case TEMPERATURE: s.temperature = g_value_get_double(value); return true;
    case BALANCE: s.balance = (GstEmotionBalance)g_value_get_enum(value); return true;
    case INTERIM: s.interim = g_value_get_double(value); return true;
    default: return training_properties_set(s.training, first + TRAINING_FIRST, id, value);
    }
}

bool classifier_properties_get(const ClassifierSettings& s, guint first, guint id, GValue* value) {
    if (id < first) return false;
    switch (id - first) {
    case MODEL: get_string_setting(s.model, value); return true;
    case THREADS: g_value_set_int(value, s.threads); return true;
    case MODE: g_value_set_enum(value, s.mode); return true;
    case WINDOW: g_value_set_double(value, s.window); return true;
    case HOP: g_value_set_double(value, s.hop); return true;
    case MAX_DURATION: g_value_set_double(value, s.max_duration); return true;
    case MIN_SPEECH: g_value_set_double(value, s.min_speech); return true;
    case NO_SPEECH: g_value_set_enum(value, s.no_speech); return true;
    case CUE_FORMAT: get_string_setting(s.cue_format, value); return true;
    case THRESHOLD: g_value_set_double(value, s.threshold); return true;
    case TEMPERATURE: g_value_set_double(value, s.temperature); return true;
    case BALANCE: g_value_set_enum(value, s.balance); return true;
    case INTERIM: g_value_set_double(value, s.interim); return true;
    default: return training_properties_get(s.training, first + TRAINING_FIRST, id, value);
    }
}

bool cue_format_usable(GstElement* element, const std::string& cue_format) {
    try {
        io::check_cue_format(cue_format);
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("Invalid cue-format '%s'.", cue_format.c_str()),
                          ("%s", e.what()));
        return false;
    }
    return true;
}

bool classifier_settings_check(GstElement* element, const ClassifierSettings& settings) {
    if (!cue_format_usable(element, settings.cue_format)) return false;
    if (settings.interim > 0.0 && settings.interim < kInterimMin) {
        GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS,
                          ("Invalid interim %g: 0 (off) or %g to 60 seconds.", settings.interim, kInterimMin),
                          (NULL));
        return false;
    }
    return true;
}

void threshold_property_install(GObjectClass* klass, guint id) {
    g_object_class_install_property(
        klass, id,
        g_param_spec_double(
            "threshold", "Threshold",
            "Results whose top posterior is below this are uncertain: labelled 'uncertain' in "
            "text output, and with uncertain=true (and the most likely label) in the emotion "
            "message and GstEmotionMeta; they do not count for the dominant emotion. 0: off",
            0.0, 1.0, 0.0,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
}

ClassifierSettings classifier_settings_copy(GstElement* element, const ClassifierSettings& settings) {
    GST_OBJECT_LOCK(element);
    ClassifierSettings copy = settings;
    GST_OBJECT_UNLOCK(element);
    return copy;
}

} // namespace emotion::gst

/* ---- the enum types of the properties --------------------------------------------------- */

GType gst_emotion_classifier_mode_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_EMOTION_CLASSIFIER_MODE_INFER, "Classify segments with the model", "infer"},
        {GST_EMOTION_CLASSIFIER_MODE_TRAIN,
         "Learn from labelled segments (emodatasetsrc) and "
         "write the best model to model-location",
         "train"},
        {0, NULL, NULL},
    };
    return emotion::gst::register_enum_once(&type, "GstEmotionClassifierMode", values);
}

GType gst_emotion_no_speech_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_EMOTION_NO_SPEECH_SKIP, "No result", "skip"},
        {GST_EMOTION_NO_SPEECH_TAG, "A result labelled no-speech, without scores", "tag"},
        {0, NULL, NULL},
    };
    return emotion::gst::register_enum_once(&type, "GstEmotionNoSpeech", values);
}

GType gst_emotion_balance_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_EMOTION_BALANCE_NONE, "The posteriors as the model gives them (after temperature)", "none"},
        {GST_EMOTION_BALANCE_SPEAKER, "Divided by the running mean of the speaker's posteriors, renormalised",
         "speaker"},
        {0, NULL, NULL},
    };
    return emotion::gst::register_enum_once(&type, "GstEmotionBalance", values);
}

GType gst_emotion_optimizer_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_EMOTION_OPTIMIZER_DEFAULT, "The architecture's published optimiser", "default"},
        {GST_EMOTION_OPTIMIZER_ADAM, "Adam", "adam"},
        {GST_EMOTION_OPTIMIZER_SGD, "SGD with momentum (Nesterov for apcnn)", "sgd"},
        {0, NULL, NULL},
    };
    return emotion::gst::register_enum_once(&type, "GstEmotionOptimizer", values);
}

GType gst_emotion_schedule_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_EMOTION_SCHEDULE_DEFAULT, "The architecture's published schedule", "default"},
        {GST_EMOTION_SCHEDULE_NONE, "Constant learning rate", "none"},
        {GST_EMOTION_SCHEDULE_COSINE, "Cosine annealing over the epochs", "cosine"},
        {GST_EMOTION_SCHEDULE_MULTISTEP, "x0.1 at epochs 21, 31, 41", "multistep"},
        {0, NULL, NULL},
    };
    return emotion::gst::register_enum_once(&type, "GstEmotionSchedule", values);
}

GType gst_emotion_normalization_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_EMOTION_NORMALIZATION_SEGMENT, "Per-segment handling inside the model (the papers')", "segment"},
        {GST_EMOTION_NORMALIZATION_SPEAKER,
         "Running per-speaker z-score over segments' speech spans (alstm, stl; apcnn: mu-law row means)",
         "speaker"},
        {0, NULL, NULL},
    };
    return emotion::gst::register_enum_once(&type, "GstEmotionNormalization", values);
}
