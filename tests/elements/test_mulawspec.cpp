/* mulawspec element tests: parity with shared/reference/mulaw through the element, segments
 * driven by upstream segment events, the hop property, timestamps, discontinuities, flushes,
 * NaN/Inf, short input and latency; the cases every extractor shares (caps it cannot take, zero
 * length, state changes and seeks in real pipelines) come from test_extractor_cases.h. Negative
 * tests end in _n. */
#include "test_extractor_cases.h"

using namespace extractor_test;

static const int kValues = 400 * 200;

/* Output of mulawspec for `samples`, pushed in pieces of `piece` samples from PTS `base`. */
static Capture extract(const std::vector<float>& samples, size_t piece = 4096,
                       const char* description = "mulawspec", GstClockTime base = 0) {
    return extract_from("mulawspec", kValues, samples, piece, description, base);
}

/* max |element - golden| of one segment (CSV: 400 rows of 200 values, like the buffer) */
static double golden_error(const float* segment, const std::string& csv) {
    std::vector<std::vector<double>> golden = read_csv(reference("mulaw/" + csv), false);
    double max_err = 0;

    fail_unless_equals_int((int)golden.size(), 400);
    for (int k = 0; k < 400; k++) {
        fail_unless_equals_int((int)golden[k].size(), 200);
        for (int c = 0; c < 200; c++)
            max_err = std::max(max_err, std::fabs((double)segment[k * 200 + c] - golden[k][c]));
    }
    return max_err;
}

struct GoldenSegment {
    const char* csv;
    int first_frame, real_frames;
};

static void check_golden(const std::string& wav, const std::vector<GoldenSegment>& segments) {
    std::vector<float> samples = load_wav(wav);
    Capture out = extract(samples);

    fail_unless_equals_int((int)out.buffers(), (int)segments.size());
    for (size_t j = 0; j < segments.size(); j++) {
        double err = golden_error(out.buffer(j), segments[j].csv);
        printf("mulawspec golden %-32s max |err| %.3e (tolerance 5e-5)\n", segments[j].csv, err);
        fail_unless(err <= 5e-5, "%s: %g", segments[j].csv, err);
        fail_unless_equals_uint64(out.pts[j], segments[j].first_frame * 10 * GST_MSECOND);
        fail_unless_equals_uint64(out.duration[j], segments[j].real_frames * 10 * GST_MSECOND);
        fail_unless_equals_uint64(out.offset[j], segments[j].first_frame);
        fail_unless_equals_uint64(out.offset_end[j], segments[j].first_frame + segments[j].real_frames);
        fail_unless_equals_int(out.discont[j], j == 0);
    }
}

static const std::vector<GoldenSegment> kLong = {
    {"speech_en_espeak_long.seg0.csv", 0, 200},
    {"speech_en_espeak_long.seg1.csv", 100, 200},
    {"speech_en_espeak_long.seg2.csv", 200, 147},
};

GST_START_TEST(test_golden) {
    check_golden("lld/chirp_100_4000.wav", {{"chirp_100_4000.seg0.csv", 0, 197}});
    check_golden("lld/speech_en_espeak.wav", {{"speech_en_espeak.seg0.csv", 0, 147}});
    check_golden("mulaw/speech_en_espeak_long.wav", kLong);
}

GST_END_TEST;

GST_START_TEST(test_buffer_sizes) {
    std::vector<float> samples = load_wav("mulaw/speech_en_espeak_long.wav");
    Capture whole = extract(samples, samples.size());

    fail_unless_equals_int((int)whole.buffers(), 3);
    for (size_t piece : {1, 160, 641, 4096}) {
        Capture out = extract(samples, piece);
        fail_unless(out.values == whole.values, "piece %zu", piece);
        fail_unless(out.pts == whole.pts);
    }
    Capture random;
    GstHarness* h = harness_new("mulawspec", "mulawspec", &random, kValues, NULL);
    std::mt19937 rng(5);
    std::uniform_int_distribution<size_t> size(1, 9000);
    fail_unless(push_samples(h, samples, [&]() { return size(rng); }));
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);
    fail_unless(random.values == whole.values);
}

GST_END_TEST;

