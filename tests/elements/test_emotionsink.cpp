/* emotionsink tests: every format written and parsed back (JSON Lines with a JSON parser, CSV,
 * WebVTT, SRT), the `result` signal and `last-result`, the summary message, evaluation against
 * the labels of segment events (synthetic, and from emodatasetsrc on EmoDB: WA/UA consistent
 * with the report's confusion matrix), the report written atomically, unwritable locations, the
 * format from the location's extension and the cue text (cue-format). */
#include "test_emotion_common.h"

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

using namespace emotion_test;

static const char* kLabels[] = {"angry", "happy", "neutral", "sad"};

/* The fixed results fed to the sink: segment, start, duration (ms), scores, true label. */
struct Fed {
    const char* id;
    int start_ms, duration_ms;
    float scores[4];
    const char* truth;
    bool affect; /* arousal and valence set in the meta */
    float arousal, valence;
    bool uncertain;
};

static const Fed kFed[] = {
    {"s1", 0, 1500, {0.1f, 0.7f, 0.1f, 0.1f}, "happy", true, 0.5f, 0.25f, false},
    {"s2", 2000, 1250, {0.6f, 0.2f, 0.1f, 0.1f}, "sad", true, -0.125f, -0.5f, false},
    {"s3", 3723456, 1000, {0.4f, 0.3f, 0.2f, 0.1f}, NULL, false, 0.0f, 0.0f, true}, /* past one hour */
};

static const int kBest[] = {1, 0, 0};

static GstBuffer* result_buffer(const Fed& f) {
    GstBuffer* b = gst_buffer_new_memdup(f.scores, sizeof(f.scores));
    GST_BUFFER_PTS(b) = f.start_ms * GST_MSECOND;
    GST_BUFFER_DURATION(b) = f.duration_ms * GST_MSECOND;
    GstEmotionMeta* meta = gst_buffer_add_emotion_meta(b, 4, kLabels, f.scores, f.id, "test-model");
    if (f.affect) gst_emotion_meta_set_affect(meta, f.arousal, f.valence, f.arousal > 0);
    gst_emotion_meta_set_uncertain(meta, f.uncertain);
    return b;
}

struct SignalLog {
    std::vector<GstStructure*> results;
};

static void on_result(GstElement*, GstStructure* s, SignalLog* log) {
    log->results.push_back(gst_structure_copy(s));
}

/* Feeds kFed to `emotionsink <properties>`; returns the harness (not torn down) and its bus. */
static GstHarness* feed_sink(const std::string& properties, SignalLog* log, GstBus** bus) {
    GstHarness* h = gst_harness_new_parse(("emotionsink " + properties).c_str());
    *bus = gst_bus_new();
    gst_element_set_bus(h->element, *bus);
    GstElement* sink = gst_harness_find_element(h, "emotionsink");
    if (log) g_signal_connect(sink, "result", G_CALLBACK(on_result), log);
    gst_object_unref(sink);
    gst_harness_set_src_caps_str(h, "other/tensors,format=static,num_tensors=1,"
                                    "types=float32,dimensions=(string)4:1,framerate=0/1");
    for (const Fed& f : kFed) {
        gst_harness_push_event(h, f.truth
                                      ? gst_emotion_event_new_segment_start(f.id, "emotion", f.truth, NULL)
                                      : gst_emotion_event_new_segment_start(f.id, NULL, NULL));
        fail_unless_equals_int(gst_harness_push(h, result_buffer(f)), GST_FLOW_OK);
        gst_harness_push_event(h, gst_emotion_event_new_segment_end(f.id));
    }
    gst_harness_push_event(h, gst_event_new_eos());
    return h;
}

static void run_format(const char* format, const std::string& path) {
    GstBus* bus;
    GstHarness* h = feed_sink(std::string("location=\"") + path + "\" format=" + format, NULL, &bus);
    fail_unless_equals_std_string(error_of(bus), "");
    harness_teardown(h, bus);
}

