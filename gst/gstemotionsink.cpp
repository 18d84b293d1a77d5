/**
 * SECTION:element-emotionsink
 * @title: emotionsink
 *
 * Receives the results of an emotion classifier (other/tensors buffers carrying a
 * GstEmotionMeta), and
 *
 * - writes them to `location` as JSON Lines, CSV, WebVTT or SRT (`format`); every record is
 *   flushed as it is written, so a crash loses at most the last line. With `format=auto` (the
 *   default) the location's extension chooses: `.vtt` (or `.webvtt`) WebVTT, `.srt` SRT, `.csv`
 *   CSV, `.json`, `.jsonl` or `.ndjson` JSON Lines, and JSON Lines when the name has no extension
 *   (`/dev/stdout`); any other extension is an error when the element starts. A format set
 *   explicitly wins over the extension. `location=/dev/stdout` writes to the process's standard
 *   output as it is (a file opened for appending is appended to, not truncated);
 * - subtitle cues (WebVTT, SRT) read as `cue-format` says: "angry (74%)" by default, the same
 *   text the classifiers send to a subtitle track (their `cue-format`);
 * - emits the `result` signal and updates the `last-result` property for applications;
 * - at EOS posts an `emotion-summary` element message (fields: `segments` (uint), `labels`
 *   (array of strings), `shares` (array of doubles: fraction of segments per label),
 *   `duration-shares` (array of doubles: fraction of classified time per label), `dominant`
 *   (string), `uncertain` (uint: results below their classifier's `threshold`, which count for
 *   no label: the shares of the labels and of the uncertain ones sum to 1));
 * - when the emotion-segment-start events carry true labels (field `emotion`, as emodatasetsrc
 *   sends them), evaluates the results: an `emotion-evaluation` element message (fields `wa`,
 *   `ua`, `macro-f1`, `macro-precision` (doubles), `evaluated`, `unlabelled`, `unknown-label`
 *   (uints), `report` (the JSON text)) and, with `report` set, a JSON report file with the
 *   confusion matrix and per-class recall. Without labelled results no report is written and
 *   a warning message says so. The report is written atomically and only to a regular file:
 *   a device node, FIFO or symbolic link at that path is an error when the element starts.
 *
 * The `result` signal and `last-result` carry a GstStructure named `emotion-result` with fields
 * `segment-id`, `timestamp`, `duration` (guint64 ns), `label`, `confidence`, `labels`, `scores`,
 * `model`, `uncertain` (gboolean: the top score is below the classifier's `threshold`; `label`
 * is still the most likely class), `arousal` and `valence` (doubles in [-1, 1]) and
 * `arousal-level` (`high` or `low`) when the model's labels have them (README "Arousal and
 * valence"), `true-emotion` when known, and `interim` (TRUE) for an interim result of a segment
 * still open (a classifier's `interim`).
 *
 * Interim results go to the `result` signal, `last-result` and JSON Lines (with `"interim":
 * true`); CSV rows and WebVTT/SRT cues are one per segment, its final result, and only final
 * results count in the summary, the evaluation and the report.
 *
 * JSON Lines records carry the same as `arousal`, `valence`, `arousal_level` (`high`/`low`; null
 * without) and `uncertain`; CSV appends the columns `arousal`, `valence`, `arousal_level` (empty
 * without) and `uncertain`; WebVTT and SRT cues of uncertain results read `uncertain (42%)`.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample \
 *     ! lldextract segmentation=vad ! alstmclassify ! emotionsink location=emotions.vtt
 * ]|
 */
#include "gstemotionsink.h"

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <glib/gstdio.h>
#include <unistd.h>
#include <gst/emotion/emotion.h>

#include "classifier-properties.h"
#include "emotion-result.h"
#include "io/files.h"
#include "io/results.h"
#include "property-helpers.h"
#include "train/metrics.h"

GST_DEBUG_CATEGORY_STATIC(emotion_sink_debug);
#define GST_CAT_DEFAULT emotion_sink_debug

#define DEFAULT_LOCATION NULL
#define DEFAULT_FORMAT GST_EMOTION_SINK_FORMAT_AUTO
#define DEFAULT_REPORT NULL

typedef enum {
    GST_EMOTION_SINK_FORMAT_JSONL,
    GST_EMOTION_SINK_FORMAT_CSV,
    GST_EMOTION_SINK_FORMAT_WEBVTT,
    GST_EMOTION_SINK_FORMAT_SRT,
    GST_EMOTION_SINK_FORMAT_AUTO, /* from the location's extension */
} GstEmotionSinkFormat;

