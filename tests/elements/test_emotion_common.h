/* Helpers of the classifier, emotionsink, emodatasetsrc and recording tests: model files built
 * from shared/reference/nn with the emotion-model tool (EMOTION_MODEL_TOOL), LLD frames of a
 * reference WAV through lldextract, result collection from a harness, bus messages. */
#pragma once

#include "test_lldextract_common.h"

#include <gst/emotion/emotion.h>
#include <glib/gstdio.h>

#define LLD_CAPS                                                                                             \
    "other/tensors,format=static,num_tensors=1,types=float32,"                                               \
    "dimensions=(string)36:1,framerate=100/1"
#define MULAW_CAPS                                                                                           \
    "other/tensors,format=static,num_tensors=1,types=float32,"                                               \
    "dimensions=(string)200:400,framerate=0/1"

namespace emotion_test {

using namespace extractor_test;

/* A temporary folder of this test process, removed at exit (files only, one level). */
inline const std::string& temp_dir() {
    static std::string dir;
    if (dir.empty()) {
        gchar* d = g_dir_make_tmp("gst-emotion-test-XXXXXX", NULL);
        fail_unless(d != NULL);
        dir = d;
        g_free(d);
        atexit([]() {
            GDir* gd = g_dir_open(dir.c_str(), 0, NULL);
            if (gd) {
                const gchar* name;
                while ((name = g_dir_read_name(gd)) != NULL) g_unlink((dir + "/" + name).c_str());
                g_dir_close(gd);
            }
            g_rmdir(dir.c_str());
        });
    }
    return dir;
}

inline std::string temp_path(const std::string& name) { return temp_dir() + "/" + name; }

/* A model file made by `emotion-model from-reference` from shared/reference/nn/<stem>. */
inline std::string model_file(const std::string& stem,
                              const std::string& labels = "angry,happy,neutral,sad") {
    std::string out = temp_path(stem + ".safetensors");
    if (g_file_test(out.c_str(), G_FILE_TEST_EXISTS)) return out;
    const char* tool = g_getenv("EMOTION_MODEL_TOOL");
    fail_unless(tool != NULL, "EMOTION_MODEL_TOOL is not set (tests/meson.build sets it)");
    std::string ref = reference("nn/" + stem + ".safetensors");
    const gchar* argv[] = {tool,       "from-reference", ref.c_str(), out.c_str(),
                           "--labels", labels.c_str(),   NULL};
    gchar* err = NULL;
    gint status = -1;
    fail_unless(
        g_spawn_sync(NULL, (gchar**)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err, &status, NULL));
    fail_unless(g_spawn_check_wait_status(status, NULL), "emotion-model failed: %s", err);
    g_free(err);
    return out;
}

/* True when shared/data/emodb is present; otherwise prints why the test is skipped. */
inline bool have_emodb(const char* test) {
    std::string manifest = shared_dir() + "/data/emodb/manifest.csv";
    if (g_file_test(manifest.c_str(), G_FILE_TEST_IS_REGULAR)) return true;
    printf("SKIP %s: %s is absent (EmoDB data not available)\n", test, manifest.c_str());
    return false;
}

inline std::string emodb(const std::string& relative) { return shared_dir() + "/data/emodb/" + relative; }

/* LLD frames [T, 36] of a reference WAV (shared/reference/<relative>) through lldextract. */
inline std::vector<float> lld_frames(const std::string& relative) {
    Capture capture;
    GstHarness* h = harness_new("lldextract", "lldextract", &capture, 36, NULL);
    std::vector<float> samples = load_wav(relative);
    fail_unless(push_samples(h, samples, []() { return 4096; }));
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);
    fail_unless(capture.buffers() > 100);
    return capture.values;
}

/* Pushes LLD frames [first, first + count) of `frames`, `per_buffer` frames per buffer, with PTS
 * of 10 ms per frame index. */