/* hop=0.4 (the paper's inference setting): segments every 40 frames, as the core makes them */
GST_START_TEST(test_hop) {
    std::vector<float> samples = load_wav("mulaw/speech_en_espeak_long.wav");
    std::vector<std::vector<float>> core = emotion::dsp::mulaw_segments(samples.data(), samples.size(), 40);
    Capture out = extract(samples, 4096, "mulawspec hop=0.4", GST_SECOND);

    /* T = 347: segments at 0, 40, ..., 160 (160 + 200 >= 347) */
    fail_unless_equals_int((int)out.buffers(), 5);
    fail_unless_equals_int((int)core.size(), 5);
    for (size_t j = 0; j < 5; j++) {
        fail_unless(std::equal(core[j].begin(), core[j].end(), out.buffer(j)), "segment %zu", j);
        fail_unless_equals_uint64(out.pts[j], GST_SECOND + j * 400 * GST_MSECOND);
        fail_unless_equals_uint64(out.offset[j], j * 40);
    }
    fail_unless_equals_uint64(out.duration[4], 1870 * GST_MSECOND);
    fail_unless(golden_error(out.buffer(0), "speech_en_espeak_long.seg0.csv") <= 5e-5);

    GstElement* element = gst_element_factory_make("mulawspec", NULL);
    gdouble window, hop;
    g_object_set(element, "hop", 0.4, NULL);
    g_object_get(element, "window", &window, "hop", &hop, NULL);
    fail_unless_equals_float(window, 2.0);
    fail_unless_equals_float(hop, 0.4);
    gst_object_unref(element);
}

GST_END_TEST;

/* The two reference utterances, and plain mulawspec in a harness recording into `out`. */
struct TwoUtterances {
    std::vector<float> lng = load_wav("mulaw/speech_en_espeak_long.wav");
    std::vector<float> shrt = load_wav("lld/speech_en_espeak.wav");
    Capture out;
    GstHarness* h = harness_new("mulawspec", "mulawspec", &out, kValues, NULL);

    /* EOS, then the harness goes: `out` holds everything */
    void finish() {
        gst_harness_push_event(h, gst_event_new_eos());
        harness_teardown(h, NULL);
    }
};

/* utterances from upstream segment events: each one cut on its own, events around its
 * segments, audio between utterances unused */
GST_START_TEST(test_upstream_segments) {
    TwoUtterances u;
    std::vector<float> between(8000, 0.25f);
    auto sizes = []() { return 3000; };

    fail_unless(
        gst_harness_push_event(u.h, gst_emotion_event_new_segment_start("u1", "emotion", "neutral", NULL)));
    fail_unless(push_samples(u.h, u.lng, sizes));
    fail_unless(gst_harness_push_event(u.h, gst_emotion_event_new_segment_end("u1")));
    fail_unless(push_samples(u.h, between, sizes, 0, u.lng.size()));
    fail_unless(gst_harness_push_event(u.h, gst_emotion_event_new_segment_start("u2", NULL, NULL)));
    fail_unless(push_samples(u.h, u.shrt, sizes, 0, u.lng.size() + between.size()));
    fail_unless(gst_harness_push_event(u.h, gst_emotion_event_new_segment_end("u2")));
    u.finish();

    fail_unless_equals_int((int)u.out.buffers(), 4);
    for (size_t j = 0; j < 3; j++) fail_unless(golden_error(u.out.buffer(j), kLong[j].csv) <= 5e-5);
    fail_unless(golden_error(u.out.buffer(3), "speech_en_espeak.seg0.csv") <= 5e-5);
    fail_unless_equals_int((int)u.out.events.size(), 4);
    fail_unless(u.out.events[0].start && u.out.events[0].id == "u1" && u.out.events[0].frames_before == 0);
    fail_unless(!u.out.events[1].start && u.out.events[1].id == "u1" && u.out.events[1].frames_before == 3);
    fail_unless(u.out.events[2].start && u.out.events[2].id == "u2" && u.out.events[2].frames_before == 3);
    fail_unless(!u.out.events[3].start && u.out.events[3].id == "u2" && u.out.events[3].frames_before == 4);
    fail_unless_equals_uint64(u.out.pts[3], sample_time(u.lng.size() + between.size()));
    fail_unless_equals_uint64(u.out.offset[3], 0);
}

GST_END_TEST;