GST_START_TEST(test_jsonl) {
    std::string path = temp_path("r.jsonl");
    run_format("jsonl", path);
    std::vector<std::string> lines = lines_of(read_text(path));
    fail_unless_equals_int((int)lines.size(), 3);
    for (int i = 0; i < 3; i++) {
        nlohmann::json j = nlohmann::json::parse(lines[i]);
        fail_unless_equals_std_string(j["segment"].get<std::string>(), kFed[i].id);
        fail_unless(std::fabs(j["start"].get<double>() - kFed[i].start_ms / 1000.0) < 1e-9);
        fail_unless(std::fabs(j["end"].get<double>() - (kFed[i].start_ms + kFed[i].duration_ms) / 1000.0) <
                    1e-9);
        fail_unless_equals_std_string(j["label"].get<std::string>(), kLabels[kBest[i]]);
        fail_unless(std::fabs(j["confidence"].get<double>() - kFed[i].scores[kBest[i]]) < 1e-6);
        for (int k = 0; k < 4; k++)
            fail_unless(std::fabs(j["scores"][kLabels[k]].get<double>() - kFed[i].scores[k]) < 1e-6);
        if (kFed[i].truth) {
            fail_unless_equals_std_string(j["true"].get<std::string>(), kFed[i].truth);
        } else {
            fail_unless(!j.contains("true"));
        }
        fail_unless_equals_std_string(j["model"].get<std::string>(), "test-model");
        fail_unless(j["uncertain"].get<bool>() == kFed[i].uncertain);
        if (kFed[i].affect) {
            fail_unless(std::fabs(j["arousal"].get<double>() - kFed[i].arousal) < 1e-6);
            fail_unless(std::fabs(j["valence"].get<double>() - kFed[i].valence) < 1e-6);
            fail_unless_equals_std_string(j["arousal_level"].get<std::string>(),
                                          kFed[i].arousal > 0 ? "high" : "low");
        } else {
            fail_unless(j["arousal"].is_null() && j["valence"].is_null() && j["arousal_level"].is_null());
        }
    }
}

GST_END_TEST;

static std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream s(line);
    std::string field;
    while (std::getline(s, field, ',')) out.push_back(field);
    if (!line.empty() && line.back() == ',') out.push_back("");
    return out;
}

GST_START_TEST(test_csv) {
    std::string path = temp_path("r.csv");
    run_format("csv", path);
    std::vector<std::string> lines = lines_of(read_text(path));
    fail_unless_equals_int((int)lines.size(), 4);
    fail_unless_equals_string(
        lines[0].c_str(), "segment,start,end,label,confidence,true,angry,happy,neutral,sad,arousal,valence,"
                          "arousal_level,uncertain");
    for (int i = 0; i < 3; i++) {
        std::vector<std::string> f = split_csv(lines[i + 1]);
        fail_unless_equals_int((int)f.size(), 14);
        fail_unless_equals_string(f[0].c_str(), kFed[i].id);
        fail_unless(std::fabs(std::stod(f[1]) - kFed[i].start_ms / 1000.0) < 1e-3);
        fail_unless(std::fabs(std::stod(f[2]) - (kFed[i].start_ms + kFed[i].duration_ms) / 1000.0) < 1e-3);
        fail_unless_equals_string(f[3].c_str(), kLabels[kBest[i]]);
        fail_unless(std::fabs(std::stod(f[4]) - kFed[i].scores[kBest[i]]) < 1e-6);
        fail_unless_equals_string(f[5].c_str(), kFed[i].truth ? kFed[i].truth : "");
        for (int k = 0; k < 4; k++) fail_unless(std::fabs(std::stod(f[6 + k]) - kFed[i].scores[k]) < 1e-6);
        if (kFed[i].affect) {
            fail_unless(std::fabs(std::stod(f[10]) - kFed[i].arousal) < 1e-6);
            fail_unless(std::fabs(std::stod(f[11]) - kFed[i].valence) < 1e-6);
            fail_unless_equals_string(f[12].c_str(), kFed[i].arousal > 0 ? "high" : "low");
        } else {
            fail_unless(f[10].empty() && f[11].empty() && f[12].empty());
        }
        fail_unless_equals_string(f[13].c_str(), kFed[i].uncertain ? "true" : "false");
    }
}

GST_END_TEST;

static std::string timestamp(int ms, char sep) {
    char text[32];
    snprintf(text, sizeof text, "%02d:%02d:%02d%c%03d", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, sep,
             ms % 1000);
    return text;
}

