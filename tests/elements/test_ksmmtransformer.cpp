/* ksmmtransformer tests: text aligned to audio segments by running time through real pipelines
 * (an SRT file through subparse against fallback windows of known timing: lines inside, across
 * and outside segments, no text pad, text ending early), pango markup, golden parity of M4 with
 * shared/reference/nn/model_ksmm, bad text (invalid UTF-8, huge lines), bad models and caps
 * (_n), latency, state changes. The ksmm model file is built from the reference with
 * emotion-model, then given a vocabulary with the libemotion API. */
#include "test_emotion_common.h"

#include <fstream>
#include <memory>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "models/classifier.h"
#include "models/model_file.h"
#include "nn/context.h"
#include "nn/loss.h"
#include "result-delays.h"

using namespace emotion_test;

/* Vocabulary of the test model (V = 50 as in the reference): row i is "w<i>", and a few real
 * words, so that SRT lines map to known ids. */
static std::vector<std::string> test_vocabulary() {
    std::vector<std::string> words(50);
    for (int i = 1; i < 50; i++) words[i] = "w" + std::to_string(i);
    const char* real[] = {"happy", "door", "sad", "open", "angry", "please"};
    for (int i = 0; i < 6; i++) words[1 + i] = real[i];
    words[0] = "";
    return words;
}

static int word_id(const std::string& word) {
    auto words = test_vocabulary();
    for (size_t i = 1; i < words.size(); i++)
        if (words[i] == word) return (int)i;
    return 0;
}

/* model_ksmm with the test vocabulary ("vocabulary" metadata). */
static std::string ksmm_model() {
    std::string out = temp_path("ksmm_vocab.safetensors");
    if (g_file_test(out.c_str(), G_FILE_TEST_EXISTS)) return out;
    std::string plain = model_file("model_ksmm");
    emotion::nn::Context context;
    emotion::models::ModelInfo info;
    auto model = emotion::models::load_model(context, plain, &info);
    auto writer = emotion::models::model_writer(*model, info);
    writer.set_metadata("vocabulary", nlohmann::json(test_vocabulary()).dump());
    writer.write_atomic(out);
    return out;
}

static std::string write_file(const std::string& name, const std::string& contents) {
    std::string path = temp_path(name);
    std::ofstream f(path, std::ios::binary);
    f << contents;
    return path;
}

/* Posteriors of the Classifier API on LLD frames [first, last) with `words`. */
static std::vector<float> direct(const std::vector<float>& frames, size_t first, size_t last,
                                 const std::vector<int>& words) {
    static emotion::models::Classifier classifier(ksmm_model());
    return classifier.classify_multimodal(frames.data() + first * 36, (int)(last - first), words);
}

static double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
    fail_unless_equals_int((int)a.size(), (int)b.size());
    double m = 0;
    for (size_t i = 0; i < a.size(); i++) m = std::max(m, (double)std::fabs(a[i] - b[i]));
    return m;
}

/* Runs `description` (an appsink named "sink") to EOS; results from the sink. */
static std::vector<Result> run_results(const std::string& description, Run* run) {
    GstElement* pipeline = launch(description);
    run_collect(pipeline, run);
    std::vector<Result> results = appsink_results(pipeline);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    return results;
}

static const char* kWav = "lld/emodb_03a01Fa.wav";

static std::string file_pipeline(const std::string& srt, const std::string& extra = "") {
    std::string p = "filesrc location=\"" + reference(kWav) +
                    "\" ! wavparse ! audioconvert ! "
                    "audioresample ! lldextract ! ksmmtransformer name=m model=\"" +
                    ksmm_model() + "\" window=1.0 hop=1.0 " + extra +
                    " ! appsink name=sink sync=false wait-on-eos=false";
    if (!srt.empty()) p += "  filesrc location=\"" + srt + "\" ! subparse ! m.text";
    return p;
}

/* Windows of 1 s over 1.88 s of speech: [0,1) and the last, shorter one [1,1.88). SRT lines
 * inside window 0 (with pango markup and an entity), across windows 0 and 1, and after the
 * audio. */
