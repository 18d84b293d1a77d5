/* Tagging a recording (examples/tag-recording.sh): the original audio, an emotion subtitle track
 * (named "Emotion", language "zxx", cues "angry (81%)" as emotionsink's) and the dominant emotion
 * as a global tag muxed into Matroska, then read back with matroskademux. The classifier must
 * pick text output on matroskamux's subtitle pad. */
#include <cmath>

#include "test_emotion_common.h"

using namespace emotion_test;

static const std::vector<std::string> kLabels = {"angry", "happy", "neutral", "sad"};

static GstPadProbeReturn caps_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
    GstEvent* e = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(e) == GST_EVENT_CAPS) {
        GstCaps* caps;
        gst_event_parse_caps(e, &caps);
        *(std::string*)data = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    }
    return GST_PAD_PROBE_OK;
}

struct Cue {
    GstClockTime pts, duration;
    std::string text;
};

static GstFlowReturn on_cue(GstElement* sink, std::vector<Cue>* cues) {
    GstSample* sample = NULL;
    g_signal_emit_by_name(sink, "pull-sample", &sample);
    if (!sample) return GST_FLOW_EOS;
    GstBuffer* b = gst_sample_get_buffer(sample);
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_READ);
    cues->push_back(
        {GST_BUFFER_PTS(b), GST_BUFFER_DURATION(b), std::string((const char*)map.data, map.size)});
    gst_buffer_unmap(b, &map);
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

GST_START_TEST(test_tag_recording) {
    std::string input = reference("lld/emodb_08a02Wc.wav");
    std::string mkv = temp_path("tagged.mkv");
    std::string model = model_file("model_alstm_mean");
    /* the pipeline of examples/tag-recording.sh */
    std::string description =
        "filesrc location=\"" + input +
        "\" ! decodebin ! tee name=t "
        "t. ! queue max-size-time=0 max-size-buffers=0 max-size-bytes=0 ! audioconvert ! mux.audio_0 "
        "t. ! queue ! audioconvert ! audioresample ! lldextract ! alstmclassify name=cls model=\"" +
        model +
        "\" window=1.0 hop=1.0 ! taginject tags=\"title=Emotion,language-code=zxx\" ! mux.subtitle_0 "
        "matroskamux name=mux ! filesink location=\"" +
        mkv + "\"";
    GstElement* pipeline = launch(description);
    GstElement* cls = gst_bin_get_by_name(GST_BIN(pipeline), "cls");
    GstPad* src = gst_element_get_static_pad(cls, "src");
    std::string output_caps;
    gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, caps_probe, &output_caps, NULL);
    gst_object_unref(src);
    gst_object_unref(cls);
    Run run;
    run_collect(pipeline, &run);
    fail_unless_equals_string(run.error.c_str(), "");
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    /* matroskamux's subtitle pad takes text only: the classifier chose text/x-raw */
    fail_unless_equals_string(output_caps.c_str(), "text/x-raw");
    auto results = run.named("emotion");
    fail_unless(results.size() >= 2);

    /* read the file back */
    std::vector<Cue> cues;
    GstElement* reader =
        gst_parse_launch(("filesrc location=\"" + mkv +
                          "\" ! matroskademux "
                          "name=d d.audio_0 ! queue ! fakesink name=audio sync=false d.subtitle_0 ! queue ! "
                          "appsink name=text sync=false emit-signals=true")
                             .c_str(),
                         NULL);
    GstElement* text = gst_bin_get_by_name(GST_BIN(reader), "text");
    g_signal_connect(text, "new-sample", G_CALLBACK(on_cue), &cues);
    GstElement* audio = gst_bin_get_by_name(GST_BIN(reader), "audio");
    GstPad* audio_pad = gst_element_get_static_pad(audio, "sink");
    GstPad* text_pad = gst_element_get_static_pad(text, "sink");
    Run back;
    run_collect(reader, &back);
    fail_unless_equals_string(back.error.c_str(), "");
    GstCaps* audio_caps = gst_pad_get_current_caps(audio_pad);
    GstCaps* text_caps = gst_pad_get_current_caps(text_pad);
    fail_unless(audio_caps != NULL && text_caps != NULL);
    fail_unless(gst_structure_has_name(gst_caps_get_structure(audio_caps, 0), "audio/x-raw"));
    fail_unless(gst_structure_has_name(gst_caps_get_structure(text_caps, 0), "text/x-raw"));
    gst_caps_unref(audio_caps);
    gst_caps_unref(text_caps);
    gint64 duration = -1;
    fail_unless(gst_element_query_duration(reader, GST_FORMAT_TIME, &duration));
    gst_element_set_state(reader, GST_STATE_NULL);
    gst_object_unref(audio_pad);
    gst_object_unref(text_pad);
    gst_object_unref(audio);
    gst_object_unref(text);
    gst_object_unref(reader);

    /* one cue per result, "label (NN%)", at the result's time */
    fail_unless_equals_int((int)cues.size(), (int)results.size());
    std::map<std::string, int> counts;
    std::string first_label;
    for (size_t i = 0; i < cues.size(); i++) {
        char label[64];
        int percent = -1;
        fail_unless(sscanf(cues[i].text.c_str(), "%63s (%d%%)", label, &percent) == 2, "cue %s",
                    cues[i].text.c_str());
        double confidence = 0.0;
        gst_structure_get_double(results[i], "confidence", &confidence);
        fail_unless_equals_int(percent, (int)std::lround(100.0 * confidence));
        gchar* expected = g_strdup_printf("%s (%d%%)", label, percent);
        fail_unless_equals_string(cues[i].text.c_str(), expected); /* nothing else in the cue */
        g_free(expected);
        fail_unless(std::find(kLabels.begin(), kLabels.end(), label) != kLabels.end());
        fail_unless_equals_string(label, gst_structure_get_string(results[i], "label"));
        guint64 ts;
        gst_structure_get_uint64(results[i], "timestamp", &ts);
        fail_unless_equals_uint64(cues[i].pts, ts);
        fail_unless(confidence > 0 && confidence <= 1);
        counts[label]++;
        printf("cue %zu: %" GST_TIME_FORMAT " +%" GST_TIME_FORMAT " '%s'\n", i, GST_TIME_ARGS(cues[i].pts),
               GST_TIME_ARGS(cues[i].duration), cues[i].text.c_str());
    }
    /* dominant: the most frequent label, the earlier one on ties */
    std::string dominant;
    for (size_t i = 0; i < cues.size(); i++) {
        std::string l = cues[i].text.substr(0, cues[i].text.find(' '));
        if (dominant.empty() || counts[l] > counts[dominant]) dominant = l;
    }
    /* the dominant emotion is kept as the comment "emotion=LABEL"; the subtitle track is named */
    std::string comment, track_title, track_language;
    for (GstTagList* t : back.tags) {
        gchar* c = NULL;
        if (gst_tag_list_get_string(t, GST_TAG_COMMENT, &c)) comment = c;
        g_free(c);
        gchar *title = NULL, *language = NULL;
        if (gst_tag_list_get_string(t, GST_TAG_TITLE, &title) &&
            gst_tag_list_get_string(t, GST_TAG_LANGUAGE_CODE, &language) && g_strcmp0(title, "Audio") != 0) {
            track_title = title;
            track_language = language;
        }
        g_free(title);
        g_free(language);
        gchar* s = gst_tag_list_to_string(t);
        printf("tags read back: %s\n", s);
        g_free(s);
    }
    printf("%zu cues, duration %" GST_TIME_FORMAT ", dominant %s, comment '%s'\n", cues.size(),
           GST_TIME_ARGS(duration), dominant.c_str(), comment.c_str());
    fail_unless_equals_std_string(comment, "emotion=" + dominant);
    fail_unless_equals_std_string(track_title, "Emotion");
    fail_unless_equals_std_string(track_language, "zxx");
    /* the audio is all there */
    GstClockTime wav = gst_util_uint64_scale(load_wav("lld/emodb_08a02Wc.wav").size(), GST_SECOND, 16000);
    fail_unless(std::llabs((long long)duration - (long long)wav) < 30 * (long long)GST_MSECOND,
                "mkv %" GST_TIME_FORMAT " vs wav %" GST_TIME_FORMAT, GST_TIME_ARGS(duration),
                GST_TIME_ARGS(wav));
}