inline GstFlowReturn push_frames(GstHarness* h, const std::vector<float>& frames, size_t first, size_t count,
                                 size_t per_buffer = 7) {
    fail_unless((first + count) * 36 <= frames.size(), "frames %zu-%zu of a %zu-frame fixture", first,
                first + count - 1, frames.size() / 36);
    for (size_t done = 0; done < count;) {
        size_t n = std::min(per_buffer, count - done);
        GstBuffer* b = gst_buffer_new_memdup(frames.data() + (first + done) * 36, n * 36 * sizeof(float));
        GST_BUFFER_PTS(b) = (first + done) * 10 * GST_MSECOND;
        GST_BUFFER_DURATION(b) = n * 10 * GST_MSECOND;
        GstFlowReturn ret = gst_harness_push(h, b);
        if (ret != GST_FLOW_OK) return ret;
        done += n;
    }
    return GST_FLOW_OK;
}

/* One result buffer pulled from a classifier. */
struct Result {
    GstClockTime pts, duration;
    std::vector<float> scores; /* tensor output */
    std::string text;          /* text output */
    std::vector<std::string> labels;
    std::vector<float> meta_scores;
    guint best = 0;
    std::string segment_id, model;
    bool has_meta = false;
    bool has_affect = false, uncertain = false, high_arousal = false;
    bool interim = false; /* of a segment still open (`interim`) */
    float arousal = 0, valence = 0;
};

inline Result to_result(GstBuffer* b, bool text) {
    Result r;
    r.pts = GST_BUFFER_PTS(b);
    r.duration = GST_BUFFER_DURATION(b);
    GstMapInfo map;
    fail_unless(gst_buffer_map(b, &map, GST_MAP_READ));
    if (text) {
        r.text.assign((const char*)map.data, map.size);
    } else {
        fail_unless(map.size % sizeof(float) == 0);
        const float* v = (const float*)map.data;
        r.scores.assign(v, v + map.size / sizeof(float));
    }
    gst_buffer_unmap(b, &map);
    GstEmotionMeta* meta = gst_buffer_get_emotion_meta(b);
    if (meta) {
        r.has_meta = true;
        for (guint k = 0; k < meta->n_classes; k++) {
            r.labels.push_back(meta->labels[k]);
            r.meta_scores.push_back(meta->scores[k]);
        }
        r.best = meta->best;
        r.segment_id = meta->segment_id ? meta->segment_id : "";
        r.model = meta->model ? meta->model : "";
        r.has_affect = gst_emotion_meta_has_affect(meta);
        r.arousal = gst_emotion_meta_get_arousal(meta);
        r.valence = gst_emotion_meta_get_valence(meta);
        r.uncertain = gst_emotion_meta_get_uncertain(meta);
        r.high_arousal = gst_emotion_meta_get_high_arousal(meta);
        r.interim = gst_emotion_meta_get_interim(meta);
    }
    return r;
}

/* Everything the harness received so far. */
inline std::vector<Result> pull_results(GstHarness* h, bool text = false) {
    std::vector<Result> out;
    GstBuffer* b;
    while ((b = gst_harness_try_pull(h)) != NULL) {
        out.push_back(to_result(b, text));
        gst_buffer_unref(b);
    }
    return out;
}

/* Element messages named `name`, in order. */
inline std::vector<GstStructure*> element_messages(GstBus* bus, const char* name) {
    std::vector<GstStructure*> out;
    GstMessage* m;
    while ((m = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) != NULL) {
        const GstStructure* s = gst_message_get_structure(m);
        if (s && gst_structure_has_name(s, name)) out.push_back(gst_structure_copy(s));
        gst_message_unref(m);
    }
    return out;
}

inline void free_structures(std::vector<GstStructure*>& v) {
    for (auto* s : v) gst_structure_free(s);
    v.clear();
}

