/* The cases every feature extractor (a GstEmotionExtractor: lldextract, mulawspec) passes alike,
 * written once: caps it cannot take, zero-length and partial-sample input, converted input,
 * state changes and a flushing seek in real pipelines; plus helpers for the cases whose inputs
 * or answers differ per element (non-finite input, latency). A test file adds them to its suite
 * with add_extractor_cases() and keeps only its element's own cases. Negative tests end in _n. */
#pragma once

#include "test_lldextract_common.h"

namespace extractor_test {

/* What the shared cases need to know about the element under test. */
struct ExtractorCases {
    const char* factory;      /* "lldextract" */
    size_t values_per_buffer; /* floats in one output buffer */
    const char* configured;   /* with its typical options: "lldextract segmentation=vad" */
    const char* pipeline_wav; /* reference WAV of the state-change pipeline */
    const char* seek_wav;     /* reference WAV of the flushing seek ... */
    size_t seek_buffers;      /* ... and the buffers it makes */
};

/* The element of this test binary; add_extractor_cases() sets it before the cases run. */
inline ExtractorCases& under_test() {
    static ExtractorCases cases;
    return cases;
}

/* Output of the element of `description` (made by `factory`) for `samples`, pushed in pieces
 * of `piece` samples with PTS from `base`, then EOS. */
inline Capture extract_from(const char* factory, size_t values_per_buffer, const std::vector<float>& samples,
                            size_t piece, const char* description, GstClockTime base) {
    Capture capture;
    GstHarness* h = harness_new(factory, description, &capture, values_per_buffer, NULL);
    fail_unless(push_samples(
        h, samples, [piece]() { return piece; }, base));
    fail_unless(gst_harness_push_event(h, gst_event_new_eos()));
    harness_teardown(h, NULL);
    return capture;
}

/* Non-finite samples: `expected_buffers` buffers of finite values, one warning, no error. */
inline Capture extract_nonfinite(const char* description, const std::vector<float>& samples, size_t piece,
                                 size_t expected_buffers) {
    const ExtractorCases& e = under_test();
    Capture out;
    GstBus* bus;
    GstHarness* h = harness_new(e.factory, description, &out, e.values_per_buffer, &bus);

    fail_unless(push_samples(h, samples, [piece]() { return piece; }));
    gst_harness_push_event(h, gst_event_new_eos());
    fail_unless_equals_int((int)out.buffers(), (int)expected_buffers);
    for (float v : out.values) fail_unless(std::isfinite(v));
    fail_unless_equals_int(count_messages(bus, GST_MESSAGE_WARNING), 1);
    fail_unless_equals_int(count_messages(bus, GST_MESSAGE_ERROR), 0);
    harness_teardown(h, bus);
    return out;
}

/* The minimum latency `description` adds (the harness source adds none). */
inline GstClockTime latency_of(const char* description) {
    GstHarness* h = gst_harness_new_parse(description);
    gst_harness_set_src_caps_str(h, AUDIO_CAPS);
    GstQuery* query = gst_query_new_latency();
    GstClockTime min, max;
    gboolean live;

    fail_unless(gst_pad_peer_query(h->sinkpad, query));
    gst_query_parse_latency(query, &live, &min, &max);
    gst_query_unref(query);
    gst_harness_teardown(h);
    return min;
}

/* --- bad input -------------------------------------------------------------------------- */

/* Audio the element cannot take fails cleanly: linking is refused up front, and caps forced
 * through an appsrc fail with not-negotiated. */
inline void check_refused(const char* caps) {
    const char* factory = under_test().factory;
    gchar* description = g_strdup_printf("audiotestsrc num-buffers=10 ! %s ! %s ! fakesink", caps, factory);
    GstElement* pipeline = gst_parse_launch(description, NULL);
    std::string error = run_pipeline(pipeline);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    g_free(description);
    printf("%s refuses %s (linked by gst_parse_launch): %s\n", factory, caps, error.c_str());
    fail_unless(error.find("not-linked") != std::string::npos ||
                    error.find("not-negotiated") != std::string::npos,
                "%s", error.c_str());

    description = g_strdup_printf("appsrc name=src format=time caps=\"%s\" ! %s ! fakesink", caps, factory);
    pipeline = gst_parse_launch(description, NULL);
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstFlowReturn ret;
    GstBuffer* buffer = gst_buffer_new_allocate(NULL, 4096, NULL);
    gst_buffer_memset(buffer, 0, 0, 4096);
    GST_BUFFER_PTS(buffer) = 0;
    g_signal_emit_by_name(src, "push-buffer", buffer, &ret);
    gst_buffer_unref(buffer);
    g_signal_emit_by_name(src, "end-of-stream", &ret);
    error = run_pipeline(pipeline);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(pipeline);
    g_free(description);
    printf("%s refuses %s (appsrc): %s\n", factory, caps, error.c_str());
    fail_unless(error.find("not-negotiated") != std::string::npos, "%s", error.c_str());
}

GST_START_TEST(test_caps_44100_n) { check_refused("audio/x-raw,format=F32LE,rate=44100,channels=1"); }
GST_END_TEST;

GST_START_TEST(test_caps_s16_n) { check_refused("audio/x-raw,format=S16LE,rate=16000,channels=1"); }
GST_END_TEST;

GST_START_TEST(test_caps_stereo_n) { check_refused("audio/x-raw,format=F32LE,rate=16000,channels=2"); }
GST_END_TEST;

/* the harness: wrong caps are refused and a push fails with not-negotiated */
GST_START_TEST(test_harness_caps_n) {
    GstHarness* h = gst_harness_new(under_test().factory);
    gst_harness_set_src_caps_str(h, "audio/x-raw,format=F32LE,rate=44100,channels=1,"
                                    "layout=interleaved");
    float samples[1000] = {0};
    fail_unless_equals_int(gst_harness_push(h, make_buffer(samples, 1000, 0)), GST_FLOW_NOT_NEGOTIATED);
    gst_harness_teardown(h);
}
GST_END_TEST;

/* EOS alone: nothing but the EOS, no message */
static void check_eos_only(const char* description) {
    Capture out;
    GstBus* bus;
    GstHarness* h =
        harness_new(under_test().factory, description, &out, under_test().values_per_buffer, &bus);

    fail_unless(gst_harness_push_event(h, gst_event_new_eos()));
    fail_unless_equals_int((int)out.buffers(), 0);
    fail_unless_equals_int(out.eos, 1);
    fail_unless_equals_int((int)out.events.size(), 0);
    fail_unless_equals_int(count_messages(bus, (GstMessageType)(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING)), 0);
    harness_teardown(h, bus);
}

GST_START_TEST(test_zero_length_n) {
    const ExtractorCases& e = under_test();
    check_eos_only(e.factory);
    check_eos_only(e.configured);

    /* an empty buffer is no sample */
    Capture empty;
    GstHarness* h = harness_new(e.factory, e.factory, &empty, e.values_per_buffer, NULL);
    fail_unless_equals_int(gst_harness_push(h, make_buffer(NULL, 0, 0)), GST_FLOW_OK);
    gst_harness_push_event(h, gst_event_new_eos());
    fail_unless_equals_int((int)empty.buffers(), 0);
    harness_teardown(h, NULL);
}
GST_END_TEST;

/* a buffer that is not a whole number of samples is a clean error */
GST_START_TEST(test_partial_sample_n) {
    GstBus* bus;
    Capture out;
    GstHarness* h =
        harness_new(under_test().factory, under_test().factory, &out, under_test().values_per_buffer, &bus);
    GstBuffer* buffer = gst_buffer_new_allocate(NULL, 4001, NULL);

    gst_buffer_memset(buffer, 0, 0, 4001);
    fail_unless_equals_int(gst_harness_push(h, buffer), GST_FLOW_ERROR);
    fail_unless_equals_int(count_messages(bus, GST_MESSAGE_ERROR), 1);
    harness_teardown(h, bus);
}
GST_END_TEST;

/* --- real pipelines --------------------------------------------------------------------- */

/* any audio works behind audioconvert ! audioresample (the documented launch line) */
GST_START_TEST(test_converted_input) {
    gchar* description =
        g_strdup_printf("audiotestsrc num-buffers=100 wave=pink-noise ! "
                        "audio/x-raw,format=S16LE,rate=44100,channels=2 ! audioconvert ! audioresample ! "
                        "%s ! fakesink",
                        under_test().configured);
    GstElement* pipeline = gst_parse_launch(description, NULL);
    fail_unless(pipeline != NULL);
    fail_unless_equals_std_string(run_pipeline(pipeline), "");
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    g_free(description);
}
GST_END_TEST;

GST_START_TEST(test_state_changes) {
    std::string location = reference(under_test().pipeline_wav);
    gchar* description = g_strdup_printf("filesrc location=\"%s\" ! wavparse ! %s ! fakesink",
                                         location.c_str(), under_test().configured);
    GstElement* pipeline = gst_parse_launch(description, NULL);

    /* interrupted once PLAYING is reached */
    play_and_interrupt(pipeline, 20,
                       [&](int) { gst_element_get_state(pipeline, NULL, NULL, GST_CLOCK_TIME_NONE); });
    gst_object_unref(pipeline);
    g_free(description);
}
GST_END_TEST;

static GstFlowReturn collect_sample(GstElement* sink, gpointer data) {
    Capture* capture = *static_cast<Capture**>(data);
    GstSample* sample = NULL;
    g_signal_emit_by_name(sink, "pull-sample", &sample);
    if (sample) {
        capture->add(gst_sample_get_buffer(sample));
        gst_sample_unref(sample);
    }
    return GST_FLOW_OK;
}

/* a flushing seek back to 0 gives the same buffers again */
GST_START_TEST(test_flushing_seek) {
    const ExtractorCases& e = under_test();
    std::string location = reference(e.seek_wav);
    gchar* description = g_strdup_printf("filesrc location=\"%s\" ! wavparse ! "
                                         "%s ! appsink name=sink sync=false emit-signals=true",
                                         location.c_str(), e.factory);
    GstElement* pipeline = gst_parse_launch(description, NULL);
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstBus* bus = gst_element_get_bus(pipeline);
    Capture run1, run2;
    Capture* current = &run1;

    run1.values_per_buffer = run2.values_per_buffer = e.values_per_buffer;
    /* the callback reads through `current`, so the seek can switch captures */
    g_signal_connect(sink, "new-sample", G_CALLBACK(collect_sample), &current);

    fail_unless_equals_std_string(run_pipeline(pipeline), "");
    fail_unless_equals_int((int)run1.buffers(), (int)e.seek_buffers);

    current = &run2;
    GstSeekFlags flags = (GstSeekFlags)(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE);
    fail_unless(gst_element_seek_simple(pipeline, GST_FORMAT_TIME, flags, 0));
    GstMessage* message = gst_bus_timed_pop_filtered(bus, test_wait(30 * GST_SECOND),
                                                     (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    fail_unless(message != NULL && GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS);
    gst_message_unref(message);

    fail_unless_equals_int((int)run2.buffers(), (int)run1.buffers());
    fail_unless(run1.values == run2.values);
    fail_unless(run1.pts == run2.pts);
    fail_unless(run1.offset == run2.offset);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    g_free(description);
}
GST_END_TEST;

/* Adds the shared cases for the element `cases` describes to `tc`. */
inline void add_extractor_cases(TCase* tc, const ExtractorCases& cases) {
    under_test() = cases;
    tcase_add_test(tc, test_caps_44100_n);
    tcase_add_test(tc, test_caps_s16_n);
    tcase_add_test(tc, test_caps_stereo_n);
    tcase_add_test(tc, test_harness_caps_n);
    tcase_add_test(tc, test_zero_length_n);
    tcase_add_test(tc, test_partial_sample_n);
    tcase_add_test(tc, test_converted_input);
    tcase_add_test(tc, test_state_changes);
    tcase_add_test(tc, test_flushing_seek);
}

} // namespace extractor_test
