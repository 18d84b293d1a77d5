/* The min-speech gate of the LLD classifiers (alstmclassify, stlclassify with their shipped
 * models, lldextract window segmentation): 60 s of digital silence, white and pink noise get no
 * emotion by default, no-speech results covering every window with no-speech=tag (messages, text
 * lines, GAP events for tensor output), every window labelled as before with min-speech=0; every EmoDB
 * utterance still gets an emotion; ksmmtransformer is gated alike. */
#include "test_emotion_common.h"

using namespace emotion_test;

static const char* kModels[] = {"alstm", "stl"};
static const char* kNonSpeech[] = {"silence", "white-noise", "pink-noise"};
/* 60 s in 3 s windows every 1.5 s: starts 0, 1.5, ..., 57 and the shorter last one at 58.5 s */
static const int kWindows = 40;

static std::string classifier(const char* model, const char* properties) {
    const gchar* shipped = g_getenv("EMOTION_SOURCE_MODELS");
    fail_unless(shipped != NULL, "EMOTION_SOURCE_MODELS is not set (tests/meson.build sets it)");
    return std::string(model) + "classify model=\"" + shipped + "/" + model + ".safetensors\" " + properties;
}

/* 60 s of audiotestsrc `wave` (volume 0.1) through window segmentation and `model`. */
static std::string non_speech_pipeline(const char* wave, const char* model, const char* properties,
                                       const char* sink = "fakesink") {
    return std::string("audiotestsrc wave=") + wave +
           " volume=0.1 samplesperbuffer=1600 num-buffers=600 ! "
           "audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved ! "
           "lldextract segmentation=window ! " +
           classifier(model, properties) + " ! " + sink;
}

static std::string label_of(const GstStructure* s) {
    const char* label = gst_structure_get_string(s, "label");
    return label ? label : "";
}

GST_START_TEST(test_non_speech_gets_no_emotion) {
    for (const char* model : kModels)
        for (const char* wave : kNonSpeech) {
            Run run;
            run_launch(non_speech_pipeline(wave, model, ""), &run);
            fail_unless_equals_std_string(run.error, "");
            printf("%s, %s: %zu results\n", model, wave, run.named("emotion").size());
            fail_unless_equals_int((int)run.named("emotion").size(), 0);
        }
}

GST_END_TEST;

/* no-speech=tag: one no-speech message per window, at the window's time, without scores. */
GST_START_TEST(test_no_speech_tag_covers_windows) {
    for (const char* model : kModels)
        for (const char* wave : kNonSpeech) {
            Run run;
            run_launch(non_speech_pipeline(wave, model, "no-speech=tag"), &run);
            fail_unless_equals_std_string(run.error, "");
            const auto results = run.named("emotion");
            fail_unless_equals_int((int)results.size(), kWindows);
            for (size_t i = 0; i < results.size(); i++) {
                const GstStructure* s = results[i];
                fail_unless_equals_std_string(label_of(s), "no-speech");
                fail_unless_equals_std_string(gst_structure_get_string(s, "segment-id"),
                                              "w" + std::to_string(i));
                guint64 timestamp = 0, duration = 0;
                double speech = -1;
                fail_unless(gst_structure_get_uint64(s, "timestamp", &timestamp));
                fail_unless(gst_structure_get_uint64(s, "duration", &duration));
                fail_unless_equals_uint64(timestamp, i * 1500 * GST_MSECOND);
                fail_unless(duration > 1400 * GST_MSECOND && duration <= 3000 * GST_MSECOND);
                fail_unless(gst_structure_get_double(s, "speech", &speech) && speech == 0.0);
                fail_unless(!gst_structure_has_field(s, "scores") &&
                            !gst_structure_has_field(s, "confidence"));
            }
        }
}

GST_END_TEST;

/* no-speech=tag with text output: a "no-speech" line per window. */
GST_START_TEST(test_no_speech_tag_text_output) {
    GstElement* pipeline = launch(
        non_speech_pipeline("pink-noise", "alstm", "no-speech=tag",
                            "text/x-raw,format=utf8 ! appsink name=sink sync=false wait-on-eos=false"));
    Run run;
    run_collect(pipeline, &run);
    fail_unless_equals_std_string(run.error, "");
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    int lines = 0;
    GstSample* sample = NULL;
    while (g_signal_emit_by_name(sink, "try-pull-sample", (GstClockTime)0, &sample), sample) {
        GstMapInfo map;
        GstBuffer* b = gst_sample_get_buffer(sample);
        fail_unless(gst_buffer_map(b, &map, GST_MAP_READ));
        fail_unless_equals_std_string(std::string((const char*)map.data, map.size), "no-speech");
        fail_unless_equals_uint64(GST_BUFFER_PTS(b), lines * 1500 * GST_MSECOND);
        gst_buffer_unmap(b, &map);
        gst_sample_unref(sample);
        lines++;
    }
    fail_unless_equals_int(lines, kWindows);
    gst_object_unref(sink);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* Records each GAP event's timestamp and duration (checked on the test's thread). */
