/* mulawspec element tests: parity with shared/reference/mulaw through the element, segments
 * driven by upstream segment events, the hop property, timestamps, discontinuities, flushes,
 * NaN/Inf, short input and latency; segmentation=vad (no output without speech, the segments of
 * lldextract's VAD, state cycles, latency, apcnnclassify on noise and on EmoDB); the cases every extractor
 * shares (caps it cannot take, zero length, state changes and seeks in real pipelines) come from
 * test_extractor_cases.h. Negative tests end in _n. */
#include "test_emotion_common.h"
#include "test_extractor_cases.h"

#include "dsp/vad.h"

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

/* --- segmentation=vad ------------------------------------------------------------------ */

/* One segment as a downstream element sees it: its id, the PTS of its first buffer and the end
 * (PTS + duration) of its last one. */
struct SegmentSpan {
    std::string id;
    GstClockTime start, end;
    size_t first, buffers; /* its buffers in the capture */
};

/* The segments of `out`, each from its start to its end event; with `only_inside` (mulawspec;
 * lldextract passes every frame on) fails on buffers outside them. */
static std::vector<SegmentSpan> spans_of(const Capture& out, bool only_inside = true) {
    std::vector<SegmentSpan> spans;
    size_t covered = 0;

    fail_unless(out.events.size() % 2 == 0);
    for (size_t i = 0; i + 1 < out.events.size(); i += 2) {
        const SegmentEvent &start = out.events[i], &end = out.events[i + 1];
        fail_unless(start.start && !end.start && start.id == end.id, "event %zu", i);
        fail_unless(end.frames_before > start.frames_before, "segment %s is empty", start.id.c_str());
        if (only_inside) fail_unless_equals_int((int)start.frames_before, (int)covered);
        SegmentSpan span{start.id, out.pts[start.frames_before], 0, start.frames_before,
                         end.frames_before - start.frames_before};
        for (size_t b = start.frames_before; b < end.frames_before; b++)
            span.end = std::max(span.end, out.pts[b] + out.duration[b]);
        covered = end.frames_before;
        spans.push_back(span);
    }
    if (only_inside) fail_unless_equals_int((int)covered, (int)out.buffers());
    return spans;
}

/* speech - silence - speech over a faint noise floor (like lldextract's VAD test) */
static std::vector<float> speech_silence_speech() {
    std::vector<float> speech = load_wav("lld/speech_en_espeak.wav");
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> noise(-1e-3f, 1e-3f);
    std::vector<float> signal;
    auto silence = [&](size_t n) {
        for (size_t i = 0; i < n; i++) signal.push_back(noise(rng));
    };
    silence(16000);
    signal.insert(signal.end(), speech.begin(), speech.end());
    silence(24000);
    signal.insert(signal.end(), speech.begin(), speech.end());
    silence(16000);
    return signal;
}

/* lldextract segmentation=vad and mulawspec segmentation=vad cut the same segments from
 * `samples`: same ids, starts and ends within one 10 ms frame; returns mulawspec's capture. */
static Capture check_same_segments(const char* name, const std::vector<float>& samples, size_t expected) {
    Capture lld = extract_from("lldextract", 36, samples, 4096, "lldextract segmentation=vad", 0);
    Capture mu = extract(samples, 4096, "mulawspec segmentation=vad hop=0.4");
    std::vector<SegmentSpan> a = spans_of(lld, false), b = spans_of(mu);

    fail_unless_equals_int((int)a.size(), (int)expected);
    fail_unless_equals_int((int)b.size(), (int)a.size());
    for (size_t i = 0; i < a.size(); i++) {
        printf("%s: %s lldextract %.3f..%.3f s, mulawspec %.3f..%.3f s (%zu segments)\n", name,
               a[i].id.c_str(), a[i].start / 1e9, a[i].end / 1e9, b[i].start / 1e9, b[i].end / 1e9,
               b[i].buffers);
        fail_unless_equals_std_string(b[i].id, a[i].id);
        fail_unless(std::llabs((long long)b[i].start - (long long)a[i].start) <=
                    (long long)(10 * GST_MSECOND));
        fail_unless(std::llabs((long long)b[i].end - (long long)a[i].end) <= (long long)(10 * GST_MSECOND));
        /* the utterance's frames count from its start */
        fail_unless_equals_uint64(mu.offset[b[i].first], 0);
    }
    return mu;
}

