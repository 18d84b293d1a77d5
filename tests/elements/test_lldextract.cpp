/* lldextract element tests: golden parity through the element, framing independent of buffer
 * sizes, timestamps, discontinuities, flushes, segment events (upstream, VAD, windows), NaN/Inf,
 * silence and latency; the cases every extractor shares (caps it cannot take, zero length, state
 * changes and seeks in real pipelines) come from test_extractor_cases.h. Negative tests end in
 * _n. */
#include "test_extractor_cases.h"

using namespace extractor_test;

static const int kFeatures = 36;

/* Output of lldextract for `samples`, pushed in pieces of `piece` samples from PTS `base`. */
static Capture extract(const std::vector<float>& samples, size_t piece = 4096,
                       const char* description = "lldextract", GstClockTime base = 0) {
    return extract_from("lldextract", kFeatures, samples, piece, description, base);
}

static size_t expected_frames(size_t samples) { return samples < 400 ? 0 : (samples - 400) / 160 + 1; }

static void assert_same_frames(const Capture& a, const Capture& b) {
    fail_unless_equals_int((int)a.buffers(), (int)b.buffers());
    fail_unless(a.values == b.values, "frame values differ");
    for (size_t i = 0; i < a.buffers(); i++) {
        fail_unless_equals_uint64(a.pts[i], b.pts[i]);
        fail_unless_equals_uint64(a.offset[i], b.offset[i]);
    }
}

/* --- golden parity ---------------------------------------------------------------------- */

struct Tolerance {
    double atol, rtol;
};

static Tolerance tolerance_of(int feature) {
    /* shared/reference/README.md, "suggested" column */
    if (feature == 0) return {1e-6, 0};
    if (feature == 1) return {1e-12, 2e-5};
    if (feature == 2 || feature == 5) return {5e-5, 0};
    if (feature == 3 || feature == 4 || feature == 6 || feature == 33) return {5e-6, 0};
    if (feature >= 8 && feature <= 20) return {1e-3, 0};
    return {1e-5, 0}; /* chroma */
}

/* The names of the first row of a CSV file. */
static std::vector<std::string> csv_header(const std::string& path) {
    std::ifstream in(path);
    fail_unless(in.good(), "cannot read %s", path.c_str());
    std::string line, field;
    std::getline(in, line);
    std::vector<std::string> names;
    std::stringstream fields(line);
    while (std::getline(fields, field, ',')) names.push_back(field);
    return names;
}

static std::vector<std::string> ill_conditioned(const std::string& wav) {
    std::ifstream in(reference("lld/manifest.csv"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, wav.size() + 1, wav + ",") != 0) continue;
        std::vector<std::string> fields;
        std::stringstream s(line);
        std::string field;
        for (int i = 0; i < 5 && std::getline(s, field, ','); i++) fields.push_back(field);
        std::vector<std::string> names;
        std::stringstream n(fields.size() == 5 ? fields[4] : "");
        while (n >> field) names.push_back(field);
        return names;
    }
    return {};
}