/* a DISCONT finishes the utterance (padded tail) and starts a new one */
GST_START_TEST(test_discont) {
    TwoUtterances u;

    fail_unless(push_samples(u.h, u.shrt, []() { return 5000; }));
    fail_unless_equals_int(gst_harness_push(u.h, make_buffer(u.lng.data(), u.lng.size(), 10 * GST_SECOND,
                                                             GST_BUFFER_FLAG_DISCONT)),
                           GST_FLOW_OK);
    u.finish();

    fail_unless_equals_int((int)u.out.buffers(), 4);
    fail_unless(golden_error(u.out.buffer(0), "speech_en_espeak.seg0.csv") <= 5e-5);
    for (size_t j = 0; j < 3; j++) {
        fail_unless(golden_error(u.out.buffer(j + 1), kLong[j].csv) <= 5e-5);
        fail_unless_equals_uint64(u.out.pts[j + 1], 10 * GST_SECOND + j * GST_SECOND);
        fail_unless_equals_uint64(u.out.offset[j + 1], j * 100);
    }
    fail_unless(u.out.discont[1]);
}

GST_END_TEST;

GST_START_TEST(test_flush) {
    TwoUtterances u;
    GstSegment segment;

    fail_unless(
        push_samples(u.h, std::vector<float>(u.lng.begin(), u.lng.begin() + 20000), []() { return 4096; }));
    fail_unless(gst_harness_push_event(u.h, gst_event_new_flush_start()));
    fail_unless(gst_harness_push_event(u.h, gst_event_new_flush_stop(TRUE)));
    gst_segment_init(&segment, GST_FORMAT_TIME);
    fail_unless(gst_harness_push_event(u.h, gst_event_new_segment(&segment)));
    fail_unless(push_samples(u.h, u.shrt, []() { return 4096; }));
    u.finish();

    fail_unless_equals_int((int)u.out.buffers(), 1);
    fail_unless(golden_error(u.out.buffer(0), "speech_en_espeak.seg0.csv") <= 5e-5);
    fail_unless_equals_uint64(u.out.pts[0], 0);
}

GST_END_TEST;

/* --- bad input -------------------------------------------------------------------------- */

GST_START_TEST(test_nonfinite_n) {
    std::vector<float> samples = load_wav("mulaw/speech_en_espeak_long.wav");
    samples[10] = NAN;
    samples[20000] = INFINITY;
    samples[40000] = -INFINITY;
    samples[40001] = 3e38f;
    Capture out = extract_nonfinite("mulawspec", samples, 4096, 3);

    for (float v : out.values) fail_unless(v >= -1.0f && v <= 1.0f);
}

GST_END_TEST;

/* shorter than one frame (640 samples): no segment */
GST_START_TEST(test_shorter_than_a_frame) {
    Capture shrt = extract(std::vector<float>(639, 0.5f), 100);
    fail_unless_equals_int((int)shrt.buffers(), 0);
}

GST_END_TEST;

/* silence: one segment of -1 (M = m) */
GST_START_TEST(test_silence) {
    Capture out = extract(std::vector<float>(16000, 0.0f));
    fail_unless_equals_int((int)out.buffers(), 1);
    for (float v : out.values) fail_unless_equals_float(v, -1.0f);
}

GST_END_TEST;

/* latency: one segment, 2.03 s */
GST_START_TEST(test_latency) { fail_unless_equals_uint64(latency_of("mulawspec"), 2030 * GST_MSECOND); }

GST_END_TEST;

static Suite* mulawspec_suite(void) {
    Suite* s = suite_create("mulawspec");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_golden);
    tcase_add_test(tc, test_buffer_sizes);
    tcase_add_test(tc, test_hop);
    tcase_add_test(tc, test_upstream_segments);
    tcase_add_test(tc, test_discont);
    tcase_add_test(tc, test_flush);
    tcase_add_test(tc, test_nonfinite_n);
    tcase_add_test(tc, test_shorter_than_a_frame);
    tcase_add_test(tc, test_silence);
    tcase_add_test(tc, test_latency);
    add_extractor_cases(tc, {"mulawspec", (size_t)kValues, "mulawspec hop=0.4",
                             "mulaw/speech_en_espeak_long.wav", "mulaw/speech_en_espeak_long.wav", 3});
    return s;
}

GST_CHECK_MAIN(mulawspec);