GST_START_TEST(test_vad_same_segments_as_lldextract) {
    std::vector<float> signal = speech_silence_speech();
    Capture mu = check_same_segments("speech-silence-speech", signal, 2);
    std::vector<SegmentSpan> spans = spans_of(mu);
    fail_unless_equals_std_string(spans[0].id, "vad0");
    fail_unless_equals_std_string(spans[1].id, "vad1");

    /* each utterance is cut exactly as the core cuts its audio (frames [k0, k1) + a 40 ms frame) */
    for (const SegmentSpan& span : spans) {
        size_t k0 = span.start / (10 * GST_MSECOND), k1 = span.end / (10 * GST_MSECOND);
        std::vector<std::vector<float>> core =
            emotion::dsp::mulaw_segments(signal.data() + k0 * 160, (k1 - k0) * 160 + 480, 40);
        fail_unless_equals_int((int)core.size(), (int)span.buffers);
        for (size_t j = 0; j < core.size(); j++)
            fail_unless(std::equal(core[j].begin(), core[j].end(), mu.buffer(span.first + j)),
                        "%s segment %zu", span.id.c_str(), j);
    }

    /* buffer sizes (beyond one processing chunk too) change nothing */
    Capture whole = extract(signal, signal.size(), "mulawspec segmentation=vad hop=0.4");
    fail_unless(whole.values == mu.values && whole.pts == mu.pts && whole.offset == mu.offset);
    fail_unless_equals_int((int)whole.events.size(), (int)mu.events.size());

    if (!emotion_test::have_emodb("test_vad_same_segments_as_lldextract")) return;
    emotion::io::WavAudio wav = emotion::io::read_wav(emotion_test::emodb("wav/03a01Fa.wav"));
    fail_unless_equals_int(wav.sample_rate, 16000);
    check_same_segments("emodb 03a01Fa", wav.samples, 1);
}

GST_END_TEST;

/* silence and stationary noise: no output at all (nothing is speech) */
GST_START_TEST(test_vad_silence_gives_nothing) {
    std::mt19937 rng(7);
    std::normal_distribution<float> gauss(0.0f, 0.05f);
    std::vector<float> noise(5 * 16000), silence(5 * 16000, 0.0f);
    for (float& v : noise) v = gauss(rng);

    for (const std::vector<float>* input : {&noise, &silence}) {
        Capture out = extract(*input, 4096, "mulawspec segmentation=vad");
        fail_unless_equals_int((int)out.buffers(), 0);
        fail_unless_equals_int((int)out.events.size(), 0);
        fail_unless_equals_int(out.eos, 1);
    }
    /* the same audio without the VAD is one utterance: segments at 0, 1, 2 and 3 s */
    fail_unless_equals_int((int)extract(noise, 4096, "mulawspec").buffers(), 4);
}

GST_END_TEST;

/* a speech stretch cut by a DISCONT ends there, completed with silence; the next part starts a
 * new segment with the next id */
GST_START_TEST(test_vad_discont_ends_segment) {
    std::vector<float> signal = speech_silence_speech();
    Capture out;
    GstHarness* h = harness_new("mulawspec", "mulawspec segmentation=vad", &out, kValues, NULL);
    const size_t cut = 16000 + 12000; /* inside the first speech stretch */

    fail_unless(
        push_samples(h, std::vector<float>(signal.begin(), signal.begin() + cut), []() { return 4000; }));
    fail_unless_equals_int(gst_harness_push(h, make_buffer(signal.data() + cut, signal.size() - cut,
                                                           sample_time(cut), GST_BUFFER_FLAG_DISCONT)),
                           GST_FLOW_OK);
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);

    std::vector<SegmentSpan> spans = spans_of(out);
    fail_unless(spans.size() >= 2);
    fail_unless_equals_std_string(spans[0].id, "vad0");
    fail_unless_equals_std_string(spans[1].id, "vad1");
    /* the first segment ends at the cut (the last whole frame), the next one starts after it */
    fail_unless(spans[0].end <= sample_time(cut) && spans[0].end + 30 * GST_MSECOND >= sample_time(cut));
    fail_unless(spans[1].start >= sample_time(cut));
}

GST_END_TEST;

/* upstream segment events take precedence: the first one ends the open VAD segment before it
 * and the VAD stays off; the upstream segments are then the utterances */
GST_START_TEST(test_vad_upstream_takes_over) {
    std::vector<float> signal = speech_silence_speech();
    Capture out;
    GstHarness* h = harness_new("mulawspec", "mulawspec segmentation=vad", &out, kValues, NULL);
    const size_t half = 16000 + 20000;

    fail_unless(
        push_samples(h, std::vector<float>(signal.begin(), signal.begin() + half), []() { return 4000; }));
    fail_unless(gst_harness_push_event(h, gst_emotion_event_new_segment_start("u1", NULL, NULL)));
    fail_unless(push_samples(
        h, std::vector<float>(signal.begin() + half, signal.end()), []() { return 4000; }, 0, half));
    fail_unless(gst_harness_push_event(h, gst_emotion_event_new_segment_end("u1")));
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);

    std::vector<SegmentSpan> spans = spans_of(out);
    fail_unless_equals_int((int)spans.size(), 2);
    fail_unless_equals_std_string(spans[0].id, "vad0");
    fail_unless_equals_std_string(spans[1].id, "u1");
    fail_unless_equals_uint64(spans[1].start, sample_time(half));
    fail_unless(spans[1].end >= sample_time(signal.size()) - 50 * GST_MSECOND);
}