static void check_golden(const std::string& name) {
    std::vector<float> samples = load_wav("lld/" + name + ".wav");
    std::vector<std::vector<double>> golden = read_csv(reference("lld/" + name + ".lld.csv"), true);
    std::vector<std::string> skip = ill_conditioned(name + ".wav");
    /* the feature names, in column order, as the reference has them */
    const std::vector<std::string> names = csv_header(reference("lld/" + name + ".lld.csv"));
    fail_unless_equals_int((int)names.size(), 34);
    Capture out = extract(samples);
    double max_err[34] = {0}, worst_ratio = 0;
    int worst_feature = -1, rolloff_mismatch = 0, failures = 0;

    fail_unless_equals_int((int)out.buffers(), (int)golden.size());
    for (size_t t = 0; t < golden.size(); t++) {
        const float* f = out.buffer(t);
        for (int k = 0; k < kFeatures; k++)
            fail_unless(std::isfinite(f[k]), "%s frame %zu feature %d not finite", name.c_str(), t, k);
        for (int k = 0; k < 34; k++) {
            if (std::find(skip.begin(), skip.end(), names[k]) != skip.end()) continue;
            double g = golden[t][k], err = std::fabs((double)f[k] - g);
            if (k == 7) {
                if (std::lround(200.0 * f[k]) != std::lround(200.0 * g)) rolloff_mismatch++;
                continue;
            }
            Tolerance tol = tolerance_of(k);
            double limit = tol.atol + tol.rtol * std::fabs(g);
            max_err[k] = std::max(max_err[k], err);
            if (err / limit > worst_ratio) {
                worst_ratio = err / limit;
                worst_feature = k;
            }
            if (err > limit && failures++ < 5)
                GST_ERROR("%s frame %zu %s: %.9g vs golden %.9g", name.c_str(), t, names[k].c_str(), f[k], g);
        }
    }
    double scalar = 0, mfcc = 0, chroma = 0;
    for (int k = 0; k < 34; k++) {
        if (k <= 6 && k != 1)
            scalar = std::max(scalar, max_err[k]);
        else if (k >= 8 && k <= 20)
            mfcc = std::max(mfcc, max_err[k]);
        else if (k >= 21)
            chroma = std::max(chroma, max_err[k]);
    }
    printf("lldextract golden %-18s %3zu frames: max |err| zcr..flux %.2e, energy %.2e, "
           "mfcc %.2e, chroma %.2e; rolloff bins differing %d; worst err/tol %.3f (%s)\n",
           name.c_str(), golden.size(), scalar, max_err[1], mfcc, chroma, rolloff_mismatch, worst_ratio,
           worst_feature >= 0 ? names[worst_feature].c_str() : "-");
    fail_unless_equals_int(rolloff_mismatch, 0);
    fail_unless(failures == 0, "%s: %d values outside the tolerance", name.c_str(), failures);
}

GST_START_TEST(test_golden_speech) { check_golden("speech_en_espeak"); }

GST_END_TEST;

GST_START_TEST(test_golden_emodb) {
    check_golden("emodb_03a01Fa");
    check_golden("emodb_08a02Wc");
    check_golden("emodb_16b10Tb");
}

GST_END_TEST;

GST_START_TEST(test_golden_signals) {
    check_golden("chirp_100_4000");
    check_golden("noise_white_seed1");
    check_golden("square_220_bl8");
    check_golden("sine_440");
}

GST_END_TEST;

/* silence: every value finite, mfcc_1 = sqrt(40) log10(eps) */
GST_START_TEST(test_silence) {
    check_golden("silence");
    Capture out = extract(std::vector<float>(16000, 0.0f), 4096, "lldextract segmentation=vad");
    fail_unless_equals_int((int)out.buffers(), 98);
    for (float v : out.values) fail_unless(std::isfinite(v));
    fail_unless(std::fabs(out.buffer(50)[8] + 99.0018048) < 1e-4);
    fail_unless_equals_int((int)out.events.size(), 0);
}

GST_END_TEST;

/* --- framing ---------------------------------------------------------------------------- */

GST_START_TEST(test_buffer_sizes) {
    std::vector<float> samples = load_wav("lld/speech_en_espeak.wav");
    Capture whole = extract(samples, samples.size());
    fail_unless_equals_int((int)whole.buffers(), (int)expected_frames(samples.size()));

    for (size_t piece : {1, 160, 399, 400, 401, 4096}) {
        Capture out = extract(samples, piece);
        assert_same_frames(whole, out);
    }

    /* random sizes 1..5000 */
    Capture random;
    GstHarness* h = harness_new("lldextract", "lldextract", &random, kFeatures, NULL);
    std::mt19937 rng(7);
    std::uniform_int_distribution<size_t> size(1, 5000);
    fail_unless(push_samples(h, samples, [&]() { return size(rng); }));
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);
    assert_same_frames(whole, random);
}

GST_END_TEST;

GST_START_TEST(test_timestamps) {
    std::vector<float> samples = load_wav("lld/speech_en_espeak.wav");
    const GstClockTime base = 3 * GST_SECOND + 250 * GST_MSECOND;
    Capture out = extract(samples, 1000, "lldextract", base);

    fail_unless_equals_int((int)out.buffers(), 148);
    for (size_t i = 0; i < out.buffers(); i++) {
        fail_unless_equals_uint64(out.pts[i], base + i * 10 * GST_MSECOND);
        fail_unless_equals_uint64(out.duration[i], 10 * GST_MSECOND);
        fail_unless_equals_uint64(out.offset[i], i);
        fail_unless_equals_uint64(out.offset_end[i], i + 1);
        fail_unless_equals_int(out.discont[i], i == 0);
    }
}

GST_END_TEST;