/* Cues of a WebVTT or SRT file: blocks separated by blank lines. */
static std::vector<std::vector<std::string>> blocks_of(const std::string& text) {
    std::vector<std::vector<std::string>> blocks(1);
    for (const auto& line : lines_of(text)) {
        if (line.empty()) {
            if (!blocks.back().empty()) blocks.emplace_back();
        } else {
            blocks.back().push_back(line);
        }
    }
    if (blocks.back().empty()) blocks.pop_back();
    return blocks;
}

static void check_cues(const std::string& text, bool vtt) {
    auto blocks = blocks_of(text);
    size_t skip = 0;
    if (vtt) {
        fail_unless(!blocks.empty() && blocks[0].size() == 1);
        fail_unless_equals_string(blocks[0][0].c_str(), "WEBVTT");
        skip = 1;
    }
    fail_unless_equals_int((int)(blocks.size() - skip), 3);
    const char sep = vtt ? '.' : ',';
    for (int i = 0; i < 3; i++) {
        const auto& b = blocks[skip + i];
        fail_unless_equals_int((int)b.size(), 3);
        fail_unless_equals_std_string(b[0], vtt ? std::string(kFed[i].id) : std::to_string(i + 1));
        std::string timing = timestamp(kFed[i].start_ms, sep) + " --> " +
                             timestamp(kFed[i].start_ms + kFed[i].duration_ms, sep);
        fail_unless_equals_string(b[1].c_str(), timing.c_str());
        gchar* cue = g_strdup_printf("%s (%.0f%%)", kFed[i].uncertain ? "uncertain" : kLabels[kBest[i]],
                                     100.0 * kFed[i].scores[kBest[i]]);
        fail_unless_equals_string(b[2].c_str(), cue);
        g_free(cue);
    }
}

GST_START_TEST(test_webvtt) {
    std::string path = temp_path("r.vtt");
    run_format("webvtt", path);
    check_cues(read_text(path), true);
}

GST_END_TEST;

GST_START_TEST(test_srt) {
    std::string path = temp_path("r.srt");
    run_format("srt", path);
    check_cues(read_text(path), false);
}

GST_END_TEST;

/* Feeds kFed to `emotionsink location=PATH <properties>` and returns what it wrote. */
static std::string written(const std::string& path, const std::string& properties = "") {
    GstBus* bus;
    GstHarness* h = feed_sink("location=\"" + path + "\" " + properties, NULL, &bus);
    fail_unless_equals_std_string(error_of(bus), "");
    harness_teardown(h, bus);
    return read_text(path);
}

static bool is_json_lines(const std::string& text) {
    std::vector<std::string> lines = lines_of(text);
    if (lines.size() != 3) return false;
    for (int i = 0; i < 3; i++) {
        nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, false);
        if (!j.is_object() || j.value("segment", "") != kFed[i].id) return false;
    }
    return true;
}

/* format=auto (the default): the extension chooses; a format set explicitly wins */
GST_START_TEST(test_format_from_extension) {
    check_cues(written(temp_path("auto.vtt")), true);
    check_cues(written(temp_path("auto.VTT")), true);
    check_cues(written(temp_path("auto.webvtt")), true);
    check_cues(written(temp_path("auto.srt")), false);
    std::vector<std::string> csv = lines_of(written(temp_path("auto.csv")));
    fail_unless_equals_int((int)csv.size(), 4);
    fail_unless_equals_string(csv[0].c_str(),
                              "segment,start,end,label,confidence,true,angry,happy,neutral,sad,"
                              "arousal,valence,arousal_level,uncertain");
    fail_unless(is_json_lines(written(temp_path("auto.jsonl"))));
    fail_unless(is_json_lines(written(temp_path("auto.json"))));
    fail_unless(is_json_lines(written(temp_path("no-extension"))));
    /* explicit wins */
    fail_unless(is_json_lines(written(temp_path("explicit.vtt"), "format=jsonl")));
    check_cues(written(temp_path("explicit.txt"), "format=srt"), false);
    /* and reads back as set */
    GstElement* sink = gst_element_factory_make("emotionsink", NULL);
    gchar* nick = NULL;
    GValue value = G_VALUE_INIT;
    g_value_init(&value, G_TYPE_STRING);
    g_object_get_property(G_OBJECT(sink), "cue-format", &value);
    fail_unless_equals_string(g_value_get_string(&value), "{label} ({percent}%)");
    g_value_unset(&value);
    GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(sink), "format");
    nick = g_strdup(g_enum_get_value(G_PARAM_SPEC_ENUM(spec)->enum_class,
                                     g_value_get_enum(g_param_spec_get_default_value(spec)))
                        ->value_nick);
    fail_unless_equals_string(nick, "auto");
    g_free(nick);
    gst_object_unref(sink);
}