GST_END_TEST;

/* the example script itself */
GST_START_TEST(test_tag_recording_script) {
    const char* script = g_getenv("EMOTION_TAG_RECORDING");
    fail_unless(script != NULL);
    std::string out = temp_path("script.mkv");
    std::string model = model_file("model_alstm_mean");
    std::string in = reference("lld/emodb_16b10Tb.wav");
    const gchar* argv[] = {"bash", script, in.c_str(), out.c_str(), model.c_str(), NULL};
    gchar *stdout_text = NULL, *stderr_text = NULL;
    gint status = -1;
    /* gst-launch-1.0 is not instrumented: in a sanitizer build it loads our instrumented plugin
     * only with the ASan runtime preloaded (tests/meson.build names it); leaks of bash, sed and
     * gst-launch are not ours to check (the other tests check the plugin's, in-process) */
    gchar** envp = g_get_environ();
    const gchar* preload = g_getenv("EMOTION_SANITIZER_PRELOAD");
    if (preload && *preload) {
        envp = g_environ_setenv(envp, "LD_PRELOAD", preload, TRUE);
        envp = g_environ_setenv(envp, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
    }
    fail_unless(g_spawn_sync(NULL, (gchar**)argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &stdout_text,
                             &stderr_text, &status, NULL));
    g_strfreev(envp);
    printf("%s%s", stdout_text, stderr_text);
    fail_unless(g_spawn_check_wait_status(status, NULL));
    fail_unless(strstr(stdout_text, "emotion=") != NULL);
    /* the subtitle track's name and language, as matroskademux reads them back */
    fail_unless(strstr(stdout_text, "language-code=(string)zxx, title=(string)Emotion") != NULL);
    fail_unless(g_regex_match_simple("[a-z]+ \\([0-9]+%\\)", stdout_text, (GRegexCompileFlags)0,
                                     (GRegexMatchFlags)0)); /* a cue */
    g_free(stdout_text);
    g_free(stderr_text);
    fail_unless(g_file_test(out.c_str(), G_FILE_TEST_IS_REGULAR));
}

GST_END_TEST;

static Suite* matroska_tagging_suite(void) {
    Suite* s = suite_create("matroska_tagging");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_tag_recording);
    tcase_add_test(tc, test_tag_recording_script);
    return s;
}

GST_CHECK_MAIN(matroska_tagging);