/* The first error message on the bus ("" when none); other messages stay queued. */
inline std::string error_of(GstBus* bus) {
    std::vector<GstMessage*> all;
    GstMessage* m = NULL;
    while ((m = gst_bus_pop(bus)) != NULL) all.push_back(m);
    m = NULL;
    for (GstMessage* x : all) {
        if (!m && GST_MESSAGE_TYPE(x) == GST_MESSAGE_ERROR)
            m = x;
        else
            gst_bus_post(bus, x);
    }
    if (!m) return "";
    GError* err = NULL;
    gchar* debug = NULL;
    gst_message_parse_error(m, &err, &debug);
    std::string text = std::string(err->message) + " | " + (debug ? debug : "");
    g_clear_error(&err);
    g_free(debug);
    gst_message_unref(m);
    return text;
}

inline double sum_of(const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += x;
    return s;
}

inline std::string read_text(const std::string& path) {
    gchar* contents = NULL;
    gsize length = 0;
    if (!g_file_get_contents(path.c_str(), &contents, &length, NULL)) return "";
    std::string s(contents, length);
    g_free(contents);
    return s;
}

inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

/* Runs a pipeline to EOS or error, keeping every element and warning message. */
struct Run {
    std::string error;
    std::vector<GstStructure*> elements; /* element message structures, in order */
    std::vector<std::string> warnings;
    std::vector<GstTagList*> tags; /* tag messages, in order */
    ~Run() {
        for (auto* s : elements) gst_structure_free(s);
        for (auto* t : tags) gst_tag_list_unref(t);
    }
    std::vector<const GstStructure*> named(const char* name) const {
        std::vector<const GstStructure*> out;
        for (auto* s : elements)
            if (gst_structure_has_name(s, name)) out.push_back(s);
        return out;
    }
};

inline void run_collect(GstElement* pipeline, Run* run, GstClockTime timeout = 120 * GST_SECOND) {
    GstBus* bus = gst_element_get_bus(pipeline);
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        run->error = "state change failed";
    gint64 deadline = g_get_monotonic_time() + (gint64)(test_wait(timeout) / 1000);
    while (true) {
        GstMessage* m = gst_bus_timed_pop(bus, 100 * GST_MSECOND);
        if (!m) {
            if (g_get_monotonic_time() > deadline) {
                if (run->error.empty()) run->error = "timeout";
                break;
            }
            continue;
        }
        bool done = false;
        switch (GST_MESSAGE_TYPE(m)) {
        case GST_MESSAGE_ELEMENT:
            run->elements.push_back(gst_structure_copy(gst_message_get_structure(m)));
            break;
        case GST_MESSAGE_TAG: {
            GstTagList* list = NULL;
            gst_message_parse_tag(m, &list);
            run->tags.push_back(list);
            break;
        }
        case GST_MESSAGE_WARNING: {
            GError* err = NULL;
            gst_message_parse_warning(m, &err, NULL);
            run->warnings.push_back(err->message);
            g_clear_error(&err);
            break;
        }
        case GST_MESSAGE_ERROR: {
            GError* err = NULL;
            gchar* debug = NULL;
            gst_message_parse_error(m, &err, &debug);
            run->error = std::string(err->message) + " | " + (debug ? debug : "");
            g_clear_error(&err);
            g_free(debug);
            done = true;
            break;
        }
        case GST_MESSAGE_EOS: done = true; break;
        default: break;
        }
        gst_message_unref(m);
        if (done) break;
    }
    gst_object_unref(bus);
}

/* Pushes one buffer of 37 floats (not a whole number of 36-float LLD frames) into `h`, whose
 * element posts on `bus`: its error message (which may come later: an aggregator reads its input
 * on its own thread) must name both sizes. Returns the flow of the push. */