/* a timestamp gap without DISCONT: the samples stay contiguous (same features), the frames after
 * the gap carry the input's times */
GST_START_TEST(test_timestamp_gaps) {
    std::vector<float> samples = load_wav("lld/speech_en_espeak.wav");
    Capture contiguous = extract(samples, 1600);
    Capture gapped;
    GstHarness* h = harness_new("lldextract", "lldextract", &gapped, kFeatures, NULL);

    for (size_t done = 0; done < samples.size(); done += 1600) {
        /* +1 s from sample 8000 on; +5 ms jitter on sample 4800 (under the 40 ms tolerance) */
        GstClockTime pts =
            sample_time(done) + (done >= 8000 ? GST_SECOND : 0) + (done == 4800 ? 5 * GST_MSECOND : 0);
        fail_unless_equals_int(
            gst_harness_push(h, make_buffer(samples.data() + done, MIN(1600, samples.size() - done), pts)),
            GST_FLOW_OK);
    }
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);

    fail_unless(contiguous.values == gapped.values);
    for (size_t i = 0; i < gapped.buffers(); i++) {
        fail_unless_equals_uint64(gapped.offset[i], i);
        fail_unless_equals_uint64(gapped.pts[i], i * 10 * GST_MSECOND + (i * 160 >= 8000 ? GST_SECOND : 0));
    }
}

GST_END_TEST;

GST_START_TEST(test_discont_resets_framing) {
    std::vector<float> samples = load_wav("lld/speech_en_espeak.wav");
    const size_t cut = 10000;
    std::vector<float> first(samples.begin(), samples.begin() + cut);
    std::vector<float> second(samples.begin() + cut, samples.end());
    Capture a = extract(first), b = extract(second, 4096, "lldextract", 5 * GST_SECOND);
    Capture out;
    GstHarness* h = harness_new("lldextract", "lldextract", &out, kFeatures, NULL);

    fail_unless(push_samples(h, first, []() { return 3000; }));
    fail_unless_equals_int(gst_harness_push(h, make_buffer(second.data(), second.size(), 5 * GST_SECOND,
                                                           GST_BUFFER_FLAG_DISCONT)),
                           GST_FLOW_OK);
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);

    fail_unless_equals_int((int)out.buffers(), (int)(a.buffers() + b.buffers()));
    fail_unless(std::equal(a.values.begin(), a.values.end(), out.values.begin()));
    fail_unless(std::equal(b.values.begin(), b.values.end(), out.values.begin() + a.values.size()));
    fail_unless_equals_uint64(out.offset[a.buffers()], 0);
    fail_unless_equals_uint64(out.pts[a.buffers()], 5 * GST_SECOND);
    fail_unless(out.discont[a.buffers()]);
}

GST_END_TEST;

GST_START_TEST(test_flush_resets_framing) {
    std::vector<float> samples = load_wav("lld/speech_en_espeak.wav");
    Capture fresh = extract(samples);
    Capture out;
    GstHarness* h =
        harness_new("lldextract", "lldextract segmentation=window window=0.5 hop=0.5", &out, kFeatures, NULL);
    GstSegment segment;

    fail_unless(
        push_samples(h, std::vector<float>(samples.begin(), samples.begin() + 7777), []() { return 7777; }));
    size_t before_flush = out.buffers(), events_before_flush = out.events.size();
    fail_unless(gst_harness_push_event(h, gst_event_new_flush_start()));
    fail_unless(gst_harness_push_event(h, gst_event_new_flush_stop(TRUE)));
    gst_segment_init(&segment, GST_FORMAT_TIME);
    fail_unless(gst_harness_push_event(h, gst_event_new_segment(&segment)));
    fail_unless(push_samples(h, samples, []() { return 4096; }));
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);

    /* no end event for the voided window; after the flush everything starts afresh */
    fail_unless_equals_int((int)events_before_flush, 1);
    fail_unless(out.events[1].start && out.events[1].frames_before == before_flush);
    fail_unless_equals_int((int)(out.buffers() - before_flush), (int)fresh.buffers());
    fail_unless(
        std::equal(fresh.values.begin(), fresh.values.end(), out.values.begin() + before_flush * kFeatures));
    fail_unless_equals_uint64(out.offset[before_flush], 0);
    fail_unless_equals_uint64(out.pts[before_flush], 0);
}

GST_END_TEST;