static GstPadProbeReturn record_gap(GstPad*, GstPadProbeInfo* info, gpointer data) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) == GST_EVENT_GAP) {
        GstClockTime timestamp, duration;
        gst_event_parse_gap(event, &timestamp, &duration);
        ((std::vector<std::pair<GstClockTime, GstClockTime>>*)data)->push_back({timestamp, duration});
    }
    return GST_PAD_PROBE_OK;
}

/* no-speech=tag with tensor output (posteriors it does not have): a GAP event per window. */
GST_START_TEST(test_no_speech_tag_tensor_gaps) {
    GstElement* pipeline =
        launch(non_speech_pipeline("white-noise", "stl", "no-speech=tag", "fakesink name=sink"));
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstPad* pad = gst_element_get_static_pad(sink, "sink");
    std::vector<std::pair<GstClockTime, GstClockTime>> gaps;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_gap, &gaps, NULL);
    Run run;
    run_collect(pipeline, &run);
    fail_unless_equals_std_string(run.error, "");
    gst_element_set_state(pipeline, GST_STATE_NULL);
    fail_unless_equals_int((int)gaps.size(), kWindows);
    for (size_t i = 0; i < gaps.size(); i++) {
        fail_unless_equals_uint64(gaps[i].first, i * 1500 * GST_MSECOND);
        fail_unless(gaps[i].second > 1400 * GST_MSECOND && gaps[i].second <= 3000 * GST_MSECOND);
    }
    gst_object_unref(pad);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* min-speech=0: the gate is off, every window gets one of the model's emotions, as before. */
GST_START_TEST(test_min_speech_zero_labels_every_window) {
    for (const char* model : kModels)
        for (const char* wave : kNonSpeech) {
            Run run;
            run_launch(non_speech_pipeline(wave, model, "min-speech=0 no-speech=tag"), &run);
            fail_unless_equals_std_string(run.error, "");
            const auto results = run.named("emotion");
            fail_unless_equals_int((int)results.size(), kWindows);
            for (const GstStructure* s : results) {
                fail_unless(label_of(s) != "no-speech" && !label_of(s).empty());
                fail_unless(gst_structure_has_field(s, "scores"));
            }
        }
}

GST_END_TEST;

/* ksmmtransformer shares the gate (audio only, no text pad). */
GST_START_TEST(test_ksmm_gate) {
    const std::string ksmm =
        std::string("ksmmtransformer model=\"") + g_getenv("EMOTION_SOURCE_MODELS") + "/ksmm.safetensors\" ";
    for (const char* properties : {"", "no-speech=tag"}) {
        Run run;
        run_launch("audiotestsrc wave=pink-noise volume=0.1 samplesperbuffer=1600 num-buffers=600 ! "
                   "audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved ! "
                   "lldextract segmentation=window ! " +
                       ksmm + properties + " ! fakesink",
                   &run);
        fail_unless_equals_std_string(run.error, "");
        const auto results = run.named("emotion");
        fail_unless_equals_int((int)results.size(), *properties ? kWindows : 0);
        for (const GstStructure* s : results) fail_unless_equals_std_string(label_of(s), "no-speech");
    }
}

GST_END_TEST;

/* Every EmoDB utterance (one segment each, from emodatasetsrc) still gets an emotion. */
GST_START_TEST(test_emodb_utterances_keep_their_emotion) {
    if (!have_emodb("test_emodb_utterances_keep_their_emotion")) return;
    const int utterances = (int)lines_of(read_text(emodb("manifest.csv"))).size() - 1;
    for (const char* model : kModels) {
        Run run;
        run_launch("emodatasetsrc location=\"" + emodb("manifest.csv") + "\" ! lldextract ! " +
                       classifier(model, "no-speech=tag") + " ! fakesink",
                   &run, 600 * GST_SECOND);
        fail_unless_equals_std_string(run.error, "");
        int labelled = 0;
        for (const GstStructure* s : run.named("emotion")) {
            double speech = 0;
            if (label_of(s) == "no-speech" && gst_structure_get_double(s, "speech", &speech))
                printf("%s: %s has no speech (%.2f)\n", model, gst_structure_get_string(s, "segment-id"),
                       speech);
            else
                labelled++;
        }
        printf("%s: %d of %d EmoDB utterances labelled\n", model, labelled, utterances);
        fail_unless_equals_int(labelled, utterances);
    }
}

GST_END_TEST;

static Suite* no_speech_suite(void) {
    Suite* s = suite_create("no_speech");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_non_speech_gets_no_emotion);
    tcase_add_test(tc, test_no_speech_tag_covers_windows);
    tcase_add_test(tc, test_no_speech_tag_text_output);
    tcase_add_test(tc, test_no_speech_tag_tensor_gaps);
    tcase_add_test(tc, test_min_speech_zero_labels_every_window);
    tcase_add_test(tc, test_ksmm_gate);
    tcase_add_test(tc, test_emodb_utterances_keep_their_emotion);
    return s;
}

GST_CHECK_MAIN(no_speech);