enum {
    PROP_0,
    PROP_LOCATION,
    PROP_FORMAT,
    PROP_REPORT,
    PROP_CUE_FORMAT,
    PROP_LAST_RESULT,
};

enum {
    SIGNAL_RESULT,
    LAST_SIGNAL,
};

static guint signals[LAST_SIGNAL];

#define GST_TYPE_EMOTION_SINK_FORMAT (gst_emotion_sink_format_get_type())
static GType gst_emotion_sink_format_get_type(void) {
    static GType type = 0;
    static const GEnumValue values[] = {
        {GST_EMOTION_SINK_FORMAT_JSONL, "JSON Lines: one object per result", "jsonl"},
        {GST_EMOTION_SINK_FORMAT_CSV, "CSV with a header row", "csv"},
        {GST_EMOTION_SINK_FORMAT_WEBVTT, "WebVTT subtitles", "webvtt"},
        {GST_EMOTION_SINK_FORMAT_SRT, "SubRip subtitles", "srt"},
        {GST_EMOTION_SINK_FORMAT_AUTO,
         "From the location's extension: .vtt/.webvtt, .srt, .csv, .json/.jsonl/.ndjson (none: JSON Lines)",
         "auto"},
        {0, NULL, NULL},
    };
    return emotion::gst::register_enum_once(&type, "GstEmotionSinkFormat", values);
}

namespace {

struct SinkState {
    std::FILE* file = nullptr;
    std::unique_ptr<emotion::io::ResultWriter> writer;
    std::map<std::string, std::string> true_labels; /* segment id -> emotion */
    std::vector<std::string> labels;
    std::unique_ptr<emotion::train::ConfusionMatrix> confusion;
    std::map<std::string, int> counts;
    std::map<std::string, double> seconds;
    guint segments = 0, unlabelled = 0, unknown_label = 0;
    guint uncertain = 0; /* final results below their classifier's threshold */
    double uncertain_seconds = 0.0;

    ~SinkState() {
        if (file) std::fclose(file);
    }
};

} // namespace

struct _GstEmotionSink {
    GstBaseSink parent;

    /* settings, under the object lock */
    gchar* location;
    GstEmotionSinkFormat format;
    gchar* report;
    gchar* cue_format;
    GstStructure* last_result;

    SinkState* state;
};

#define gst_emotion_sink_parent_class parent_class
G_DEFINE_TYPE(GstEmotionSink, gst_emotion_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE(emotionsink, "emotionsink", GST_RANK_NONE, GST_TYPE_EMOTION_SINK);

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                            GST_STATIC_CAPS("other/tensors,format=static,num_tensors=1,types=float32"));

static void gst_emotion_sink_set_property(GObject* object, guint prop_id, const GValue* value,
                                          GParamSpec* pspec);
static void gst_emotion_sink_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);
static void gst_emotion_sink_finalize(GObject* object);
static gboolean gst_emotion_sink_start(GstBaseSink* sink);
static gboolean gst_emotion_sink_stop(GstBaseSink* sink);
static gboolean gst_emotion_sink_event(GstBaseSink* sink, GstEvent* event);
static GstFlowReturn gst_emotion_sink_render(GstBaseSink* sink, GstBuffer* buffer);