GST_END_TEST;

/* READY -> PLAYING again: the same segments with ids from vad0 again; a stop with audio held
 * back by the VAD loses nothing (the sanitizer build checks for leaks) */
GST_START_TEST(test_vad_state_cycles) {
    std::string location = reference("mulaw/speech_en_espeak_long.wav");
    GstElement* pipeline = emotion_test::launch(
        "filesrc location=\"" + location + "\" ! wavparse ! mulawspec name=m segmentation=vad ! fakesink");
    GstElement* mulaw = gst_bin_get_by_name(GST_BIN(pipeline), "m");
    Capture runs[2];
    Capture* current = &runs[0];
    runs[0].values_per_buffer = runs[1].values_per_buffer = kValues;
    GstPad* src = gst_element_get_static_pad(mulaw, "src");
    gst_pad_add_probe(
        src,
        (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                          GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        [](GstPad* pad, GstPadProbeInfo* info, gpointer data) {
            return capture_probe(pad, info, *static_cast<Capture**>(data));
        },
        &current, NULL);

    for (int run = 0; run < 2; run++) {
        current = &runs[run];
        fail_unless_equals_std_string(run_pipeline(pipeline), "");
        fail_unless(gst_element_set_state(pipeline, GST_STATE_READY) != GST_STATE_CHANGE_FAILURE);
    }
    std::vector<SegmentSpan> before = spans_of(runs[0]), after = spans_of(runs[1]);
    fail_unless(!before.empty());
    fail_unless_equals_std_string(before[0].id, "vad0");
    fail_unless_equals_int((int)after.size(), (int)before.size());
    for (size_t i = 0; i < before.size(); i++) fail_unless_equals_std_string(after[i].id, before[i].id);
    fail_unless(runs[0].values == runs[1].values && runs[0].pts == runs[1].pts);
    gst_element_set_state(pipeline, GST_STATE_NULL);

    /* stopped while the VAD holds audio: the held audio is dropped */
    Capture held;
    GstHarness* h = harness_new("mulawspec", "mulawspec segmentation=vad", &held, kValues, NULL);
    fail_unless(push_samples(h, load_wav("lld/speech_en_espeak.wav"), []() { return 1600; }));
    harness_teardown(h, NULL);

    gst_object_unref(src);
    gst_object_unref(mulaw);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* non-finite samples with the VAD: counted as 0 by both the VAD and the segments, one warning */
GST_START_TEST(test_vad_nonfinite_n) {
    std::vector<float> signal = speech_silence_speech();
    signal[100] = NAN;         /* silence */
    signal[20000] = INFINITY;  /* speech */
    signal[70000] = -INFINITY; /* second speech stretch */
    Capture out = extract_nonfinite("mulawspec segmentation=vad", signal, 4096, 2);
    for (float v : out.values) fail_unless(v >= -1.0f && v <= 1.0f);
    fail_unless_equals_int((int)out.events.size(), 4);
}

GST_END_TEST;

/* segmentation=window is refused at start with a clear error */
GST_START_TEST(test_vad_window_refused_n) {
    emotion_test::Run run;
    emotion_test::run_launch("audiotestsrc num-buffers=10 ! audio/x-raw,format=F32LE,rate=16000,channels=1 ! "
                             "mulawspec segmentation=window ! fakesink",
                             &run);
    fail_unless(run.error.find("mulawspec does not support segmentation=window") != std::string::npos, "%s",
                run.error.c_str());
}

GST_END_TEST;

/* Seconds of the time labelled with an emotion (the union of the results' spans) by
 * `mulawspec segmentation=S ! apcnnclassify` on `source`. */
static double labelled_seconds(const std::string& source, int* results, const char* segmentation = "vad") {
    const gchar* shipped = g_getenv("EMOTION_SOURCE_MODELS");
    fail_unless(shipped != NULL, "EMOTION_SOURCE_MODELS is not set (tests/meson.build sets it)");
    emotion_test::Run run;
    emotion_test::run_launch(
        source + " ! audioconvert ! audioresample ! " AUDIO_CAPS " ! mulawspec segmentation=" + segmentation +
            " ! apcnnclassify model=\"" + shipped + "/apcnn.safetensors\" ! fakesink",
        &run);
    fail_unless_equals_std_string(run.error, "");
    std::vector<std::pair<guint64, guint64>> spans;
    for (const GstStructure* s : run.named("emotion")) {
        const char* label = gst_structure_get_string(s, "label");
        guint64 timestamp = 0, duration = 0;
        if (label && std::string(label) == "no-speech") continue;
        fail_unless(gst_structure_get_uint64(s, "timestamp", &timestamp));
        fail_unless(gst_structure_get_uint64(s, "duration", &duration));
        spans.push_back({timestamp, timestamp + duration});
    }
    *results = (int)spans.size();
    std::sort(spans.begin(), spans.end());
    guint64 covered = 0, reached = 0;
    for (const auto& span : spans) {
        if (span.second > std::max(reached, span.first))
            covered += span.second - std::max(reached, span.first);
        reached = std::max(reached, span.second);
    }
    return covered / 1e9;
}

/* issue 14's no-speech target: 10 s of white noise, then 10 s of silence, at most 1 % labelled
 * (and each alone, and pink noise); an EmoDB utterance still gets its result */
GST_START_TEST(test_vad_apcnn_no_speech) {
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> white(-0.1f, 0.1f);
    std::vector<float> noise_then_silence(20 * 16000, 0.0f);
    for (size_t i = 0; i < 10 * 16000; i++) noise_then_silence[i] = white(rng);
    const std::string wav = emotion_test::temp_path("noise_then_silence.wav");
    emotion::io::write_wav(wav, noise_then_silence, 16000);
    int results = 0;
    double labelled = labelled_seconds("filesrc location=\"" + wav + "\" ! wavparse", &results);
    printf("apcnn, mulawspec segmentation=vad, 10 s white noise + 10 s silence: %d results, %.2f %% of the "
           "time labelled\n",
           results, 100.0 * labelled / 20.0);
    fail_unless(labelled <= 0.01 * 20.0, "%.2f s labelled", labelled);
    /* as before, without the VAD: every segment gets an emotion */
    double ungated = labelled_seconds("filesrc location=\"" + wav + "\" ! wavparse", &results, "none");
    printf("apcnn, mulawspec segmentation=none, the same: %d results, %.2f %% labelled\n", results,
           100.0 * ungated / 20.0);
    fail_unless(ungated >= 19.0);

    const char* waves[] = {"white-noise", "silence", "pink-noise"};
    for (const char* wave : waves) {
        int results = 0;
        double labelled = labelled_seconds(std::string("audiotestsrc wave=") + wave +
                                               " volume=0.1 samplesperbuffer=1600 num-buffers=100",
                                           &results);
        printf("apcnn, mulawspec segmentation=vad, 10 s %s: %d results, %.2f %% of the time labelled\n", wave,
               results, 100.0 * labelled / 10.0);
        fail_unless(labelled <= 0.01 * 10.0, "%s: %.2f s labelled", wave, labelled);
    }
    if (!emotion_test::have_emodb("test_vad_apcnn_no_speech")) return;
    labelled = labelled_seconds(
        "filesrc location=\"" + emotion_test::emodb("wav/03a01Fa.wav") + "\" ! wavparse", &results);
    printf("apcnn, mulawspec segmentation=vad, EmoDB 03a01Fa: %d results covering %.2f s\n", results,
           labelled);
    fail_unless_equals_int(results, 1);
    fail_unless(labelled > 1.0);
}

GST_END_TEST;

/* latency: one segment plus the VAD lookahead (0.7 s) */
GST_START_TEST(test_vad_latency) {
    fail_unless_equals_uint64(latency_of("mulawspec segmentation=vad"), (2030 + 700) * GST_MSECOND);
    fail_unless_equals_int(emotion::dsp::Vad().lookahead_frames(), 70);
}

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
    tcase_add_test(tc, test_vad_same_segments_as_lldextract);
    tcase_add_test(tc, test_vad_silence_gives_nothing);
    tcase_add_test(tc, test_vad_discont_ends_segment);
    tcase_add_test(tc, test_vad_upstream_takes_over);
    tcase_add_test(tc, test_vad_state_cycles);
    tcase_add_test(tc, test_vad_nonfinite_n);
    tcase_add_test(tc, test_vad_window_refused_n);
    tcase_add_test(tc, test_vad_apcnn_no_speech);
    tcase_add_test(tc, test_vad_latency);
    add_extractor_cases(tc, {"mulawspec", (size_t)kValues, "mulawspec hop=0.4 segmentation=vad",
                             "mulaw/speech_en_espeak_long.wav", "mulaw/speech_en_espeak_long.wav", 3});
    return s;
}

GST_CHECK_MAIN(mulawspec);