GST_END_TEST;

/* an extension that names no format, without format: an error at start that says what to do */
GST_START_TEST(test_unknown_extension_n) {
    const std::string path = temp_path("results.txt");
    GstElement* pipeline = launch("fakesrc num-buffers=0 ! emotionsink location=\"" + path + "\"");
    const std::string e = pause_error(pipeline);
    gst_object_unref(pipeline);
    printf("unknown extension -> %s\n", e.c_str());
    fail_unless(e.find("results.txt") != std::string::npos && e.find("format=") != std::string::npos);
    fail_unless(e.find("'.txt'") != std::string::npos);
    fail_unless(!g_file_test(path.c_str(), G_FILE_TEST_EXISTS)); /* nothing written */
}

GST_END_TEST;

/* cue-format: the cue text of WebVTT and SRT; an unknown placeholder fails at start */
GST_START_TEST(test_cue_format) {
    auto blocks =
        blocks_of(written(temp_path("styled.vtt"), "cue-format=\"{label} {confidence} [{segment}]\""));
    fail_unless_equals_int((int)blocks.size(), 4);
    for (int i = 0; i < 3; i++) {
        const char* label = kFed[i].uncertain ? "uncertain" : kLabels[kBest[i]];
        gchar* cue = g_strdup_printf("%s %.2f [%s]", label, kFed[i].scores[kBest[i]], kFed[i].id);
        fail_unless_equals_string(blocks[i + 1][2].c_str(), cue);
        g_free(cue);
    }
    GstElement* pipeline = launch("fakesrc num-buffers=0 ! emotionsink location=\"" +
                                  temp_path("bad-cue.srt") + "\" cue-format=\"{label} {score\"");
    const std::string e = pause_error(pipeline);
    gst_object_unref(pipeline);
    printf("cue-format with {score -> %s\n", e.c_str());
    fail_unless(e.find("cue-format") != std::string::npos && e.find("{score") != std::string::npos);
}

GST_END_TEST;