static void gst_emotion_sink_class_init(GstEmotionSinkClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstBaseSinkClass* basesink_class = GST_BASE_SINK_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(emotion_sink_debug, "emotionsink", 0, "emotion result sink");

    gobject_class->set_property = gst_emotion_sink_set_property;
    gobject_class->get_property = gst_emotion_sink_get_property;
    gobject_class->finalize = gst_emotion_sink_finalize;

    g_object_class_install_property(
        gobject_class, PROP_LOCATION,
        g_param_spec_string(
            "location", "Location",
            "File to write the results to (none: results go to signals and messages only)", DEFAULT_LOCATION,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_FORMAT,
        g_param_spec_enum(
            "format", "Format",
            "File format of the results; auto: from the location's extension (an unknown extension is an "
            "error at start)",
            GST_TYPE_EMOTION_SINK_FORMAT, DEFAULT_FORMAT,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_REPORT,
        g_param_spec_string(
            "report", "Report",
            "JSON file for the evaluation report written at EOS when segments carry true labels "
            "(WA, UA, macro F1, macro precision, confusion matrix, per-class recall)",
            DEFAULT_REPORT,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_CUE_FORMAT,
        g_param_spec_string(
            "cue-format", "Cue format",
            "Text of each WebVTT/SRT cue, with the placeholders {label}, {percent} (confidence in %, "
            "rounded), {confidence} (0.00-1.00) and {segment} (segment id); an unknown placeholder is an "
            "error at start. Empty: the default",
            emotion::io::kDefaultCueFormat,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_LAST_RESULT,
        g_param_spec_boxed("last-result", "Last result",
                           "The most recent result (an emotion-result structure), or NULL",
                           GST_TYPE_STRUCTURE, (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

    /**
     * GstEmotionSink::result:
     * @sink: the sink
     * @result: an emotion-result GstStructure
     *
     * Emitted from the streaming thread for every result.
     */
    signals[SIGNAL_RESULT] =
        g_signal_new("result", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                     1, GST_TYPE_STRUCTURE | G_SIGNAL_TYPE_STATIC_SCOPE);

    gst_element_class_set_static_metadata(element_class, "Emotion result sink", "Sink/Analyzer",
                                          "Writes, reports and evaluates emotion classification results",
                                          "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        element_class, "example-launch-line",
        "gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! lldextract "
        "segmentation=vad ! alstmclassify ! emotionsink location=emotions.vtt");
    gst_element_class_add_static_pad_template(element_class, &sink_template);

    basesink_class->start = GST_DEBUG_FUNCPTR(gst_emotion_sink_start);
    basesink_class->stop = GST_DEBUG_FUNCPTR(gst_emotion_sink_stop);
    basesink_class->event = GST_DEBUG_FUNCPTR(gst_emotion_sink_event);
    basesink_class->render = GST_DEBUG_FUNCPTR(gst_emotion_sink_render);

    gst_type_mark_as_plugin_api(GST_TYPE_EMOTION_SINK_FORMAT, (GstPluginAPIFlags)0);
}

static void gst_emotion_sink_init(GstEmotionSink* self) {
    self->location = g_strdup(DEFAULT_LOCATION);
    self->format = DEFAULT_FORMAT;
    self->report = g_strdup(DEFAULT_REPORT);
    self->cue_format = g_strdup(emotion::io::kDefaultCueFormat);
    self->last_result = NULL;
    self->state = NULL;
    /* Results are data to store, not media to present: no waiting for the clock by default. */
    gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}

static void gst_emotion_sink_finalize(GObject* object) {
    GstEmotionSink* self = GST_EMOTION_SINK(object);

    delete self->state;
    g_free(self->location);
    g_free(self->report);
    g_free(self->cue_format);
    if (self->last_result) gst_structure_free(self->last_result);
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_emotion_sink_set_property(GObject* object, guint prop_id, const GValue* value,
                                          GParamSpec* pspec) {
    GstEmotionSink* self = GST_EMOTION_SINK(object);

    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_LOCATION:
        g_free(self->location);
        self->location = g_value_dup_string(value);
        break;
    case PROP_FORMAT: self->format = (GstEmotionSinkFormat)g_value_get_enum(value); break;
    case PROP_REPORT:
        g_free(self->report);
        self->report = g_value_dup_string(value);
        break;
    case PROP_CUE_FORMAT:
        g_free(self->cue_format);
        self->cue_format = g_value_dup_string(value);
        break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_emotion_sink_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
    GstEmotionSink* self = GST_EMOTION_SINK(object);

    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_LOCATION: g_value_set_string(value, self->location); break;
    case PROP_FORMAT: g_value_set_enum(value, self->format); break;
    case PROP_REPORT: g_value_set_string(value, self->report); break;
    case PROP_CUE_FORMAT: g_value_set_string(value, self->cue_format); break;
    case PROP_LAST_RESULT: g_value_set_boxed(value, self->last_result); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static std::string report_path(GstEmotionSink* self) {
    GST_OBJECT_LOCK(self);
    std::string path = self->report ? self->report : "";
    GST_OBJECT_UNLOCK(self);
    return path;
}

/* The file format: the one set, or the location's extension's (std::invalid_argument). */
static emotion::io::ResultFormat result_format(GstEmotionSinkFormat format, const std::string& location) {
    switch (format) {
    case GST_EMOTION_SINK_FORMAT_JSONL: return emotion::io::ResultFormat::JsonLines;
    case GST_EMOTION_SINK_FORMAT_CSV: return emotion::io::ResultFormat::Csv;
    case GST_EMOTION_SINK_FORMAT_WEBVTT: return emotion::io::ResultFormat::WebVtt;
    case GST_EMOTION_SINK_FORMAT_SRT: return emotion::io::ResultFormat::Srt;
    default: return emotion::io::result_format_for_path(location);
    }
}

/* The standard output or error is shared as it is (its offset, its append mode): opening
 * /dev/stdout anew would truncate a file the shell opened with >>. */
static std::FILE* open_results_file(const std::string& location) {
    const int fd = location == "/dev/stdout" ? STDOUT_FILENO : location == "/dev/stderr" ? STDERR_FILENO : -1;
    if (fd < 0) return g_fopen(location.c_str(), "wb");
    const int copy = dup(fd);
    std::FILE* file = copy < 0 ? NULL : fdopen(copy, "w");
    if (!file && copy >= 0) close(copy);
    return file;
}

static gboolean gst_emotion_sink_start(GstBaseSink* sink) {
    GstEmotionSink* self = GST_EMOTION_SINK(sink);
    auto state = std::make_unique<SinkState>();

    GST_OBJECT_LOCK(self);
    std::string location = self->location ? self->location : "";
    GstEmotionSinkFormat format = self->format;
    std::string cue_format =
        self->cue_format && *self->cue_format ? self->cue_format : emotion::io::kDefaultCueFormat;
    GST_OBJECT_UNLOCK(self);

    const std::string report = report_path(self);
    try {
        if (!report.empty()) emotion::io::check_replaceable(report);
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE, ("Cannot write the report to '%s'.", report.c_str()),
                          ("%s", e.what()));
        return FALSE;
    }
    if (!emotion::gst::cue_format_usable(GST_ELEMENT(self), cue_format)) return FALSE;

    if (!location.empty()) {
        emotion::io::ResultFormat file_format;
        try {
            file_format = result_format(format, location);
        } catch (const std::exception& e) {
            GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                              ("Cannot tell the format of '%s' from its extension: set format=jsonl, csv, "
                               "webvtt or srt.",
                               location.c_str()),
                              ("%s", e.what()));
            return FALSE;
        }
        state->file = open_results_file(location);
        if (!state->file) {
            GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                              ("Cannot open '%s' for writing: %s.", location.c_str(), g_strerror(errno)),
                              (NULL));
            return FALSE;
        }
        GST_INFO_OBJECT(self, "writing %s to %s", emotion::io::result_format_name(file_format),
                        location.c_str());
        state->writer = emotion::io::ResultWriter::create(file_format, state->file, cue_format);
    }
    delete self->state;
    self->state = state.release();
    return TRUE;
}

static gboolean gst_emotion_sink_stop(GstBaseSink* sink) {
    GstEmotionSink* self = GST_EMOTION_SINK(sink);

    delete self->state;
    self->state = NULL;
    return TRUE;
}

static std::string true_label_for(SinkState* state, const std::string& id) {
    auto it = state->true_labels.find(id);
    if (it != state->true_labels.end()) return it->second;
    /* Parts of a long segment are named "<id>.<n>". */
    size_t dot = id.rfind('.');
    if (dot != std::string::npos) {
        it = state->true_labels.find(id.substr(0, dot));
        if (it != state->true_labels.end()) return it->second;
    }
    return "";
}

static GstStructure* result_structure(const emotion::io::Result& r, GstClockTime pts, GstClockTime duration) {
    GValue labels = G_VALUE_INIT, scores = G_VALUE_INIT, item = G_VALUE_INIT;
    gst_value_array_init(&labels, r.labels.size());
    gst_value_array_init(&scores, r.scores.size());
    for (size_t k = 0; k < r.labels.size(); ++k) {
        g_value_init(&item, G_TYPE_STRING);
        g_value_set_string(&item, r.labels[k].c_str());
        gst_value_array_append_and_take_value(&labels, &item);
        g_value_init(&item, G_TYPE_DOUBLE);
        g_value_set_double(&item, r.scores[k]);
        gst_value_array_append_and_take_value(&scores, &item);
    }
    GstStructure* s = gst_structure_new(
        "emotion-result", "segment-id", G_TYPE_STRING, r.segment_id.c_str(), "timestamp", G_TYPE_UINT64, pts,
        "duration", G_TYPE_UINT64, duration, "label", G_TYPE_STRING, r.labels[r.best].c_str(), "confidence",
        G_TYPE_DOUBLE, (gdouble)r.scores[r.best], "model", G_TYPE_STRING, r.model.c_str(), NULL);
    gst_structure_take_value(s, "labels", &labels);
    gst_structure_take_value(s, "scores", &scores);
    if (!r.true_label.empty())
        gst_structure_set(s, "true-emotion", G_TYPE_STRING, r.true_label.c_str(), NULL);
    gst_structure_set(s, "uncertain", G_TYPE_BOOLEAN, (gboolean)r.uncertain, NULL);
    if (r.interim) gst_structure_set(s, "interim", G_TYPE_BOOLEAN, TRUE, NULL);
    if (r.has_affect)
        gst_structure_set(s, "arousal", G_TYPE_DOUBLE, (gdouble)r.arousal, "valence", G_TYPE_DOUBLE,
                          (gdouble)r.valence, "arousal-level", G_TYPE_STRING, r.high_arousal ? "high" : "low",
                          NULL);
    return s;
}

static void evaluate(SinkState* state, const emotion::io::Result& r) {
    if (r.true_label.empty()) {
        state->unlabelled++;
        return;
    }
    if (!state->confusion) state->confusion = std::make_unique<emotion::train::ConfusionMatrix>(r.labels);
    int truth = -1;
    for (size_t k = 0; k < r.labels.size(); ++k)
        if (r.labels[k] == r.true_label) truth = (int)k;
    if (truth < 0 || r.labels != state->confusion->labels()) {
        state->unknown_label++;
        return;
    }
    state->confusion->add(truth, r.best);
}

static GstFlowReturn gst_emotion_sink_render(GstBaseSink* sink, GstBuffer* buffer) {
    GstEmotionSink* self = GST_EMOTION_SINK(sink);
    SinkState* state = self->state;
    GstEmotionMeta* meta = gst_buffer_get_emotion_meta(buffer);

    if (!meta) {
        GST_ELEMENT_WARNING(
            self, STREAM, FORMAT, ("Received a buffer without emotion result."),
            ("emotionsink takes the output of an emotion classifier (buffers with GstEmotionMeta)"));
        return GST_FLOW_OK;
    }
    if (meta->n_classes == 0) return GST_FLOW_OK;

    emotion::io::Result r = emotion::gst::result_from_meta(meta, buffer, &sink->segment);
    r.true_label = true_label_for(state, r.segment_id);

    GstClockTime pts = GST_BUFFER_PTS(buffer);
    GstClockTime duration = GST_BUFFER_DURATION(buffer);

    if (!r.interim) { /* a segment counts once, by its final result */
        state->segments++;
        const double seconds = r.duration > 0 ? r.duration : 0.0;
        if (r.uncertain) { /* counts for no label, as for the classifiers' dominant-emotion tag */
            state->uncertain++;
            state->uncertain_seconds += seconds;
        } else {
            state->counts[r.labels[r.best]]++;
            state->seconds[r.labels[r.best]] += seconds;
        }
        if (state->labels.empty()) state->labels = r.labels;
        evaluate(state, r);
    }

    if (state->writer) {
        try {
            state->writer->write(r);
        } catch (const std::exception& e) {
            GST_ELEMENT_ERROR(self, RESOURCE, WRITE, ("Cannot write results."), ("%s", e.what()));
            return GST_FLOW_ERROR;
        }
    }

    GstStructure* s = result_structure(r, pts, duration);
    GST_OBJECT_LOCK(self);
    if (self->last_result) gst_structure_free(self->last_result);
    self->last_result = gst_structure_copy(s);
    GST_OBJECT_UNLOCK(self);
    g_object_notify(G_OBJECT(self), "last-result");
    g_signal_emit(self, signals[SIGNAL_RESULT], 0, s);
    gst_structure_free(s);
    return GST_FLOW_OK;
}

static GValue double_array(const std::vector<double>& values) {
    GValue array = G_VALUE_INIT, item = G_VALUE_INIT;
    gst_value_array_init(&array, values.size());
    for (double v : values) {
        g_value_init(&item, G_TYPE_DOUBLE);
        g_value_set_double(&item, v);
        gst_value_array_append_and_take_value(&array, &item);
    }
    return array;
}

static void post_summary(GstEmotionSink* self) {
    SinkState* state = self->state;
    GValue labels = G_VALUE_INIT, item = G_VALUE_INIT;
    std::vector<double> shares, duration_shares;
    std::string dominant;

    double total_seconds = state->uncertain_seconds;
    for (const auto& entry : state->seconds) total_seconds += entry.second;
    gst_value_array_init(&labels, state->labels.size());
    for (const auto& label : state->labels) {
        g_value_init(&item, G_TYPE_STRING);
        g_value_set_string(&item, label.c_str());
        gst_value_array_append_and_take_value(&labels, &item);
        shares.push_back(state->segments ? (double)state->counts[label] / state->segments : 0.0);
        duration_shares.push_back(total_seconds > 0 ? state->seconds[label] / total_seconds : 0.0);
        if (dominant.empty() || state->counts[label] > state->counts[dominant]) dominant = label;
    }
    GValue shares_value = double_array(shares), duration_value = double_array(duration_shares);
    GstStructure* s =
        gst_structure_new("emotion-summary", "segments", G_TYPE_UINT, state->segments, "dominant",
                          G_TYPE_STRING, dominant.c_str(), "uncertain", G_TYPE_UINT, state->uncertain, NULL);
    gst_structure_take_value(s, "labels", &labels);
    gst_structure_take_value(s, "shares", &shares_value);
    gst_structure_take_value(s, "duration-shares", &duration_value);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static void post_evaluation(GstEmotionSink* self) {
    SinkState* state = self->state;
    if (!state->confusion || state->confusion->total() == 0) {
        const std::string path = report_path(self);
        if (!path.empty())
            GST_ELEMENT_WARNING(
                self, RESOURCE, WRITE, ("No evaluation report written to '%s'.", path.c_str()),
                ("none of the %u results carried a true label (emotion-segment-start events with an "
                 "'emotion' field, as emodatasetsrc sends them)",
                 state->unlabelled));
        return;
    }
    const auto& m = *state->confusion;
    nlohmann::json report = m.to_json();
    report["evaluated"] = m.total();
    report["unlabelled"] = state->unlabelled;
    report["unknown_label"] = state->unknown_label;
    std::string text = report.dump(2);

    const std::string path = report_path(self);
    try {
        if (!path.empty()) emotion::io::write_file_atomically(path, text + "\n");
    } catch (const std::exception& e) {
        GST_ELEMENT_WARNING(self, RESOURCE, WRITE, ("Cannot write the report '%s'.", path.c_str()),
                            ("%s", e.what()));
    }
    GST_INFO_OBJECT(self, "evaluation over %d segments: WA %.3f UA %.3f\n%s", m.total(),
                    m.weighted_accuracy(), m.unweighted_accuracy(), m.to_text().c_str());
    GstStructure* s =
        gst_structure_new("emotion-evaluation", "wa", G_TYPE_DOUBLE, m.weighted_accuracy(), "ua",
                          G_TYPE_DOUBLE, m.unweighted_accuracy(), "macro-f1", G_TYPE_DOUBLE, m.macro_f1(),
                          "macro-precision", G_TYPE_DOUBLE, m.macro_precision(), "evaluated", G_TYPE_UINT,
                          (guint)m.total(), "unlabelled", G_TYPE_UINT, state->unlabelled, "unknown-label",
                          G_TYPE_UINT, state->unknown_label, "report", G_TYPE_STRING, text.c_str(), NULL);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static gboolean gst_emotion_sink_event(GstBaseSink* sink, GstEvent* event) {
    GstEmotionSink* self = GST_EMOTION_SINK(sink);
    SinkState* state = self->state;

    if (state && gst_emotion_event_is_segment_start(event)) {
        const gchar* emotion = gst_emotion_event_get_field(event, "emotion");
        if (emotion) state->true_labels[gst_emotion_event_get_segment_id(event)] = emotion;
    } else if (state && gst_emotion_event_is_segment_end(event)) {
        /* Its results have arrived (classifiers push them before forwarding the end). */
        state->true_labels.erase(gst_emotion_event_get_segment_id(event));
    } else if (state && GST_EVENT_TYPE(event) == GST_EVENT_EOS) {
        post_summary(self);
        post_evaluation(self);
    }
    return GST_BASE_SINK_CLASS(parent_class)->event(sink, event);
}