/* EOS drains: exactly the complete frames, then EOS */
GST_START_TEST(test_eos_drains) {
    std::vector<float> samples = load_wav("lld/speech_en_espeak.wav");
    for (size_t n : {399, 400, 559, 560, 400 + 160 * 3 + 100}) {
        Capture out = extract(std::vector<float>(samples.begin(), samples.begin() + n), 7);
        fail_unless_equals_int((int)out.buffers(), (int)expected_frames(n));
        fail_unless_equals_int(out.eos, 1);
    }
}

GST_END_TEST;

/* a GAP buffer is silence whatever its memory holds; a GAP event is a discontinuity */
GST_START_TEST(test_gap) {
    std::vector<float> samples = load_wav("lld/speech_en_espeak.wav");
    std::vector<float> with_silence(samples);
    std::fill(with_silence.begin() + 8000, with_silence.begin() + 12000, 0.0f);
    Capture expected = extract(with_silence, 4000);
    Capture out;
    GstHarness* h = harness_new("lldextract", "lldextract", &out, kFeatures, NULL);

    for (size_t done = 0; done < samples.size(); done += 4000) {
        GstBufferFlags flags = done == 8000 ? GST_BUFFER_FLAG_GAP : (GstBufferFlags)0;
        fail_unless_equals_int(
            gst_harness_push(h, make_buffer(samples.data() + done, 4000, sample_time(done), flags)),
            GST_FLOW_OK);
    }
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);
    fail_unless(expected.values == out.values);

    /* GAP event between two halves: framing restarts after it */
    Capture gap_event;
    h = harness_new("lldextract", "lldextract", &gap_event, kFeatures, NULL);
    fail_unless(
        push_samples(h, std::vector<float>(samples.begin(), samples.begin() + 8000), []() { return 8000; }));
    fail_unless(gst_harness_push_event(h, gst_event_new_gap(sample_time(8000), GST_SECOND)));
    fail_unless_equals_int(
        gst_harness_push(h, make_buffer(samples.data() + 8000, 16000, sample_time(8000) + GST_SECOND)),
        GST_FLOW_OK);
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);
    fail_unless_equals_int((int)gap_event.buffers(), (int)(expected_frames(8000) + expected_frames(16000)));
    fail_unless_equals_uint64(gap_event.offset[expected_frames(8000)], 0);
    fail_unless_equals_uint64(gap_event.pts[expected_frames(8000)], sample_time(8000) + GST_SECOND);
}

GST_END_TEST;

/* --- segment events --------------------------------------------------------------------- */

/* upstream segments: forwarded unchanged at the exact frame position; a start restarts the
 * framing at its sample; own segmentation off */
static void check_upstream_segments(const char* description) {
    std::vector<float> samples = load_wav("lld/emodb_03a01Fa.wav");
    const size_t start = 3333, end = 20001;
    std::vector<float> inside(samples.begin() + start, samples.begin() + end);
    Capture alone = extract(inside);
    Capture out;
    GstHarness* h = harness_new("lldextract", description, &out, kFeatures, NULL);
    auto sizes = []() { return 1000; };

    fail_unless(push_samples(h, std::vector<float>(samples.begin(), samples.begin() + start), sizes));
    fail_unless(gst_harness_push_event(
        h, gst_emotion_event_new_segment_start("utt1", "emotion", "happiness", "speaker", "03", NULL)));
    fail_unless(push_samples(h, inside, sizes, 0, start));
    fail_unless(gst_harness_push_event(h, gst_emotion_event_new_segment_end("utt1")));
    size_t at_end = out.buffers();
    fail_unless(push_samples(h, std::vector<float>(samples.begin() + end, samples.end()), sizes, 0, end));
    gst_harness_push_event(h, gst_event_new_eos());

    /* the event arrives unchanged */
    GstEvent* event;
    bool found = false;
    while ((event = gst_harness_try_pull_event(h)) != NULL) {
        if (gst_emotion_event_is_segment_start(event) &&
            g_strcmp0(gst_emotion_event_get_segment_id(event), "utt1") == 0) {
            fail_unless_equals_string(gst_emotion_event_get_field(event, "emotion"), "happiness");
            fail_unless_equals_string(gst_emotion_event_get_field(event, "speaker"), "03");
            found = true;
        }
        gst_event_unref(event);
    }
    fail_unless(found);
    harness_teardown(h, NULL);

    std::vector<SegmentEvent> ups;
    for (const SegmentEvent& e : out.events)
        if (e.id == "utt1") ups.push_back(e);
    fail_unless_equals_int((int)ups.size(), 2);
    /* frames that ended at or before `start` went out before the start event: all of them */
    size_t before_start = ups[0].frames_before;
    fail_unless(ups[0].start);
    fail_unless_equals_int((int)before_start, (int)expected_frames(start));
    /* own segmentation: only before the upstream start, closed by it */
    fail_unless(!ups[1].start && ups[1].frames_before == at_end);
    for (const SegmentEvent& e : out.events)
        if (e.id != "utt1")
            fail_unless(e.frames_before <= before_start, "own window after the upstream start");
    /* the segment's frames: exactly the frames of the segment's samples alone */
    fail_unless_equals_int((int)(at_end - before_start), (int)alone.buffers());
    fail_unless(
        std::equal(alone.values.begin(), alone.values.end(), out.values.begin() + before_start * kFeatures));
    fail_unless_equals_uint64(out.offset[before_start], 0);
    fail_unless_equals_uint64(out.pts[before_start], sample_time(start));
    fail_unless_equals_uint64(out.pts[before_start + 1], sample_time(start) + 10 * GST_MSECOND);
}