inline GstFlowReturn push_partial_frame(GstHarness* h, GstBus* bus) {
    std::vector<float> values(37, 0.5f);
    GstBuffer* b = gst_buffer_new_memdup(values.data(), values.size() * sizeof(float));
    GST_BUFFER_PTS(b) = 0;
    GstFlowReturn ret = gst_harness_push(h, b);
    GstMessage* m = gst_bus_timed_pop_filtered(bus, test_wait(10 * GST_SECOND), GST_MESSAGE_ERROR);
    fail_unless(m != NULL, "no error message");
    gst_bus_post(bus, m);
    std::string e = error_of(bus);
    fail_unless(e.find("Input buffer of 148 bytes is not a whole number of 144-byte feature frames") !=
                    std::string::npos,
                "%s", e.c_str());
    return ret;
}

/* gst_parse_launch of `description`; one that does not parse fails the test. */
inline GstElement* launch(const std::string& description) {
    GError* error = NULL;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    fail_unless(pipeline != NULL && error == NULL, "%s", error ? error->message : "");
    return pipeline;
}

/* Runs the pipeline `description` to EOS or error into `run` (run_collect), then takes it down. */
inline void run_launch(const std::string& description, Run* run, GstClockTime timeout = 120 * GST_SECOND) {
    GstElement* pipeline = launch(description);
    run_collect(pipeline, run, timeout);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}

/* The tensor results an appsink named `name` holds, pulled without waiting. */
inline std::vector<Result> appsink_results(GstElement* pipeline, const char* name = "sink") {
    std::vector<Result> results;
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), name);
    if (!sink) return results;
    GstSample* sample = NULL;
    while (true) {
        g_signal_emit_by_name(sink, "try-pull-sample", (GstClockTime)0, &sample);
        if (!sample) break;
        results.push_back(to_result(gst_sample_get_buffer(sample), false));
        gst_sample_unref(sample);
    }
    gst_object_unref(sink);
    return results;
}

/* The error message of taking `pipeline` to PAUSED, which must fail; it is in NULL afterwards. */
inline std::string pause_error(GstElement* pipeline) {
    GstBus* bus = gst_element_get_bus(pipeline);
    fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
    std::string error = error_of(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    return error;
}

/* Progress messages of a training pipeline played to the end, and whether it was PLAYING when the
 * first epoch ended. */
struct TrainingProgress {
    std::vector<std::pair<GstProgressType, std::string>> messages;
    bool playing_before_first_epoch = false;
    size_t epoch_summaries = 0; /* emotion-training element messages */
};

inline TrainingProgress play_training(const std::string& description) {
    GstElement* pipeline = launch(description);
    GstBus* bus = gst_element_get_bus(pipeline);
    fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    TrainingProgress p;
    bool playing = false;
    while (true) {
        GstMessage* m = gst_bus_timed_pop(bus, test_wait(300 * GST_SECOND));
        fail_unless(m != NULL, "timeout");
        const GstMessageType type = GST_MESSAGE_TYPE(m);
        if (type == GST_MESSAGE_STATE_CHANGED && GST_MESSAGE_SRC(m) == GST_OBJECT(pipeline)) {
            GstState state;
            gst_message_parse_state_changed(m, NULL, &state, NULL);
            playing = playing || state == GST_STATE_PLAYING;
        } else if (type == GST_MESSAGE_PROGRESS) {
            GstProgressType kind;
            gchar *code = NULL, *text = NULL;
            gst_message_parse_progress(m, &kind, &code, &text);
            fail_unless_equals_string(code, "training");
            if (kind == GST_PROGRESS_TYPE_CONTINUE && p.messages.size() == 1)
                p.playing_before_first_epoch = playing;
            p.messages.push_back({kind, text});
            g_free(code);
            g_free(text);
        } else if (type == GST_MESSAGE_ELEMENT) {
            p.epoch_summaries += gst_structure_has_name(gst_message_get_structure(m), "emotion-training");
        }
        const bool done = type == GST_MESSAGE_EOS || type == GST_MESSAGE_ERROR;
        fail_unless(type != GST_MESSAGE_ERROR, "training failed");
        gst_message_unref(m);
        if (done) break;
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
    for (const auto& [kind, text] : p.messages) printf("progress %d: %s\n", (int)kind, text.c_str());
    return p;
}

} // namespace emotion_test