GST_START_TEST(test_srt_alignment) {
    std::vector<float> frames = lld_frames(kWav);
    const size_t total = frames.size() / 36;
    fail_unless(total > 150 && total < 200, "%zu frames", total);
    std::string srt = write_file("align.srt", "1\n00:00:00,200 --> 00:00:00,600\n<i>Happy</i> & door\n\n"
                                              "2\n00:00:00,900 --> 00:00:01,300\nsad open\n\n"
                                              "3\n00:00:30,000 --> 00:00:31,000\nangry\n\n");
    Run run;
    std::vector<Result> results = run_results(file_pipeline(srt), &run);
    fail_unless_equals_string(run.error.c_str(), "");
    fail_unless_equals_int((int)results.size(), 2);

    const std::vector<int> w0 = {word_id("happy"), word_id("door"), word_id("sad"), word_id("open")};
    const std::vector<int> w1 = {word_id("sad"), word_id("open")};
    const std::vector<int> none;
    const size_t seg_first[2] = {0, 100}, seg_last[2] = {100, total};
    const std::vector<int>* words[2] = {&w0, &w1};
    double worst = 0;
    for (int i = 0; i < 2; i++) {
        fail_unless_equals_uint64(results[i].pts, seg_first[i] * 10 * GST_MSECOND);
        fail_unless_equals_std_string(results[i].segment_id, "w" + std::to_string(i));
        fail_unless(results[i].has_meta);
        worst = std::max(worst,
                         max_diff(results[i].scores, direct(frames, seg_first[i], seg_last[i], *words[i])));
    }
    printf("ksmmtransformer vs Classifier with the aligned words: max |diff| %.3e\n", worst);
    fail_unless(worst <= 1e-6, "differ by %g", worst);
    /* the words matter: window 0 without its text gives other posteriors */
    fail_unless(max_diff(results[0].scores, direct(frames, 0, 100, none)) > 1e-7);

    /* messages and tag as for the other classifiers */
    auto messages = run.named("emotion");
    fail_unless_equals_int((int)messages.size(), 2);
    fail_unless(run.tags.size() >= 1);
}

GST_END_TEST;

/* No text pad: every segment is classified on audio alone, with the text masked. */
GST_START_TEST(test_no_text) {
    std::vector<float> frames = lld_frames(kWav);
    const size_t total = frames.size() / 36;
    Run run;
    std::vector<Result> results = run_results(file_pipeline(""), &run);
    fail_unless_equals_string(run.error.c_str(), "");
    fail_unless_equals_int((int)results.size(), 2);
    const size_t seg_first[2] = {0, 100}, seg_last[2] = {100, total};
    for (int i = 0; i < 2; i++)
        fail_unless(max_diff(results[i].scores, direct(frames, seg_first[i], seg_last[i], {})) <= 1e-6);
}

GST_END_TEST;

/* Text ending early (one line, then EOS): the later windows are classified without text and the
 * stream still ends. */
GST_START_TEST(test_text_ends_early) {
    std::vector<float> frames = lld_frames(kWav);
    const size_t total = frames.size() / 36;
    std::string srt = write_file("early.srt", "1\n00:00:00,100 --> 00:00:00,300\nplease\n\n");
    Run run;
    std::vector<Result> results = run_results(file_pipeline(srt), &run);
    fail_unless_equals_string(run.error.c_str(), "");
    fail_unless_equals_int((int)results.size(), 2);
    fail_unless(max_diff(results[0].scores, direct(frames, 0, 100, {word_id("please")})) <= 1e-6);
    fail_unless(max_diff(results[1].scores, direct(frames, 100, total, {})) <= 1e-6);
}

GST_END_TEST;

/* appsrc pipeline: LLD frames and text buffers pushed by the test. */
struct AppPipeline {
    GstElement *pipeline, *audio, *text;
};

static AppPipeline app_pipeline(const std::string& extra = "") {
    std::string d = "appsrc name=a format=time caps=\"" LLD_CAPS "\" ! ksmmtransformer name=m "
                    "model=\"" +
                    ksmm_model() + "\" " + extra +
                    " ! appsink name=sink sync=false wait-on-eos=false "
                    "appsrc name=t format=time caps=text/x-raw,format=utf8 ! m.text";
    AppPipeline p;
    p.pipeline = launch(d);
    p.audio = gst_bin_get_by_name(GST_BIN(p.pipeline), "a");
    p.text = gst_bin_get_by_name(GST_BIN(p.pipeline), "t");
    return p;
}

static void push(GstElement* src, GstBuffer* buffer) {
    GstFlowReturn ret;
    g_signal_emit_by_name(src, "push-buffer", buffer, &ret);
    gst_buffer_unref(buffer);
    fail_unless_equals_int(ret, GST_FLOW_OK);
}