GST_START_TEST(test_upstream_segments) {
    check_upstream_segments("lldextract");
    check_upstream_segments("lldextract segmentation=window window=0.2 hop=0.1");
    /* the frames the VAD holds go out before the upstream start */
    check_upstream_segments("lldextract segmentation=vad");
}

GST_END_TEST;

/* a discontinuity inside an upstream segment ends it; the later upstream end is dropped */
GST_START_TEST(test_upstream_segment_discont) {
    std::vector<float> samples = load_wav("lld/speech_en_espeak.wav");
    Capture out;
    GstHarness* h = harness_new("lldextract", "lldextract", &out, kFeatures, NULL);

    fail_unless(gst_harness_push_event(h, gst_emotion_event_new_segment_start("u", NULL, NULL)));
    fail_unless(
        push_samples(h, std::vector<float>(samples.begin(), samples.begin() + 8000), []() { return 8000; }));
    fail_unless_equals_int(gst_harness_push(h, make_buffer(samples.data() + 8000, 8000, 2 * GST_SECOND,
                                                           GST_BUFFER_FLAG_DISCONT)),
                           GST_FLOW_OK);
    fail_unless(gst_harness_push_event(h, gst_emotion_event_new_segment_end("u")));
    gst_harness_push_event(h, gst_event_new_eos());
    harness_teardown(h, NULL);

    fail_unless_equals_int((int)out.events.size(), 2);
    fail_unless(out.events[0].start && out.events[0].frames_before == 0);
    fail_unless(!out.events[1].start && out.events[1].frames_before == expected_frames(8000));
}

GST_END_TEST;

/* speech - silence - speech: one VAD segment around each speech part, within 100 ms */
GST_START_TEST(test_vad_segments) {
    std::vector<float> speech = load_wav("lld/speech_en_espeak.wav");
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> noise(-1e-3f, 1e-3f);
    std::vector<float> signal;
    std::vector<std::pair<size_t, size_t>> parts;
    auto silence = [&](size_t n) {
        for (size_t i = 0; i < n; i++) signal.push_back(noise(rng));
    };

    silence(16000);
    for (int part = 0; part < 2; part++) {
        parts.push_back({signal.size(), signal.size() + speech.size()});
        signal.insert(signal.end(), speech.begin(), speech.end());
        silence(part == 0 ? 24000 : 16000);
    }
    Capture plain = extract(signal);
    Capture out = extract(signal, 4096, "lldextract segmentation=vad");

    /* the VAD delays frames but never changes them */
    fail_unless(plain.values == out.values);
    for (size_t i = 0; i < out.buffers(); i++) fail_unless_equals_uint64(out.pts[i], plain.pts[i]);

    /* truth: first and last frame of each part louder than -40 dBFS */
    fail_unless_equals_int((int)out.events.size(), 4);
    for (int part = 0; part < 2; part++) {
        size_t first = SIZE_MAX, last = 0;
        for (size_t t = 0; t < plain.buffers(); t++) {
            size_t s = t * 160;
            if (s >= parts[part].first && s + 400 <= parts[part].second + 400 && plain.buffer(t)[1] > 1e-4) {
                first = std::min(first, t);
                last = std::max(last, t);
            }
        }
        const SegmentEvent &start = out.events[2 * part], &end = out.events[2 * part + 1];
        printf("lldextract vad part %d: speech frames %zu..%zu, segment %s frames %zu..%zu\n", part, first,
               last, start.id.c_str(), start.frames_before, end.frames_before - 1);
        fail_unless(start.start && !end.start && start.id == end.id);
        fail_unless(std::labs((long)start.frames_before - (long)first) <= 10, "start %zu, speech from %zu",
                    start.frames_before, first);
        fail_unless(std::labs((long)end.frames_before - (long)(last + 1)) <= 10,
                    "end after %zu, speech until %zu", end.frames_before, last + 1);
    }
    fail_unless_equals_string(out.events[0].id.c_str(), "vad0");
    fail_unless_equals_string(out.events[2].id.c_str(), "vad1");
}