/* signal, last-result, summary and evaluation messages; report file, written atomically */
GST_START_TEST(test_signal_summary_evaluation) {
    std::string folder = temp_path("report-dir");
    g_mkdir_with_parents(folder.c_str(), 0755);
    std::string report = folder + "/r.json";
    fail_unless(g_file_set_contents(report.c_str(), "old", 3, NULL));
    SignalLog log;
    GstBus* bus;
    GstHarness* h = feed_sink("report=\"" + report + "\"", &log, &bus);

    /* result signal: one per result, fields as documented */
    fail_unless_equals_int((int)log.results.size(), 3);
    for (int i = 0; i < 3; i++) {
        GstStructure* s = log.results[i];
        fail_unless(gst_structure_has_name(s, "emotion-result"));
        fail_unless_equals_string(gst_structure_get_string(s, "segment-id"), kFed[i].id);
        guint64 ts, dur;
        fail_unless(gst_structure_get_uint64(s, "timestamp", &ts));
        fail_unless(gst_structure_get_uint64(s, "duration", &dur));
        fail_unless_equals_uint64(ts, kFed[i].start_ms * GST_MSECOND);
        fail_unless_equals_uint64(dur, kFed[i].duration_ms * GST_MSECOND);
        fail_unless_equals_string(gst_structure_get_string(s, "label"), kLabels[kBest[i]]);
        gdouble c;
        fail_unless(gst_structure_get_double(s, "confidence", &c));
        fail_unless(std::fabs(c - kFed[i].scores[kBest[i]]) < 1e-6);
        fail_unless_equals_string(gst_structure_get_string(s, "model"), "test-model");
        const GValue* scores = gst_structure_get_value(s, "scores");
        const GValue* labels = gst_structure_get_value(s, "labels");
        fail_unless_equals_int(gst_value_array_get_size(scores), 4);
        for (int k = 0; k < 4; k++) {
            fail_unless(std::fabs(g_value_get_double(gst_value_array_get_value(scores, k)) -
                                  kFed[i].scores[k]) < 1e-6);
            fail_unless_equals_string(g_value_get_string(gst_value_array_get_value(labels, k)), kLabels[k]);
        }
        if (kFed[i].truth) {
            fail_unless_equals_string(gst_structure_get_string(s, "true-emotion"), kFed[i].truth);
        } else {
            fail_unless(!gst_structure_has_field(s, "true-emotion"));
        }
        gboolean uncertain;
        fail_unless(gst_structure_get_boolean(s, "uncertain", &uncertain));
        fail_unless_equals_int(uncertain, kFed[i].uncertain);
        gdouble arousal = 9, valence = 9;
        fail_unless_equals_int(gst_structure_get_double(s, "arousal", &arousal), kFed[i].affect);
        fail_unless_equals_int(gst_structure_get_double(s, "valence", &valence), kFed[i].affect);
        if (kFed[i].affect)
            fail_unless(std::fabs(arousal - kFed[i].arousal) < 1e-6 &&
                        std::fabs(valence - kFed[i].valence) < 1e-6);
        if (kFed[i].affect)
            fail_unless_equals_string(gst_structure_get_string(s, "arousal-level"),
                                      kFed[i].arousal > 0 ? "high" : "low");
    }

    /* last-result is the third */
    GstElement* sink = gst_harness_find_element(h, "emotionsink");
    GstStructure* last = NULL;
    g_object_get(sink, "last-result", &last, NULL);
    fail_unless(last != NULL);
    fail_unless(gst_structure_is_equal(last, log.results[2]));
    gst_structure_free(last);
    gst_object_unref(sink);
    free_structures(log.results);

    /* summary: 1 happy, 1 angry, 1 uncertain (s3, best label angry: counted for none); durations
     * 1.5 s happy, 1.25 s angry, 1 s uncertain */
    std::vector<GstStructure*> all;
    GstMessage* m;
    while ((m = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) != NULL) {
        all.push_back(gst_structure_copy(gst_message_get_structure(m)));
        gst_message_unref(m);
    }
    GstStructure *summary = NULL, *evaluation = NULL;
    for (auto* s : all) {
        if (gst_structure_has_name(s, "emotion-summary")) summary = s;
        if (gst_structure_has_name(s, "emotion-evaluation")) evaluation = s;
    }
    fail_unless(summary != NULL);
    guint segments;
    fail_unless(gst_structure_get_uint(summary, "segments", &segments));
    fail_unless_equals_int(segments, 3);
    guint uncertain = 0;
    fail_unless(gst_structure_get_uint(summary, "uncertain", &uncertain));
    fail_unless_equals_int(uncertain, 1);
    fail_unless_equals_string(gst_structure_get_string(summary, "dominant"),
                              "angry"); /* the first of a tie */
    const GValue* shares = gst_structure_get_value(summary, "shares");
    const GValue* dshares = gst_structure_get_value(summary, "duration-shares");
    const double want_shares[4] = {1.0 / 3, 1.0 / 3, 0, 0};
    const double want_dshares[4] = {1.25 / 3.75, 1.5 / 3.75, 0, 0};
    for (int k = 0; k < 4; k++) {
        fail_unless(std::fabs(g_value_get_double(gst_value_array_get_value(shares, k)) - want_shares[k]) <
                    1e-9);
        fail_unless(std::fabs(g_value_get_double(gst_value_array_get_value(dshares, k)) - want_dshares[k]) <
                    1e-9);
    }

    /* evaluation: s1 happy->happy, s2 sad->angry, s3 unlabelled: WA 0.5, UA (1 + 0) / 2 */
    fail_unless(evaluation != NULL);
    gdouble wa, ua;
    guint evaluated, unlabelled;
    fail_unless(gst_structure_get_double(evaluation, "wa", &wa));
    fail_unless(gst_structure_get_double(evaluation, "ua", &ua));
    fail_unless(gst_structure_get_uint(evaluation, "evaluated", &evaluated));
    fail_unless(gst_structure_get_uint(evaluation, "unlabelled", &unlabelled));
    fail_unless(std::fabs(wa - 0.5) < 1e-12);
    fail_unless(std::fabs(ua - 0.5) < 1e-12);
    fail_unless_equals_int(evaluated, 2);
    fail_unless_equals_int(unlabelled, 1);
    nlohmann::json j = nlohmann::json::parse(read_text(report));
    fail_unless(j == nlohmann::json::parse(gst_structure_get_string(evaluation, "report")));
    fail_unless_equals_int(j["matrix"][1][1].get<int>(), 1);
    fail_unless_equals_int(j["matrix"][3][0].get<int>(), 1);
    for (auto* s : all) gst_structure_free(s);

    /* atomic: the old file was replaced, no temporary file is left next to it */
    GDir* dir = g_dir_open(folder.c_str(), 0, NULL);
    int entries = 0;
    while (g_dir_read_name(dir)) entries++;
    g_dir_close(dir);
    fail_unless_equals_int(entries, 1);
    harness_teardown(h, bus);
    g_unlink(report.c_str());
    g_rmdir(folder.c_str());
}