static void push_text(GstElement* src, const std::string& bytes, GstClockTime pts, GstClockTime dur) {
    GstBuffer* b = gst_buffer_new_memdup(bytes.data(), bytes.size());
    GST_BUFFER_PTS(b) = pts;
    GST_BUFFER_DURATION(b) = dur;
    push(src, b);
}

static void push_lld(GstElement* src, const float* frames, size_t count) {
    GstBuffer* b = gst_buffer_new_memdup(frames, count * 36 * sizeof(float));
    GST_BUFFER_PTS(b) = 0;
    GST_BUFFER_DURATION(b) = count * 10 * GST_MSECOND;
    push(src, b);
}

static std::vector<Result> finish(AppPipeline& p, Run* run) {
    GstFlowReturn ret;
    g_signal_emit_by_name(p.audio, "end-of-stream", &ret);
    g_signal_emit_by_name(p.text, "end-of-stream", &ret);
    run_collect(p.pipeline, run);
    std::vector<Result> results = appsink_results(p.pipeline);
    gst_element_set_state(p.pipeline, GST_STATE_NULL);
    gst_object_unref(p.audio);
    gst_object_unref(p.text);
    gst_object_unref(p.pipeline);
    return results;
}

/* Golden parity: reference item 0 (300 frames, already z-normalised, so the element's own
 * z-normalisation is the identity) with its 6 word ids, as one 3 s window, against the
 * reference logits of shared/reference/nn/model_ksmm.safetensors. */
GST_START_TEST(test_golden_parity) {
    auto ref = emotion::io::SafetensorsFile::read(reference("nn/model_ksmm.safetensors"));
    emotion::nn::Tensor audio = ref.f32("in.audio");
    std::vector<int64_t> ids = ref.i64("in.text_ids");
    std::vector<int64_t> text_lengths = ref.i64("in.text_lengths");
    emotion::nn::Tensor logits = ref.f32("out.logits");
    fail_unless_equals_int((int)text_lengths[0], 6);
    std::string line;
    for (int t = 0; t < 6; t++)
        line += (ids[t] == 0 ? std::string("unknownword") : test_vocabulary()[ids[t]]) + " ";

    AppPipeline p = app_pipeline("window=3.0 hop=3.0");
    gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
    push_text(p.text, line, 0, 3 * GST_SECOND);
    push_lld(p.audio, audio.data(), 300);
    Run run;
    std::vector<Result> results = finish(p, &run);
    fail_unless_equals_string(run.error.c_str(), "");
    fail_unless_equals_int((int)results.size(), 1);

    std::vector<float> expected = emotion::nn::softmax_rows(logits.data(), 1, 4);
    double worst = max_diff(results[0].scores, expected);
    printf("ksmmtransformer vs reference model_ksmm (item 0): max |diff| %.3e\n", worst);
    fail_unless(worst <= 2e-5, "differ by %g", worst);
}

GST_END_TEST;

/* Invalid UTF-8 and a 1 MB line: warnings, results, no crash. */
GST_START_TEST(test_bad_text) {
    std::vector<float> frames = lld_frames(kWav);
    const size_t total = frames.size() / 36;
    AppPipeline p = app_pipeline("window=1.0 hop=1.0");
    gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
    push_text(p.text, std::string("sad \xff\xfe open \xc3"), 0, GST_SECOND / 2);
    std::string huge = "happy ";
    while (huge.size() < (1 << 20)) huge += "door ";
    push_text(p.text, huge, GST_SECOND, GST_SECOND / 2);
    push_lld(p.audio, frames.data(), total);
    Run run;
    std::vector<Result> results = finish(p, &run);
    fail_unless_equals_string(run.error.c_str(), "");
    fail_unless_equals_int((int)results.size(), 2);
    bool utf8 = false, longline = false;
    for (const auto& w : run.warnings) {
        utf8 |= w.find("UTF-8") != std::string::npos;
        longline |= w.find("longer than") != std::string::npos;
    }
    fail_unless(utf8 && longline);
    /* the valid words around the bad bytes still count; the huge line gives its first 20 */
    fail_unless(
        max_diff(results[0].scores, direct(frames, 0, 100, {word_id("sad"), 0, word_id("open"), 0})) <=
            1e-6 ||
        max_diff(results[0].scores, direct(frames, 0, 100, {word_id("sad"), word_id("open")})) <= 1e-6);
    std::vector<int> first20(20, word_id("door"));
    first20[0] = word_id("happy");
    fail_unless(max_diff(results[1].scores, direct(frames, 100, total, first20)) <= 1e-6);
}