GST_END_TEST;

GST_START_TEST(test_window_segments) {
    /* 1.0 s: 98 frames, windows of 40 frames every 20 */
    std::vector<float> samples = load_wav("lld/noise_white_seed1.wav");
    Capture out = extract(samples, 999, "lldextract segmentation=window window=0.4 hop=0.2");
    std::vector<std::string> expected;
    std::vector<size_t> positions;

    fail_unless_equals_int((int)out.buffers(), 98);
    std::vector<std::string> got;
    for (const SegmentEvent& e : out.events)
        got.push_back(std::string(e.start ? "+" : "-") + e.id + "@" + std::to_string(e.frames_before));
    std::string joined;
    for (const std::string& g : got) joined += g + " ";
    printf("lldextract windows: %s\n", joined.c_str());
    fail_unless_equals_string(joined.c_str(),
                              "+w0@0 +w1@20 -w0@40 +w2@40 -w1@60 +w3@60 -w2@80 +w4@80 -w3@98 -w4@98 ");
}

GST_END_TEST;

/* --- bad input -------------------------------------------------------------------------- */

GST_START_TEST(test_nonfinite_n) {
    std::vector<float> samples = load_wav("lld/speech_en_espeak.wav");
    samples[100] = NAN;
    samples[5000] = INFINITY;
    samples[5001] = -INFINITY;
    samples[20000] = NAN;
    samples[20001] = 1e30f; /* finite, but its square is not */
    extract_nonfinite("lldextract segmentation=vad", samples, 1024, 148);
}

GST_END_TEST;

/* latency: the frame (25 ms), plus the VAD lookahead with segmentation=vad */
GST_START_TEST(test_latency) {
    GstClockTime min = latency_of("lldextract");
    GstClockTime vmin = latency_of("lldextract segmentation=vad");

    fail_unless_equals_uint64(min, 25 * GST_MSECOND);
    printf("lldextract latency %" GST_TIME_FORMAT ", with vad %" GST_TIME_FORMAT "\n", GST_TIME_ARGS(min),
           GST_TIME_ARGS(vmin));
    fail_unless(vmin > min);
    fail_unless_equals_uint64((vmin - min) % (10 * GST_MSECOND), 0);
}

GST_END_TEST;

static Suite* lldextract_suite(void) {
    Suite* s = suite_create("lldextract");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_golden_speech);
    tcase_add_test(tc, test_golden_emodb);
    tcase_add_test(tc, test_golden_signals);
    tcase_add_test(tc, test_silence);
    tcase_add_test(tc, test_buffer_sizes);
    tcase_add_test(tc, test_timestamps);
    tcase_add_test(tc, test_timestamp_gaps);
    tcase_add_test(tc, test_discont_resets_framing);
    tcase_add_test(tc, test_flush_resets_framing);
    tcase_add_test(tc, test_eos_drains);
    tcase_add_test(tc, test_gap);
    tcase_add_test(tc, test_upstream_segments);
    tcase_add_test(tc, test_upstream_segment_discont);
    tcase_add_test(tc, test_vad_segments);
    tcase_add_test(tc, test_window_segments);
    tcase_add_test(tc, test_nonfinite_n);
    tcase_add_test(tc, test_latency);
    add_extractor_cases(tc, {"lldextract", (size_t)kFeatures, "lldextract segmentation=vad",
                             "lld/speech_en_espeak.wav", "lld/emodb_08a02Wc.wav", 185});
    return s;
}

GST_CHECK_MAIN(lldextract);