GST_END_TEST;

/* a location in a folder that does not exist: a clean error naming it */
GST_START_TEST(test_unwritable_location_n) {
    GstElement* pipeline = launch("fakesrc num-buffers=0 ! emotionsink location=/nonexistent-folder/r.jsonl");
    std::string e = pause_error(pipeline);
    gst_object_unref(pipeline);
    printf("unwritable location -> %s\n", e.c_str());
    fail_unless(e.find("/nonexistent-folder/r.jsonl") != std::string::npos);
}

GST_END_TEST;

/* an unwritable report: a warning, the stream still ends normally */
GST_START_TEST(test_unwritable_report_n) {
    GstBus* bus;
    GstHarness* h = feed_sink("report=/nonexistent-folder/r.json", NULL, &bus);
    fail_unless_equals_std_string(error_of(bus), "");
    GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_WARNING);
    fail_unless(m != NULL);
    gst_message_unref(m);
    harness_teardown(h, bus);
}

GST_END_TEST;

/* a report path that is a symlink or a FIFO (as a device node would be) is refused when the
 * element starts, and left as it was: saving used to rename a regular file over it */
GST_START_TEST(test_report_not_a_regular_file_n) {
    std::string target = temp_path("report-target.json"), link = temp_path("report-link.json");
    std::string fifo = temp_path("report-fifo");
    fail_unless(g_file_set_contents(target.c_str(), "kept", 4, NULL));
    fail_unless(symlink(target.c_str(), link.c_str()) == 0);
    fail_unless(mkfifo(fifo.c_str(), 0644) == 0);
    const std::pair<std::string, std::string> cases[] = {{link, "symbolic link"}, {fifo, "a FIFO"}};
    for (const auto& [path, kind] : cases) {
        GstElement* pipeline = launch("fakesrc num-buffers=0 ! emotionsink report=\"" + path + "\"");
        const std::string e = pause_error(pipeline);
        gst_object_unref(pipeline);
        printf("report at %s -> %s\n", kind.c_str(), e.c_str());
        fail_unless(e.find(kind) != std::string::npos && e.find("not a regular file") != std::string::npos);
    }
    GStatBuf st;
    fail_unless(g_lstat(link.c_str(), &st) == 0 && S_ISLNK(st.st_mode));
    fail_unless(g_lstat(fifo.c_str(), &st) == 0 && S_ISFIFO(st.st_mode));
    fail_unless(read_text(target) == "kept");
}

GST_END_TEST;

/* report set but no result carries a true label: nothing to evaluate, and a warning says so */
GST_START_TEST(test_report_without_labels_warns_n) {
    std::string report = temp_path("unlabelled-report.json");
    GstHarness* h = gst_harness_new_parse(("emotionsink report=\"" + report + "\"").c_str());
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(h->element, bus);
    gst_harness_set_src_caps_str(h, "other/tensors,format=static,num_tensors=1,"
                                    "types=float32,dimensions=(string)4:1,framerate=0/1");
    const Fed& unlabelled = kFed[2];
    gst_harness_push_event(h, gst_emotion_event_new_segment_start(unlabelled.id, NULL, NULL));
    fail_unless_equals_int(gst_harness_push(h, result_buffer(unlabelled)), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end(unlabelled.id));
    gst_harness_push_event(h, gst_event_new_eos());
    GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_WARNING);
    fail_unless(m != NULL);
    GError* warning = NULL;
    gst_message_parse_warning(m, &warning, NULL);
    printf("unlabelled report -> %s\n", warning->message);
    fail_unless(strstr(warning->message, "No evaluation report") != NULL);
    g_error_free(warning);
    gst_message_unref(m);
    fail_unless(!g_file_test(report.c_str(), G_FILE_TEST_EXISTS));
    harness_teardown(h, bus);
}