GST_END_TEST;

/* Bytes on the text pad (no subparse): one clean error; the element stops reading the pad
 * (it went on and every buffer was a GStreamer-CRITICAL, 5,122 of them for one file). */
GST_START_TEST(test_text_in_bytes_n) {
    std::string lines;
    while (lines.size() < (256 << 10)) lines += "1\n00:00:00,000 --> 00:00:01,000\nhappy door\n\n";
    const std::string srt = write_file("bytes.srt", lines);
    std::string p = file_pipeline("");
    p += "  filesrc location=\"" + srt + "\" blocksize=64 ! m.text";
    GstElement* pipeline = launch(p);
    GstBus* bus = gst_element_get_bus(pipeline);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstMessage* m = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
    fail_unless(m != NULL);
    GError* error = NULL;
    gst_message_parse_error(m, &error, NULL);
    printf("text in bytes -> %s\n", error->message);
    fail_unless(strstr(error->message, "not in a TIME segment") != NULL, "%s", error->message);
    g_error_free(error);
    gst_message_unref(m);
    /* Left running after its error for a while (as an application may): a CRITICAL here fails
     * the test (gst-check). */
    g_usleep(G_USEC_PER_SEC / 2);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* The error of starting `element` (behind an appsrc): the state change fails. */
static std::string start_error(const std::string& element) {
    GstElement* pipeline = launch("appsrc ! " + element + " ! fakesink");
    std::string error = pause_error(pipeline);
    gst_object_unref(pipeline);
    return error;
}

GST_START_TEST(test_bad_models_n) {
    /* a vocabulary that does not match the embedding */
    std::string bad = temp_path("ksmm_bad_vocab.safetensors");
    {
        emotion::nn::Context context;
        emotion::models::ModelInfo info;
        auto model = emotion::models::load_model(context, ksmm_model(), &info);
        auto writer = emotion::models::model_writer(*model, info);
        writer.set_metadata("vocabulary", "[\"\", \"a\"]");
        writer.write_atomic(bad);
    }
    std::string e = start_error("ksmmtransformer model=\"" + bad + "\"");
    fail_unless(e.find("vocabulary") != std::string::npos, "%s", e.c_str());
    e = start_error("ksmmtransformer model=\"" + model_file("model_alstm_mean") + "\"");
    fail_unless(e.find("'alstm' model") != std::string::npos, "%s", e.c_str());
    e = start_error("ksmmtransformer model=/nonexistent.safetensors");
    fail_unless(e.find("Cannot use model file") != std::string::npos, "%s", e.c_str());
    /* a FIFO blocked the pipeline forever, waiting for a writer */
    const std::string fifo = temp_path("ksmm-fifo.safetensors");
    fail_unless(mkfifo(fifo.c_str(), 0644) == 0);
    e = start_error("ksmmtransformer model=\"" + fifo + "\"");
    fail_unless(e.find("not a regular file") != std::string::npos, "%s", e.c_str());
    e = start_error("ksmmtransformer mode=train model=\"" + ksmm_model() + "\"");
    fail_unless(e.find("model-location") != std::string::npos, "%s", e.c_str());
    e = start_error("ksmmtransformer mode=train model-location=" + temp_path("k.safetensors"));
    fail_unless(e.find("word-vectors") != std::string::npos, "%s", e.c_str());
}

GST_END_TEST;

/* mu-law tensors on the audio pad: refused by the pad (not-negotiated), never classified. */
GST_START_TEST(test_wrong_features_n) {
    GstHarness* h = gst_harness_new_parse(("ksmmtransformer model=\"" + ksmm_model() + "\"").c_str());
    gst_harness_set_src_caps_str(h, MULAW_CAPS);
    std::vector<float> values(200 * 400, 0.1f);
    GstBuffer* b = gst_buffer_new_memdup(values.data(), values.size() * sizeof(float));
    GST_BUFFER_PTS(b) = 0;
    fail_unless_equals_int(gst_harness_push(h, b), GST_FLOW_NOT_NEGOTIATED);
    fail_unless_equals_int(gst_harness_buffers_received(h), 0);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* LLD input that is not a whole number of 36-float frames: a clean stream error naming the sizes */
GST_START_TEST(test_partial_frame_n) {
    GstHarness* h = gst_harness_new_parse(("ksmmtransformer model=\"" + ksmm_model() + "\"").c_str());
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(h->element, bus);
    gst_harness_set_src_caps_str(h, LLD_CAPS);
    push_partial_frame(h, bus); /* queued: the aggregator reads it on its own thread */
    harness_teardown(h, bus);
}

GST_END_TEST;

/* GstAggregator's `latency` property of the element named "m" */
static guint64 aggregator_latency(GstElement* pipeline) {
    GstElement* m = gst_bin_get_by_name(GST_BIN(pipeline), "m");
    guint64 latency = 0;
    g_object_get(m, "latency", &latency, NULL);
    gst_object_unref(m);
    return latency;
}

/* One text pad at most; the reported latency includes the window and text-timeout. */
GST_START_TEST(test_pads_and_latency) {
    GstElement* m = gst_element_factory_make("ksmmtransformer", NULL);
    fail_unless(m != NULL);
    GstPad* text = gst_element_request_pad_simple(m, "text");
    fail_unless(text != NULL);
    fail_unless_equals_string(GST_PAD_NAME(text), "text");
    GstPadTemplate* templ = gst_element_get_pad_template(m, "text");
    fail_unless(gst_element_request_pad(m, templ, NULL, NULL) == NULL);
    gst_element_release_request_pad(m, text);
    gst_object_unref(text);
    gst_object_unref(m);

    AppPipeline p = app_pipeline("window=2.0 text-timeout=0.5");
    g_object_set(p.audio, "is-live", TRUE, NULL);
    gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
    gst_element_get_state(p.pipeline, NULL, NULL, test_wait(5 * GST_SECOND));
    GstQuery* q = gst_query_new_latency();
    GstElement* mm = gst_bin_get_by_name(GST_BIN(p.pipeline), "m");
    GstPad* src = gst_element_get_static_pad(mm, "src");
    fail_unless(gst_pad_query(src, q));
    gboolean live;
    GstClockTime min, max;
    gst_query_parse_latency(q, &live, &min, &max);
    fail_unless(min >= 2500 * GST_MSECOND, "min latency %" GST_TIME_FORMAT, GST_TIME_ARGS(min));
    gst_query_unref(q);
    gst_object_unref(src);
    gst_object_unref(mm);
    Run run;
    finish(p, &run);
}

GST_END_TEST;

/* Live input (constant frames, so ungated: min-speech=0) with a text stream that stays silent: each result
 * leaves text-timeout after its segment's end, neither earlier (it waits for late text) nor held back until
 * text or EOS comes. LLD frames are pushed in real time, 10 ms each, as lldextract delivers them. */
GST_START_TEST(test_live_text_timeout) {
    AppPipeline p = app_pipeline("window=1.0 hop=1.0 text-timeout=0.3 min-speech=0");
    g_object_set(p.audio, "is-live", TRUE, "min-latency", (gint64)(10 * GST_MSECOND), NULL);
    g_object_set(p.text, "is-live", TRUE, "min-latency", (gint64)0, NULL);
    auto live = std::make_unique<emotion::pipelines::ResultDelays>(p.pipeline);
    gst_element_set_state(p.pipeline, GST_STATE_PLAYING);
    gst_element_get_state(p.audio, NULL, NULL, test_wait(5 * GST_SECOND));
    GstClock* clock = gst_element_get_clock(p.pipeline);
    std::vector<float> frame(36, 0.0f);
    /* 3.9 s of audio: the third result, due at 3.3 s, has 0.6 s for M4 (0.1-0.3 s a window on an
     * AVX2 machine with another test beside it; 3.5 s of audio left it too little there); a
     * sanitizer build, several times slower at M4, gets more audio after it so that the first
     * three results still come before EOS */
    const int frames = 390 + (int)(100 * (emotion::test::time_scale() - 1.0));
    for (int i = 0; i < frames; i++) {
        frame[0] = (float)(i % 7);
        const GstClockTime pts = i * 10 * GST_MSECOND;
        GstClockID id = gst_clock_new_single_shot_id(clock, gst_element_get_base_time(p.pipeline) + pts +
                                                                10 * GST_MSECOND);
        gst_clock_id_wait(id, NULL);
        gst_clock_id_unref(id);
        GstBuffer* b = gst_buffer_new_memdup(frame.data(), frame.size() * sizeof(float));
        GST_BUFFER_PTS(b) = pts;
        GST_BUFFER_DURATION(b) = 10 * GST_MSECOND;
        push(p.audio, b);
    }
    gst_object_unref(clock);
    /* live: the queue stays as GstAggregator keeps it (a deeper one would add to the latency) */
    fail_unless_equals_uint64(aggregator_latency(p.pipeline), 0);
    const size_t before_eos = live->seconds().size();
    Run run;
    finish(p, &run);
    const std::vector<double> delays = live->seconds();
    live.reset();
    fail_unless_equals_string(run.error.c_str(), "");
    /* windows end at 1, 2, 3 s; the 3 s one is due at 3.3 s, before the audio's end at 3.9 s */
    fail_unless(before_eos >= 3, "%zu results before EOS (text never came)", before_eos);
    for (size_t i = 0; i < delays.size(); i++)
        printf("live result %zu: %.3f s after its segment ended (text-timeout 0.3 s)\n", i, delays[i]);
    fflush(stdout);
    /* the first also waits for its pad's backlog of the first timeout to drain; a busy CI
     * machine gets a margin, far below the old behaviour (held until EOS) */
    for (size_t i = 0; i < 3; i++) {
        const double machine_margin = (i == 0 ? 1.2 : 0.7) * emotion::test::time_scale();
        fail_unless(delays[i] >= 0.28 && delays[i] <= 0.3 + machine_margin, "result %zu: delay %.3f s", i,
                    delays[i]);
    }
}

GST_END_TEST;

/* From a source that is not live the audio pad queues a second of frames (GstAggregator's
 * `latency`, which sets only the queue's depth there) and gives it back at stop; an
 * application's own value is kept. Live: test_live_text_timeout. */
GST_START_TEST(test_queue_when_not_live) {
    std::string srt = write_file("queue.srt", "1\n00:00:00,200 --> 00:00:01,800\nsad\n\n");
    const std::string chosen = std::to_string(5 * GST_MSECOND);
    for (const std::string& extra : {std::string(), "latency=" + chosen}) {
        GstElement* pipeline = launch(file_pipeline(srt, extra));
        Run run;
        run_collect(pipeline, &run); /* to EOS, the element still started */
        fail_unless_equals_string(run.error.c_str(), "");
        fail_unless_equals_int((int)run.named("emotion").size(), 2);
        const guint64 expected = extra.empty() ? GST_SECOND : 5 * GST_MSECOND;
        fail_unless_equals_uint64(aggregator_latency(pipeline), expected);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        fail_unless_equals_uint64(aggregator_latency(pipeline), extra.empty() ? 0 : 5 * GST_MSECOND);
        gst_object_unref(pipeline);
    }
}

GST_END_TEST;

GST_START_TEST(test_state_changes) {
    std::string srt = write_file("states.srt", "1\n00:00:00,200 --> 00:00:01,800\nsad\n\n");
    GstElement* pipeline = launch(file_pipeline(srt));
    for (int i = 0; i < 5; i++) {
        Run run;
        run_collect(pipeline, &run);
        fail_unless_equals_string(run.error.c_str(), "");
        fail_unless_equals_int((int)run.named("emotion").size(), 2);
        fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    }
    pause_and_stop(pipeline, 10);
    gst_object_unref(pipeline);
}

GST_END_TEST;

static Suite* ksmmtransformer_suite(void) {
    Suite* s = suite_create("ksmmtransformer");
    TCase* tc = general_case(s, 300);
    tcase_add_test(tc, test_srt_alignment);
    tcase_add_test(tc, test_no_text);
    tcase_add_test(tc, test_text_ends_early);
    tcase_add_test(tc, test_golden_parity);
    tcase_add_test(tc, test_bad_text);
    tcase_add_test(tc, test_bad_models_n);
    tcase_add_test(tc, test_text_in_bytes_n);
    tcase_add_test(tc, test_wrong_features_n);
    tcase_add_test(tc, test_partial_frame_n);
    tcase_add_test(tc, test_pads_and_latency);
    tcase_add_test(tc, test_live_text_timeout);
    tcase_add_test(tc, test_queue_when_not_live);
    tcase_add_test(tc, test_state_changes);
    return s;
}

GST_CHECK_MAIN(ksmmtransformer);