GST_END_TEST;

/* evaluation with the labels of emodatasetsrc (EmoDB, speaker emodb03) */
GST_START_TEST(test_evaluation_emodb) {
    if (!have_emodb("test_evaluation_emodb")) return;
    std::string report = temp_path("emodb-report.json");
    std::string jsonl = temp_path("emodb.jsonl");
    std::string description =
        "emodatasetsrc location=\"" + emodb("manifest.csv") +
        "\" labels=angry,happy,neutral,sad split=test test-speakers=emodb03 ! lldextract ! "
        "alstmclassify model=\"" +
        model_file("model_alstm_mean") +
        "\" ! emotionsink name=sink "
        "location=\"" +
        jsonl + "\" report=\"" + report + "\"";
    GstElement* pipeline = gst_parse_launch(description.c_str(), NULL);
    Run run;
    run_collect(pipeline, &run, 300 * GST_SECOND);
    fail_unless_equals_string(run.error.c_str(), "");
    auto ev = run.named("emotion-evaluation");
    fail_unless_equals_int((int)ev.size(), 1);
    gdouble wa, ua;
    guint evaluated;
    fail_unless(gst_structure_get_double(ev[0], "wa", &wa));
    fail_unless(gst_structure_get_double(ev[0], "ua", &ua));
    fail_unless(gst_structure_get_uint(ev[0], "evaluated", &evaluated));
    /* one emotion message per utterance, carrying its true label */
    auto results = run.named("emotion");
    fail_unless_equals_int((int)results.size(), (int)evaluated);
    for (auto* s : results) fail_unless(gst_structure_get_string(s, "true-emotion") != NULL);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);

    nlohmann::json j = nlohmann::json::parse(read_text(report));
    const auto& matrix = j["matrix"];
    int total = 0, correct = 0, present = 0;
    double recall_sum = 0;
    for (size_t t = 0; t < matrix.size(); t++) {
        int row = 0;
        for (size_t p = 0; p < matrix[t].size(); p++) row += matrix[t][p].get<int>();
        total += row;
        correct += matrix[t][t].get<int>();
        if (row > 0) {
            recall_sum += (double)matrix[t][t].get<int>() / row;
            present++;
        }
    }
    printf("EmoDB emodb03 (reference-parameter model, not trained): %d segments, WA %.3f UA %.3f\n", total,
           wa, ua);
    fail_unless_equals_int(total, (int)evaluated);
    /* every utterance of emodb03 with the 4 labels was evaluated */
    int listed = 0;
    for (const auto& line : lines_of(read_text(emodb("manifest.csv")))) {
        auto f = split_csv(line);
        if (f.size() > 2 && f[2] == "emodb03" &&
            (f[1] == "angry" || f[1] == "happy" || f[1] == "neutral" || f[1] == "sad"))
            listed++;
    }
    fail_unless_equals_int(total, listed);
    fail_unless_equals_int((int)lines_of(read_text(jsonl)).size(), listed);
    fail_unless(std::fabs(wa - (double)correct / total) < 1e-12);
    fail_unless(std::fabs(ua - recall_sum / present) < 1e-12);
    fail_unless(std::fabs(j["wa"].get<double>() - wa) < 1e-12);
    fail_unless(std::fabs(j["ua"].get<double>() - ua) < 1e-12);
}

GST_END_TEST;

static Suite* emotionsink_suite(void) {
    Suite* s = suite_create("emotionsink");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_jsonl);
    tcase_add_test(tc, test_csv);
    tcase_add_test(tc, test_webvtt);
    tcase_add_test(tc, test_srt);
    tcase_add_test(tc, test_format_from_extension);
    tcase_add_test(tc, test_unknown_extension_n);
    tcase_add_test(tc, test_cue_format);
    tcase_add_test(tc, test_signal_summary_evaluation);
    tcase_add_test(tc, test_unwritable_location_n);
    tcase_add_test(tc, test_unwritable_report_n);
    tcase_add_test(tc, test_report_not_a_regular_file_n);
    tcase_add_test(tc, test_report_without_labels_warns_n);
    tcase_add_test(tc, test_evaluation_emodb);
    return s;
}

GST_CHECK_MAIN(emotionsink);
