/* Classifier element tests (alstmclassify, apcnnclassify, stlclassify): one result per segment
 * with the segment's timing, posteriors, GstEmotionMeta, the `emotion` message field by field,
 * the tag event, text output, fallback windows, max-duration parts, interim results (and
 * emotionsink's records of them), agreement with the core
 * library on the same frames, M2 utterance averaging, M3; bad input (_n); state changes, seeks
 * and parallel pipelines. Model files are built from shared/reference/nn by emotion-model. */
#include <cmath>

#include "test_emotion_common.h"

#include <thread>

#include "models/classifier.h"
#include "models/model_file.h"
#include "nn/context.h"
#include "stream/speaker_balance.h"

using namespace emotion_test;

static const char* kLabels[] = {"angry", "happy", "neutral", "sad"};

static GstHarness* classifier_harness(const std::string& description, const char* caps, GstBus** bus) {
    GstHarness* h = gst_harness_new_parse(description.c_str());
    if (bus) {
        *bus = gst_bus_new();
        gst_element_set_bus(h->element, *bus);
    }
    gst_harness_set_src_caps_str(h, caps);
    return h;
}

static std::string alstm_description(const char* extra = "") {
    return "alstmclassify model=\"" + model_file("model_alstm_mean") + "\" " + extra;
}

/* Posteriors computed directly by the core library: model forward, then softmax (double). */
static std::vector<float> direct_posteriors(const std::string& model, const float* frames, int count) {
    emotion::nn::Context context;
    emotion::models::ModelInfo info;
    auto m = emotion::models::load_model(context, model, &info);
    emotion::models::Batch batch;
    batch.features.resize({1, count, 36});
    memcpy(batch.features.data(), frames, sizeof(float) * count * 36);
    batch.lengths.assign(1, count);
    const auto& logits = m->forward(batch, emotion::nn::Mode::Infer);
    int k = (int)logits.dim(1);
    double peak = -1e300, sum = 0;
    for (int c = 0; c < k; c++) peak = std::max(peak, (double)logits.data()[c]);
    std::vector<double> e(k);
    for (int c = 0; c < k; c++) sum += e[c] = std::exp((double)logits.data()[c] - peak);
    std::vector<float> out(k);
    for (int c = 0; c < k; c++) out[c] = (float)(e[c] / sum);
    return out;
}

static double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
    fail_unless_equals_int((int)a.size(), (int)b.size());
    double m = 0;
    for (size_t i = 0; i < a.size(); i++) m = std::max(m, (double)std::fabs(a[i] - b[i]));
    return m;
}

static void check_posteriors(const Result& r, int k) {
    fail_unless_equals_int((int)r.scores.size(), k);
    for (float v : r.scores) fail_unless(std::isfinite(v) && v >= 0 && v <= 1, "score %f", v);
    fail_unless(std::fabs(sum_of(r.scores) - 1.0) < 1e-5, "sum %f", sum_of(r.scores));
    fail_unless(r.has_meta);
    fail_unless(r.meta_scores == r.scores);
    int best = (int)(std::max_element(r.scores.begin(), r.scores.end()) - r.scores.begin());
    fail_unless_equals_int((int)r.best, best);
}

/* Two labelled segments through alstmclassify: results, meta, messages, tag, golden. */
GST_START_TEST(test_alstm_segments) {
    std::vector<float> frames = lld_frames("lld/emodb_03a01Fa.wav");
    const size_t total = frames.size() / 36;
    const size_t a0 = 10, a1 = 120, b0 = 130, b1 = total;
    GstBus* bus;
    GstHarness* h = classifier_harness(alstm_description(), LLD_CAPS, &bus);

    fail_unless_equals_int(push_frames(h, frames, 0, a0), GST_FLOW_OK);
    gst_harness_push_event(
        h, gst_emotion_event_new_segment_start("a", "emotion", "happy", "speaker", "emodb03", NULL));
    fail_unless_equals_int(push_frames(h, frames, a0, a1 - a0), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("a"));
    fail_unless_equals_int(push_frames(h, frames, a1, b0 - a1), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("b", NULL, NULL));
    fail_unless_equals_int(push_frames(h, frames, b0, b1 - b0, 13), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("b"));
    gst_harness_push_event(h, gst_event_new_eos());

    std::vector<Result> results = pull_results(h);
    fail_unless_equals_int((int)results.size(), 2);
    const size_t seg_first[2] = {a0, b0}, seg_last[2] = {a1, b1};
    const char* ids[2] = {"a", "b"};
    std::string model = model_file("model_alstm_mean");
    double worst = 0;
    for (int i = 0; i < 2; i++) {
        const Result& r = results[i];
        check_posteriors(r, 4);
        fail_unless_equals_uint64(r.pts, seg_first[i] * 10 * GST_MSECOND);
        fail_unless_equals_uint64(r.duration, (seg_last[i] - seg_first[i]) * 10 * GST_MSECOND);
        fail_unless_equals_string(r.segment_id.c_str(), ids[i]);
        fail_unless(!r.model.empty());
        for (int k = 0; k < 4; k++) fail_unless_equals_string(r.labels[k].c_str(), kLabels[k]);
        std::vector<float> direct =
            direct_posteriors(model, frames.data() + seg_first[i] * 36, (int)(seg_last[i] - seg_first[i]));
        worst = std::max(worst, max_diff(r.scores, direct));
        /* the Classifier API the element wraps gives the same */
        emotion::models::Classifier c(model);
        worst = std::max(worst, max_diff(r.scores, c.classify_frames(frames.data() + seg_first[i] * 36,
                                                                     (int)(seg_last[i] - seg_first[i]))));
    }
    printf("alstmclassify vs core library (forward + softmax): max |diff| %.3e\n", worst);
    fail_unless(worst <= 1e-6, "element and core library differ by %g", worst);

    /* messages, field by field */
    std::vector<GstStructure*> messages = element_messages(bus, "emotion");
    fail_unless_equals_int((int)messages.size(), 2);
    for (int i = 0; i < 2; i++) {
        GstStructure* s = messages[i];
        guint64 ts, st, rt, dur;
        gdouble confidence;
        fail_unless(gst_structure_get_uint64(s, "timestamp", &ts));
        fail_unless(gst_structure_get_uint64(s, "stream-time", &st));
        fail_unless(gst_structure_get_uint64(s, "running-time", &rt));
        fail_unless(gst_structure_get_uint64(s, "duration", &dur));
        fail_unless_equals_uint64(ts, results[i].pts);
        fail_unless_equals_uint64(st, results[i].pts);
        fail_unless_equals_uint64(rt, results[i].pts);
        fail_unless_equals_uint64(dur, results[i].duration);
        fail_unless_equals_string(gst_structure_get_string(s, "segment-id"), ids[i]);
        fail_unless_equals_string(gst_structure_get_string(s, "label"), kLabels[results[i].best]);
        fail_unless(gst_structure_get_double(s, "confidence", &confidence));
        fail_unless(std::fabs(confidence - results[i].scores[results[i].best]) < 1e-7);
        fail_unless_equals_string(gst_structure_get_string(s, "model"), results[i].model.c_str());
        const GValue* labels = gst_structure_get_value(s, "labels");
        const GValue* scores = gst_structure_get_value(s, "scores");
        fail_unless(labels && GST_VALUE_HOLDS_ARRAY(labels));
        fail_unless(scores && GST_VALUE_HOLDS_ARRAY(scores));
        fail_unless_equals_int(gst_value_array_get_size(labels), 4);
        fail_unless_equals_int(gst_value_array_get_size(scores), 4);
        for (int k = 0; k < 4; k++) {
            fail_unless_equals_string(g_value_get_string(gst_value_array_get_value(labels, k)), kLabels[k]);
            fail_unless(std::fabs(g_value_get_double(gst_value_array_get_value(scores, k)) -
                                  results[i].scores[k]) < 1e-7);
        }
        if (i == 0) {
            fail_unless_equals_string(gst_structure_get_string(s, "true-emotion"), "happy");
        } else {
            fail_unless(!gst_structure_has_field(s, "true-emotion"));
        }
    }
    free_structures(messages);

    /* segment events forwarded in order, and a tag event with the dominant emotion */
    int starts = 0, ends = 0, tags = 0;
    std::string tagged;
    GstEvent* event;
    while ((event = gst_harness_try_pull_event(h)) != NULL) {
        if (gst_emotion_event_is_segment_start(event)) starts++;
        if (gst_emotion_event_is_segment_end(event)) ends++;
        if (GST_EVENT_TYPE(event) == GST_EVENT_TAG) {
            GstTagList* list;
            gst_event_parse_tag(event, &list);
            gchar *value = NULL, *keyword = NULL;
            fail_unless(gst_tag_list_get_string(list, "emotion", &value));
            fail_unless(gst_tag_list_get_string(list, GST_TAG_KEYWORDS, &keyword));
            fail_unless_equals_std_string(keyword, std::string("emotion=") + value);
            fail_unless_equals_int(gst_tag_list_get_scope(list), GST_TAG_SCOPE_GLOBAL);
            tagged = value;
            tags++;
            g_free(value);
            g_free(keyword);
        }
        gst_event_unref(event);
    }
    fail_unless_equals_int(starts, 2);
    fail_unless_equals_int(ends, 2);
    fail_unless(tags >= 1);
    /* with two results, the dominant one is the first label seen (ties keep the earlier) */
    fail_unless_equals_string(tagged.c_str(), kLabels[results[0].best]);
    harness_teardown(h, bus);
}

GST_END_TEST;

/* downstream takes text only: one readable line per segment, with the meta */
GST_START_TEST(test_text_output) {
    std::vector<float> frames = lld_frames("lld/emodb_08a02Wc.wav");
    GstHarness* h = gst_harness_new_parse(alstm_description().c_str());
    gst_harness_set_sink_caps_str(h, "text/x-raw,format=utf8");
    gst_harness_set_src_caps_str(h, LLD_CAPS);
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("u1", NULL, NULL));
    fail_unless_equals_int(push_frames(h, frames, 0, 150), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("u1"));
    gst_harness_push_event(h, gst_event_new_eos());

    GstCaps* caps = gst_pad_get_current_caps(h->sinkpad);
    fail_unless(caps != NULL);
    fail_unless(gst_structure_has_name(gst_caps_get_structure(caps, 0), "text/x-raw"));
    fail_unless_equals_string(gst_structure_get_string(gst_caps_get_structure(caps, 0), "format"), "utf8");
    gst_caps_unref(caps);

    std::vector<Result> results = pull_results(h, true);
    fail_unless_equals_int((int)results.size(), 1);
    const Result& r = results[0];
    fail_unless(r.has_meta);
    /* the default cue text, as emotionsink's subtitle cues */
    gchar* expected =
        g_strdup_printf("%s (%.0f%%)", r.labels[r.best].c_str(), std::round(100.0 * r.meta_scores[r.best]));
    fail_unless_equals_string(r.text.c_str(), expected);
    fail_unless(g_utf8_validate(r.text.c_str(), -1, NULL));
    g_free(expected);
    fail_unless_equals_uint64(r.pts, 0);
    fail_unless_equals_uint64(r.duration, 1500 * GST_MSECOND);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* One segment of EmoDB LLD frames through alstmclassify `extra`, text output: the result and the
 * `emotion` message (caller frees). */
static Result one_text_result(const char* extra, GstStructure** message) {
    std::vector<float> frames = lld_frames("lld/emodb_08a02Wc.wav");
    GstBus* bus;
    GstHarness* h = gst_harness_new_parse(alstm_description(extra).c_str());
    bus = gst_bus_new();
    gst_element_set_bus(h->element, bus);
    gst_harness_set_sink_caps_str(h, "text/x-raw,format=utf8");
    gst_harness_set_src_caps_str(h, LLD_CAPS);
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("u1", NULL, NULL));
    fail_unless_equals_int(push_frames(h, frames, 0, 150), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("u1"));
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<Result> results = pull_results(h, true);
    fail_unless_equals_int((int)results.size(), 1);
    std::vector<GstStructure*> messages = element_messages(bus, "emotion");
    fail_unless_equals_int((int)messages.size(), 1);
    *message = messages[0];
    gst_element_set_bus(h->element, NULL);
    gst_object_unref(bus);
    gst_harness_teardown(h);
    return results[0];
}

/* cue-format: the text line of each result; an unknown placeholder fails at start */
GST_START_TEST(test_text_output_cue_format) {
    GstStructure* message;
    const Result r = one_text_result("cue-format=\"{segment}: {label} {confidence}\"", &message);
    gst_structure_free(message);
    gchar* expected = g_strdup_printf("u1: %s %.2f", r.labels[r.best].c_str(), r.meta_scores[r.best]);
    fail_unless_equals_string(r.text.c_str(), expected);
    g_free(expected);

    GstElement* classifier =
        gst_parse_launch(alstm_description("cue-format=\"{label} {score}\"").c_str(), NULL);
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(classifier, bus);
    fail_unless_equals_int(gst_element_set_state(classifier, GST_STATE_PAUSED), GST_STATE_CHANGE_FAILURE);
    GstMessage* m = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    fail_unless(m != NULL);
    GError* error = NULL;
    gchar* debug = NULL;
    gst_message_parse_error(m, &error, &debug);
    printf("cue-format with {score} -> %s (%s)\n", error->message, debug);
    fail_unless(strstr(error->message, "cue-format") != NULL && strstr(debug, "{score}") != NULL);
    g_error_free(error);
    g_free(debug);
    gst_message_unref(m);
    gst_element_set_state(classifier, GST_STATE_NULL);
    gst_object_unref(classifier);
    gst_object_unref(bus);
}

GST_END_TEST;

/* Arousal/valence (posterior-weighted points of README's table), threshold -> uncertain, and
 * the temperature, in text, meta and message. */
GST_START_TEST(test_affect_threshold_temperature) {
    const double points[4][2] = {{0.8, -0.6}, {0.6, 0.8}, {0.0, 0.0}, {-0.6, -0.7}};
    GstStructure* m;
    Result plain = one_text_result("", &m);
    fail_unless(plain.has_affect && !plain.uncertain);
    double arousal = 0, valence = 0;
    for (int k = 0; k < 4; k++) {
        arousal += plain.meta_scores[k] * points[k][0];
        valence += plain.meta_scores[k] * points[k][1];
    }
    fail_unless(std::fabs(plain.arousal - arousal) < 1e-5, "arousal %f, expected %f", plain.arousal, arousal);
    fail_unless(std::fabs(plain.valence - valence) < 1e-5, "valence %f, expected %f", plain.valence, valence);
    gdouble a = 9, v = 9;
    gboolean uncertain = TRUE;
    fail_unless(gst_structure_get_double(m, "arousal", &a) && gst_structure_get_double(m, "valence", &v));
    fail_unless(std::fabs(a - arousal) < 1e-5 && std::fabs(v - valence) < 1e-5);
    const bool high = plain.meta_scores[0] + plain.meta_scores[1] > 0.5f; /* angry + happy */
    fail_unless_equals_string(gst_structure_get_string(m, "arousal-level"), high ? "high" : "low");
    fail_unless_equals_int(plain.high_arousal, high);
    fail_unless(gst_structure_get_boolean(m, "uncertain", &uncertain) && !uncertain);
    gst_structure_free(m);

    /* a threshold just above the top posterior: uncertain, the best label kept in meta and message */
    const float top = plain.meta_scores[plain.best];
    gchar* above = g_strdup_printf("threshold=%.4f", top + 0.001);
    Result unsure = one_text_result(above, &m);
    g_free(above);
    fail_unless(unsure.uncertain);
    fail_unless_equals_int(unsure.best, plain.best);
    gchar* line = g_strdup_printf("uncertain (%.0f%%)", std::round(100.0 * top)); /* the default cue text */
    fail_unless_equals_string(unsure.text.c_str(), line);
    g_free(line);
    fail_unless(gst_structure_get_boolean(m, "uncertain", &uncertain) && uncertain);
    fail_unless_equals_string(gst_structure_get_string(m, "label"), plain.labels[plain.best].c_str());
    gst_structure_free(m);
    /* and just below: certain */
    gchar* below = g_strdup_printf("threshold=%.4f", top - 0.001);
    Result sure = one_text_result(below, &m);
    g_free(below);
    fail_unless(!sure.uncertain);
    fail_unless(sure.text.rfind(plain.labels[plain.best] + " ", 0) == 0, "text %s", sure.text.c_str());
    gst_structure_free(m);

    /* temperature 2: p^(1/2) normalised, same winner */
    Result warm = one_text_result("temperature=2", &m);
    gst_structure_free(m);
    double total = 0;
    for (float p : plain.meta_scores) total += std::sqrt((double)p);
    for (int k = 0; k < 4; k++)
        fail_unless(std::fabs(warm.meta_scores[k] - std::sqrt((double)plain.meta_scores[k]) / total) < 1e-5);
    fail_unless_equals_int(warm.best, plain.best);
    fail_unless(warm.meta_scores[warm.best] < top);
}

GST_END_TEST;

/* no segment events: windows of 1 s every 0.5 s, and the last, shorter window at EOS */
GST_START_TEST(test_fallback_windows) {
    std::vector<float> frames = lld_frames("lld/emodb_08a02Wc.wav");
    fail_unless(frames.size() / 36 >= 170);
    GstBus* bus;
    GstHarness* h = classifier_harness(alstm_description("window=1.0 hop=0.5"), LLD_CAPS, &bus);
    fail_unless_equals_int(push_frames(h, frames, 0, 170, 9), GST_FLOW_OK);
    /* before EOS: windows [0,100) [50,150) */
    std::vector<Result> before = pull_results(h);
    fail_unless_equals_int((int)before.size(), 2);
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<Result> after = pull_results(h);
    fail_unless_equals_int((int)after.size(), 1);
    before.push_back(after[0]);
    const GstClockTime pts[3] = {0, 500 * GST_MSECOND, GST_SECOND};
    const GstClockTime dur[3] = {GST_SECOND, GST_SECOND, 700 * GST_MSECOND};
    for (int i = 0; i < 3; i++) {
        check_posteriors(before[i], 4);
        fail_unless_equals_uint64(before[i].pts, pts[i]);
        fail_unless_equals_uint64(before[i].duration, dur[i]);
        fail_unless_equals_std_string(before[i].segment_id, "w" + std::to_string(i));
    }
    /* the partial window is classified on exactly its frames */
    std::vector<float> direct =
        direct_posteriors(model_file("model_alstm_mean"), frames.data() + 100 * 36, 70);
    double d = max_diff(before[2].scores, direct);
    printf("fallback partial window vs core library: max |diff| %.3e\n", d);
    fail_unless(d <= 1e-6);
    std::vector<GstStructure*> messages = element_messages(bus, "emotion");
    fail_unless_equals_int((int)messages.size(), 3);
    free_structures(messages);
    harness_teardown(h, bus);
}

GST_END_TEST;

/* balance=speaker: each result's posteriors divided by the running mean of the stream's so far
 * (stream/speaker_balance.h, checked there on known numbers), in the order of the results; the
 * property reads back; balance=none gives the model's posteriors */
GST_START_TEST(test_balance_speaker) {
    std::vector<float> frames = lld_frames("lld/emodb_08a02Wc.wav");
    std::vector<std::vector<Result>> runs;
    for (const char* balance : {"none", "speaker"}) {
        const std::string extra = std::string("window=0.5 hop=0.25 balance=") + balance;
        GstHarness* h = classifier_harness(alstm_description(extra.c_str()), LLD_CAPS, NULL);
        gint value = -1;
        GstElement* classifier = gst_harness_find_element(h, "alstmclassify");
        g_object_get(classifier, "balance", &value, NULL);
        gst_object_unref(classifier);
        fail_unless_equals_int(value, std::string(balance) == "speaker" ? 1 : 0);
        fail_unless_equals_int(push_frames(h, frames, 0, 170, 9), GST_FLOW_OK);
        gst_harness_push_event(h, gst_event_new_eos());
        runs.push_back(pull_results(h));
        gst_harness_teardown(h);
    }
    fail_unless((int)runs[0].size() >= 5 && runs[0].size() == runs[1].size());
    emotion::stream::SpeakerBalance expected;
    double worst = 0, moved = 0;
    for (size_t i = 0; i < runs[0].size(); i++) {
        check_posteriors(runs[1][i], 4);
        worst = std::max(worst, max_diff(runs[1][i].scores, expected.apply("", runs[0][i].scores)));
        moved = std::max(moved, max_diff(runs[1][i].scores, runs[0][i].scores));
    }
    printf("balance=speaker, %zu results: max |diff| to stream::SpeakerBalance %.3e (to none: %.3f)\n",
           runs[0].size(), worst, moved);
    fail_unless(worst <= 1e-6);
    fail_unless(moved > 1e-3); /* the balance changed something */
}

GST_END_TEST;

/* a segment longer than max-duration is published in parts <id>.0, <id>.1, ... */
GST_START_TEST(test_max_duration_parts) {
    /* 2.5 s of frames: the 1.85 s utterance and its start again */
    const std::vector<float> utterance = lld_frames("lld/emodb_08a02Wc.wav");
    std::vector<float> frames = utterance;
    frames.insert(frames.end(), utterance.begin(), utterance.end());
    GstHarness* h = classifier_harness(alstm_description("max-duration=1.0"), LLD_CAPS, NULL);
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("long", NULL, NULL));
    fail_unless_equals_int(push_frames(h, frames, 0, 100, 10), GST_FLOW_OK);
    /* the first part leaves as soon as it is full, before the segment ends */
    std::vector<Result> early = pull_results(h);
    fail_unless_equals_int((int)early.size(), 1);
    fail_unless_equals_int(push_frames(h, frames, 100, 150, 10), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("long"));
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<Result> rest = pull_results(h);
    rest.insert(rest.begin(), early[0]);
    fail_unless_equals_int((int)rest.size(), 3);
    const GstClockTime pts[3] = {0, GST_SECOND, 2 * GST_SECOND};
    const GstClockTime dur[3] = {GST_SECOND, GST_SECOND, 500 * GST_MSECOND};
    for (int i = 0; i < 3; i++) {
        check_posteriors(rest[i], 4);
        fail_unless_equals_std_string(rest[i].segment_id, "long." + std::to_string(i));
        fail_unless_equals_uint64(rest[i].pts, pts[i]);
        fail_unless_equals_uint64(rest[i].duration, dur[i]);
    }
    gst_harness_teardown(h);
}

GST_END_TEST;

/* a segment still open at EOS is published; an EOS right after a segment start is not */
GST_START_TEST(test_eos_open_segment) {
    std::vector<float> frames = lld_frames("lld/emodb_08a02Wc.wav");
    GstHarness* h = classifier_harness(alstm_description(), LLD_CAPS, NULL);
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("open", NULL, NULL));
    fail_unless_equals_int(push_frames(h, frames, 0, 80), GST_FLOW_OK);
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<Result> results = pull_results(h);
    fail_unless_equals_int((int)results.size(), 1);
    fail_unless_equals_string(results[0].segment_id.c_str(), "open");
    fail_unless_equals_uint64(results[0].duration, 800 * GST_MSECOND);
    gst_harness_teardown(h);

    GstBus* bus;
    h = classifier_harness(alstm_description(), LLD_CAPS, &bus);
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("empty", NULL, NULL));
    gst_harness_push_event(h, gst_event_new_eos());
    fail_unless_equals_int((int)pull_results(h).size(), 0);
    fail_unless_equals_std_string(error_of(bus), "");
    harness_teardown(h, bus);
}

GST_END_TEST;

/* ---- interim results ---------------------------------------------------------------------- */

/* 6.5 s of LLD frames: an utterance repeated. */
static std::vector<float> long_frames() {
    const std::vector<float> utterance = lld_frames("lld/emodb_03a01Fa.wav");
    std::vector<float> frames;
    while (frames.size() < 650 * 36) frames.insert(frames.end(), utterance.begin(), utterance.end());
    return frames;
}

constexpr size_t kInterimFirst = 20, kInterimFrames = 600; /* the 6 s segment: frames 20-619 */

/* One 6 s segment "talk" through `alstmclassify <extra>`; the result buffers (owned by the
 * caller), and the `emotion` messages and tag events when asked. */
static std::vector<GstBuffer*> run_interim(const std::vector<float>& frames, const char* extra,
                                           std::vector<GstStructure*>* messages, int* tags) {
    GstBus* bus;
    GstHarness* h = classifier_harness(alstm_description(extra), LLD_CAPS, &bus);
    fail_unless_equals_int(push_frames(h, frames, 0, kInterimFirst, 10), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("talk", "emotion", "happy", NULL));
    fail_unless_equals_int(push_frames(h, frames, kInterimFirst, kInterimFrames, 10), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("talk"));
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<GstBuffer*> buffers;
    GstBuffer* b;
    while ((b = gst_harness_try_pull(h)) != NULL) buffers.push_back(b);
    if (messages) *messages = element_messages(bus, "emotion");
    GstEvent* event;
    while ((event = gst_harness_try_pull_event(h)) != NULL) {
        if (tags && GST_EVENT_TYPE(event) == GST_EVENT_TAG) ++*tags;
        gst_event_unref(event);
    }
    fail_unless_equals_std_string(error_of(bus), "");
    harness_teardown(h, bus);
    return buffers;
}

static std::vector<Result> results_of(const std::vector<GstBuffer*>& buffers) {
    std::vector<Result> results;
    for (GstBuffer* b : buffers) results.push_back(to_result(b, false));
    return results;
}

static void free_buffers(std::vector<GstBuffer*>& buffers) {
    for (GstBuffer* b : buffers) gst_buffer_unref(b);
    buffers.clear();
}

static void on_sink_result(GstElement*, GstStructure* s, std::vector<GstStructure*>* log) {
    log->push_back(gst_structure_copy(s));
}

/* Copies of `buffers` (deep: the meta's transform) into `emotionsink location=<path>`: the
 * `result` signal's structures and the summary's segment count. */
static std::vector<GstStructure*> sink_results(const std::vector<GstBuffer*>& buffers,
                                               const std::string& path, guint* summary_segments) {
    GstHarness* h = gst_harness_new_parse(("emotionsink location=\"" + path + "\"").c_str());
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(h->element, bus);
    std::vector<GstStructure*> log;
    GstElement* sink = gst_harness_find_element(h, "emotionsink");
    g_signal_connect(sink, "result", G_CALLBACK(on_sink_result), &log);
    gst_object_unref(sink);
    gst_harness_set_src_caps_str(h, "other/tensors,format=static,num_tensors=1,"
                                    "types=float32,dimensions=(string)4:1,framerate=0/1");
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("talk", "emotion", "happy", NULL));
    for (GstBuffer* b : buffers) {
        GstBuffer* copy = gst_buffer_copy_deep(b);
        fail_unless(gst_buffer_get_emotion_meta(copy) != gst_buffer_get_emotion_meta(b));
        fail_unless_equals_int(gst_emotion_meta_get_interim(gst_buffer_get_emotion_meta(copy)),
                               gst_emotion_meta_get_interim(gst_buffer_get_emotion_meta(b)));
        fail_unless_equals_int(gst_harness_push(h, copy), GST_FLOW_OK);
    }
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("talk"));
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<GstStructure*> summary = element_messages(bus, "emotion-summary");
    fail_unless_equals_int((int)summary.size(), 1);
    fail_unless(gst_structure_get_uint(summary[0], "segments", summary_segments));
    free_structures(summary);
    fail_unless_equals_std_string(error_of(bus), "");
    harness_teardown(h, bus);
    return log;
}

/* interim=1: while the 6 s segment is open, a result every second from its start (same id,
 * PTS = its start, growing durations, the interim flag in meta and message), each the model's
 * posteriors of the frames so far; then the final result, identical to the one without interim.
 * emotionsink: interim results in JSON Lines and the signal, only the final cue in WebVTT and
 * only the final result in the summary. */
GST_START_TEST(test_interim_results) {
    const std::vector<float> frames = long_frames();
    const GstClockTime start = kInterimFirst * 10 * GST_MSECOND;

    std::vector<GstBuffer*> plain_buffers = run_interim(frames, "interim=0", NULL, NULL);
    const std::vector<Result> plain = results_of(plain_buffers);
    free_buffers(plain_buffers);
    fail_unless_equals_int((int)plain.size(), 1);
    fail_unless(!plain[0].interim);

    std::vector<GstStructure*> messages;
    int tags = 0;
    std::vector<GstBuffer*> buffers = run_interim(frames, "interim=1", &messages, &tags);
    const std::vector<Result> results = results_of(buffers);
    /* interim at 1, 2, ... 6 s (the 6th arrives with the last frames, before the segment's end) */
    fail_unless_equals_int((int)results.size(), 7);
    emotion::models::Classifier direct(model_file("model_alstm_mean"));
    double worst = 0;
    for (int i = 0; i < 7; i++) {
        const Result& r = results[i];
        const bool interim = i < 6;
        check_posteriors(r, 4);
        fail_unless_equals_std_string(r.segment_id, "talk");
        fail_unless_equals_uint64(r.pts, start);
        fail_unless_equals_uint64(r.duration, (GstClockTime)(interim ? i + 1 : 6) * GST_SECOND);
        fail_unless(r.interim == interim, "result %d: interim %d", i, r.interim);
        const int count = interim ? (i + 1) * 100 : (int)kInterimFrames;
        worst = std::max(
            worst, max_diff(r.scores, direct.classify_frames(frames.data() + kInterimFirst * 36, count)));

        const GstStructure* m = messages.at(i);
        guint64 ts, duration;
        gboolean flag = FALSE;
        fail_unless(gst_structure_get_uint64(m, "timestamp", &ts) && ts == start);
        fail_unless(gst_structure_get_uint64(m, "duration", &duration) && duration == r.duration);
        fail_unless_equals_string(gst_structure_get_string(m, "segment-id"), "talk");
        if (interim)
            fail_unless(gst_structure_get_boolean(m, "interim", &flag) && flag, "message %d", i);
        else
            fail_unless(!gst_structure_has_field(m, "interim"), "the final message has no interim field");
    }
    fail_unless_equals_int((int)messages.size(), 7);
    free_structures(messages);
    printf("interim results: %d, durations 1-6 s; vs the model on the frames so far: max |diff| %.3e\n", 6,
           worst);
    fail_unless(worst <= 1e-6, "interim posteriors differ from the model's by %g", worst);
    /* the final result: as without interim, bit for bit; only it counts for the dominant emotion */
    fail_unless(results[6].scores == plain[0].scores, "interim results changed the final posteriors");
    fail_unless_equals_int(tags, 1);

    /* emotionsink: JSON Lines get every result, interim ones flagged */
    guint segments = 0;
    const std::string jsonl = temp_path("interim.jsonl");
    std::vector<GstStructure*> signalled = sink_results(buffers, jsonl, &segments);
    const std::vector<std::string> lines = lines_of(read_text(jsonl));
    fail_unless_equals_int((int)lines.size(), 7);
    for (int i = 0; i < 7; i++) {
        const bool interim = i < 6;
        fail_unless(lines[i].find("\"interim\":true") != std::string::npos ? interim : !interim,
                    "line %d: %s", i, lines[i].c_str());
        gboolean flag = FALSE;
        fail_unless((gst_structure_get_boolean(signalled.at(i), "interim", &flag) && flag) == interim,
                    "result signal %d", i);
    }
    fail_unless_equals_int((int)signalled.size(), 7);
    fail_unless_equals_int(segments, 1);
    free_structures(signalled);
    printf("JSON Lines, interim: %s\n", lines[0].substr(0, 120).c_str());

    /* WebVTT: the final cue only */
    const std::string vtt = temp_path("interim.vtt");
    signalled = sink_results(buffers, vtt, &segments);
    free_structures(signalled);
    const std::string text = read_text(vtt);
    size_t cues = 0;
    for (size_t at = text.find("-->"); at != std::string::npos; at = text.find("-->", at + 1)) cues++;
    fail_unless_equals_int((int)cues, 1);
    fail_unless(text.find("00:00:00.200 --> 00:00:06.200") != std::string::npos, "%s", text.c_str());
    fail_unless_equals_int(segments, 1);
    free_buffers(buffers);

    /* the speech gate applies to interim results as to final ones: with min-speech=1 the spans with a
     * pause give flagged no-speech results (tensor output: a GAP event instead of a buffer) */
    buffers = run_interim(frames, "interim=1 min-speech=1.0 no-speech=tag", &messages, NULL);
    fail_unless_equals_int((int)messages.size(), 7);
    int no_speech = 0, interim_no_speech = 0;
    for (int i = 0; i < 7; i++) {
        gboolean flag = FALSE;
        const bool gated = g_strcmp0(gst_structure_get_string(messages[i], "label"), "no-speech") == 0;
        no_speech += gated;
        interim_no_speech += gated && i < 6;
        fail_unless(!gated || gst_structure_has_field(messages[i], "speech"), "%d", i);
        fail_unless((gst_structure_get_boolean(messages[i], "interim", &flag) && flag) == (i < 6), "%d", i);
    }
    /* the last interim result and the final one cover the same frames: the same decision */
    fail_unless_equals_string(gst_structure_get_string(messages[5], "label"),
                              gst_structure_get_string(messages[6], "label"));
    fail_unless(interim_no_speech >= 1, "no interim span failed the gate; the test shows nothing");
    fail_unless_equals_int((int)buffers.size(), 7 - no_speech);
    printf("min-speech=1: %d of 6 interim results no-speech\n", interim_no_speech);
    free_buffers(buffers);
    free_structures(messages);
}

GST_END_TEST;

/* M2: the mu-law segments of one utterance give one result, the mean of the segments alone */
GST_START_TEST(test_apcnn_utterance_average) {
    std::string model = model_file("model_apcnn");
    std::string description = "apcnnclassify model=\"" + model + "\"";
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<std::vector<float>> segments(3, std::vector<float>(200 * 400));
    for (auto& s : segments)
        for (auto& v : s) v = uniform(rng);
    auto push_segment = [&](GstHarness* h, int i) {
        GstBuffer* b = gst_buffer_new_memdup(segments[i].data(), segments[i].size() * 4);
        GST_BUFFER_PTS(b) = i * 2 * GST_SECOND;
        GST_BUFFER_DURATION(b) = 4 * GST_SECOND;
        fail_unless_equals_int(gst_harness_push(h, b), GST_FLOW_OK);
    };

    GstHarness* alone = classifier_harness(description, MULAW_CAPS, NULL);
    for (int i = 0; i < 3; i++) push_segment(alone, i);
    gst_harness_push_event(alone, gst_event_new_eos());
    std::vector<Result> single = pull_results(alone);
    gst_harness_teardown(alone);
    fail_unless_equals_int((int)single.size(), 3);
    for (int i = 0; i < 3; i++) {
        check_posteriors(single[i], 4);
        fail_unless_equals_uint64(single[i].pts, i * 2 * GST_SECOND);
        fail_unless_equals_std_string(single[i].segment_id, "s" + std::to_string(i));
    }

    GstHarness* h = classifier_harness(description, MULAW_CAPS, NULL);
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("utt", NULL, NULL));
    for (int i = 0; i < 3; i++) push_segment(h, i);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("utt"));
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<Result> utterance = pull_results(h);
    gst_harness_teardown(h);
    fail_unless_equals_int((int)utterance.size(), 1);
    check_posteriors(utterance[0], 4);
    fail_unless_equals_string(utterance[0].segment_id.c_str(), "utt");
    fail_unless_equals_uint64(utterance[0].pts, 0);
    fail_unless_equals_uint64(utterance[0].duration, 8 * GST_SECOND);

    std::vector<float> mean(4, 0.0f);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 4; k++) mean[k] += single[i].scores[k] / 3;
    double d = max_diff(utterance[0].scores, mean);
    emotion::models::Classifier c(model);
    std::vector<const float*> parts = {segments[0].data(), segments[1].data(), segments[2].data()};
    double d2 = max_diff(utterance[0].scores, c.classify_segments(parts));
    printf("apcnnclassify utterance vs mean of single segments: max |diff| %.3e; vs core "
           "library %.3e\n",
           d, d2);
    fail_unless(d <= 1e-5);
    fail_unless(d2 <= 1e-6);
    /* averaging must matter: the segments alone disagree with each other */
    fail_unless(max_diff(single[0].scores, single[1].scores) > 1e-6);
}

GST_END_TEST;

/* M3 with a model built from the model_stl reference */
GST_START_TEST(test_stl_segments) {
    std::string model = model_file("model_stl");
    emotion::models::Classifier c(model);
    const int k = c.num_classes();
    std::vector<float> frames = lld_frames("lld/emodb_16b10Tb.wav");
    GstHarness* h = classifier_harness("stlclassify model=\"" + model + "\"", LLD_CAPS, NULL);
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("x", NULL, NULL));
    fail_unless_equals_int(push_frames(h, frames, 0, 200), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("x"));
    /* shorter than the 16 frames M3 needs: no result, no error */
    gst_harness_push_event(h, gst_emotion_event_new_segment_start("tiny", NULL, NULL));
    fail_unless_equals_int(push_frames(h, frames, 200, 10), GST_FLOW_OK);
    gst_harness_push_event(h, gst_emotion_event_new_segment_end("tiny"));
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<Result> results = pull_results(h);
    gst_harness_teardown(h);
    fail_unless_equals_int((int)results.size(), 1);
    check_posteriors(results[0], k);
    fail_unless_equals_uint64(results[0].duration, 2 * GST_SECOND);
    double d = max_diff(results[0].scores, direct_posteriors(model, frames.data(), 200));
    printf("stlclassify vs core library: max |diff| %.3e (K=%d)\n", d, k);
    fail_unless(d <= 1e-6);
}

GST_END_TEST;

/* silence through lldextract and the classifier, ungated (min-speech=0): finite posteriors */
GST_START_TEST(test_silence_finite) {
    std::string description = "lldextract ! " + alstm_description("window=1.0 hop=1.0 min-speech=0");
    GstHarness* h = gst_harness_new_parse(description.c_str());
    gst_harness_set_src_caps_str(h, AUDIO_CAPS);
    std::vector<float> silence(16000 * 3, 0.0f);
    fail_unless(push_samples(h, silence, []() { return 1600; }));
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<Result> results = pull_results(h);
    fail_unless(results.size() >= 2);
    for (const auto& r : results) check_posteriors(r, 4);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* ---- bad input ---------------------------------------------------------------------------- */

/* The classifier alone in a pipeline taken to PAUSED: the state change fails with an error. */
static std::string start_error(const std::string& description) {
    GstElement* pipeline = gst_pipeline_new(NULL);
    gst_bin_add(GST_BIN(pipeline), launch(description));
    std::string error = pause_error(pipeline);
    gst_object_unref(pipeline);
    printf("  %s -> %s\n", description.c_str(), error.c_str());
    fail_unless(!error.empty());
    return error;
}

/* interim between 0 and 0.5 s: an error at start */
GST_START_TEST(test_interim_too_short_n) {
    std::string e = start_error(alstm_description("interim=0.2"));
    fail_unless(e.find("Invalid interim 0.2") != std::string::npos, "%s", e.c_str());
}

GST_END_TEST;

GST_START_TEST(test_missing_model_n) {
    std::string e = start_error("alstmclassify model=/nonexistent/m.safetensors");
    fail_unless(e.find("/nonexistent/m.safetensors") != std::string::npos);
}

GST_END_TEST;

GST_START_TEST(test_corrupt_model_n) {
    std::string good = read_text(model_file("model_alstm_mean"));
    fail_unless(good.size() > 1000);
    std::string truncated = temp_path("truncated.safetensors");
    std::string garbage = temp_path("garbage.safetensors");
    std::string empty = temp_path("empty.safetensors");
    fail_unless(g_file_set_contents(truncated.c_str(), good.data(), good.size() / 2, NULL));
    std::string junk(4096, '\0');
    std::mt19937 rng(3);
    for (auto& c : junk) c = (char)(rng() & 0xff);
    fail_unless(g_file_set_contents(garbage.c_str(), junk.data(), junk.size(), NULL));
    fail_unless(g_file_set_contents(empty.c_str(), "", 0, NULL));
    for (const auto& path : {truncated, garbage, empty}) {
        std::string e = start_error("alstmclassify model=\"" + path + "\"");
        fail_unless(e.find(path) != std::string::npos, "error does not name the file: %s", e.c_str());
    }
}

GST_END_TEST;

GST_START_TEST(test_wrong_architecture_n) {
    std::string e = start_error("stlclassify model=\"" + model_file("model_alstm_mean") + "\"");
    fail_unless(e.find("alstm") != std::string::npos && e.find("stl") != std::string::npos);
    e = start_error("apcnnclassify model=\"" + model_file("model_stl") + "\"");
    fail_unless(e.find("stl") != std::string::npos && e.find("apcnn") != std::string::npos);
}

GST_END_TEST;

GST_START_TEST(test_no_model_n) {
    std::string empty = temp_path("no-models");
    g_mkdir_with_parents(empty.c_str(), 0755);
    g_setenv("GST_EMOTION_MODEL_PATH", empty.c_str(), TRUE);
    /* Without `model`, the element looks in GST_EMOTION_MODEL_PATH, then the installed and the
     * source models folders: an architecture the source tree ships a model for starts with it;
     * one without a shipped model fails cleanly. */
    const gchar* shipped_dir = g_getenv("EMOTION_SOURCE_MODELS");
    fail_unless(shipped_dir != NULL, "EMOTION_SOURCE_MODELS is not set (tests/meson.build sets it)");
    const std::pair<const char*, const char*> elements[] = {{"stlclassify", "stl"},
                                                            {"apcnnclassify", "apcnn"},
                                                            {"alstmclassify", "alstm"},
                                                            {"ksmmtransformer", "ksmm"}};
    for (const auto& [factory, architecture] : elements) {
        const std::string file = std::string(shipped_dir) + "/" + architecture + ".safetensors";
        const bool shipped = g_file_test(file.c_str(), G_FILE_TEST_IS_REGULAR);
        GstElement* pipeline = gst_pipeline_new(NULL);
        gst_bin_add(GST_BIN(pipeline), gst_element_factory_make(factory, NULL));
        GstBus* bus = gst_element_get_bus(pipeline);
        GstStateChangeReturn ret = gst_element_set_state(pipeline, GST_STATE_PAUSED);
        std::string e = error_of(bus);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_object_unref(bus);
        gst_object_unref(pipeline);
        printf("  %s (%s model %s): %s\n", factory, architecture, shipped ? "shipped" : "not shipped",
               ret == GST_STATE_CHANGE_FAILURE ? e.c_str() : "started");
        if (shipped)
            fail_unless(ret != GST_STATE_CHANGE_FAILURE, "%s: %s", factory, e.c_str());
        else
            fail_unless(e.find("No model file") != std::string::npos, "%s: %s", factory, e.c_str());
    }

    /* a model in GST_EMOTION_MODEL_PATH is found */
    std::string stl = read_text(model_file("model_stl"));
    std::string in_path = empty + "/stl.safetensors";
    fail_unless(g_file_set_contents(in_path.c_str(), stl.data(), stl.size(), NULL));
    GstElement* pipeline = gst_pipeline_new(NULL);
    gst_bin_add(GST_BIN(pipeline), gst_element_factory_make("stlclassify", NULL));
    fail_unless(gst_element_set_state(pipeline, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    g_unsetenv("GST_EMOTION_MODEL_PATH");
    g_unlink(in_path.c_str());
    g_rmdir(empty.c_str());
}

GST_END_TEST;

/* mu-law segments into an LLD classifier: a clear error naming both sides, no crash */
GST_START_TEST(test_mismatched_features_n) {
    std::string description = "audiotestsrc num-buffers=100 samplesperbuffer=1600 ! "
                              "audio/x-raw,format=F32LE,rate=16000,channels=1 ! mulawspec name=spec ! "
                              "alstmclassify name=cls model=\"" +
                              model_file("model_alstm_mean") + "\" ! fakesink";
    GError* err = NULL;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &err);
    std::string message;
    if (err) {
        /* linking already fails: gst_parse_launch names both elements */
        message = err->message;
        g_clear_error(&err);
    }
    if (pipeline) {
        if (message.empty()) message = run_pipeline(pipeline);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_object_unref(pipeline);
    }
    printf("mulawspec ! alstmclassify -> %s\n", message.c_str());
    fail_unless(!message.empty());
    fail_unless(message.find("spec") != std::string::npos || message.find("200:400") != std::string::npos,
                "%s", message.c_str());
    fail_unless(message.find("cls") != std::string::npos || message.find("36:1") != std::string::npos, "%s",
                message.c_str());
}

GST_END_TEST;

/* caps of the right kind but the wrong size reach the element: negotiation error */
GST_START_TEST(test_wrong_dimensions_n) {
    GstBus* bus;
    GstHarness* h = gst_harness_new_parse(alstm_description().c_str());
    bus = gst_bus_new();
    gst_element_set_bus(h->element, bus);
    gst_harness_set_src_caps_str(h, "other/tensors,format=static,num_tensors=1,types=float32,"
                                    "dimensions=(string)40:1,framerate=100/1");
    float frame[40] = {0};
    GstBuffer* b = gst_buffer_new_memdup(frame, sizeof(frame));
    GstFlowReturn ret = gst_harness_push(h, b);
    fail_unless(ret != GST_FLOW_OK);
    harness_teardown(h, bus);
}

GST_END_TEST;

/* a buffer that is not a whole number of 36-float frames: a clean stream error naming the sizes */
GST_START_TEST(test_partial_frame_n) {
    GstBus* bus;
    GstHarness* h = classifier_harness(alstm_description(), LLD_CAPS, &bus);
    fail_unless_equals_int(push_partial_frame(h, bus), GST_FLOW_ERROR);
    harness_teardown(h, bus);
}

GST_END_TEST;

/* EOS right away: no result, no error */
GST_START_TEST(test_empty_stream_n) {
    GstBus* bus;
    GstHarness* h = classifier_harness(alstm_description(), LLD_CAPS, &bus);
    gst_harness_push_event(h, gst_event_new_eos());
    fail_unless_equals_int((int)pull_results(h).size(), 0);
    fail_unless_equals_std_string(error_of(bus), "");
    fail_unless_equals_int((int)element_messages(bus, "emotion").size(), 0);
    harness_teardown(h, bus);

    /* a real empty stream: zero samples through the whole chain */
    std::string wav = temp_path("empty.wav");
    const char header[44] = {'R', 'I', 'F', 'F', 36, 0, 0,   0,   'W', 'A',        'V',  'E', 'f', 'm', 't',
                             ' ', 16,  0,   0,   0,  1, 0,   1,   0,   (char)0x80, 0x3e, 0,   0,   0,   0x7d,
                             0,   0,   2,   0,   16, 0, 'd', 'a', 't', 'a',        0,    0,   0,   0};
    fail_unless(g_file_set_contents(wav.c_str(), header, 44, NULL));
    std::string description = "filesrc location=\"" + wav +
                              "\" ! wavparse ! audioconvert ! "
                              "audioresample ! lldextract ! " +
                              alstm_description() + " ! fakesink";
    GstElement* pipeline = gst_parse_launch(description.c_str(), NULL);
    std::string error = run_pipeline(pipeline);
    printf("empty WAV -> '%s'\n", error.c_str());
    fail_unless_equals_string(error.c_str(), "");
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* EOS without any segment event and fewer frames than one window: the partial window only */
GST_START_TEST(test_eos_without_segments) {
    std::vector<float> frames = lld_frames("lld/emodb_08a02Wc.wav");
    GstHarness* h = classifier_harness(alstm_description(), LLD_CAPS, NULL);
    fail_unless_equals_int(push_frames(h, frames, 0, 120), GST_FLOW_OK);
    fail_unless_equals_int((int)pull_results(h).size(), 0);
    gst_harness_push_event(h, gst_event_new_eos());
    std::vector<Result> results = pull_results(h);
    fail_unless_equals_int((int)results.size(), 1);
    fail_unless_equals_uint64(results[0].duration, 1200 * GST_MSECOND);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* ---- pipelines ---------------------------------------------------------------------------- */

struct Collected {
    std::vector<std::vector<float>> scores;
    std::vector<GstClockTime> pts;
};

/* appsink's new-sample handler: returns the flow appsink passes upstream (a void handler left
 * it whatever the register held: UBSan saw invalid GstFlowReturn values in lldextract) */
static GstFlowReturn collect_sample(GstElement* sink, Collected** target) {
    GstSample* sample = NULL;
    g_signal_emit_by_name(sink, "pull-sample", &sample);
    if (!sample) return GST_FLOW_OK;
    GstBuffer* b = gst_sample_get_buffer(sample);
    Result r = to_result(b, false);
    (*target)->scores.push_back(r.scores);
    (*target)->pts.push_back(r.pts);
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

static std::string file_pipeline(const std::string& wav, const std::string& extra = "") {
    return "filesrc location=\"" + wav +
           "\" ! wavparse ! audioconvert ! audioresample ! "
           "lldextract ! " +
           alstm_description(("window=1.0 hop=0.5 " + extra).c_str()) +
           " ! appsink name=sink sync=false emit-signals=true";
}

static Collected run_file(const std::string& wav) {
    GstElement* pipeline = gst_parse_launch(file_pipeline(wav).c_str(), NULL);
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    Collected out;
    Collected* target = &out;
    g_signal_connect(sink, "new-sample", G_CALLBACK(collect_sample), &target);
    std::string error = run_pipeline(pipeline);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    fail_unless_equals_string(error.c_str(), "");
    return out;
}

GST_START_TEST(test_state_changes) {
    std::string wav = reference("lld/emodb_08a02Wc.wav");
    GstElement* pipeline = gst_parse_launch(file_pipeline(wav).c_str(), NULL);
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    Collected out;
    Collected* target = &out;
    g_signal_connect(sink, "new-sample", G_CALLBACK(collect_sample), &target);
    size_t per_run = 0;
    for (int i = 0; i < 20; i++) {
        out = Collected();
        fail_unless_equals_std_string(run_pipeline(pipeline), "");
        fail_unless(out.scores.size() > 0);
        if (i == 0) per_run = out.scores.size();
        fail_unless_equals_int((int)out.scores.size(), (int)per_run);
        fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    }
    /* and up and down without data */
    pause_and_stop(pipeline, 20);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* A seek may go back: results after it are those of a first run (balance=speaker forgets the
 * voices it heard, as speaker normalisation does). */
static void check_flushing_seek(const std::string& extra) {
    std::string wav = reference("lld/emodb_08a02Wc.wav");
    GstElement* pipeline = gst_parse_launch(file_pipeline(wav, extra).c_str(), NULL);
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstBus* bus = gst_element_get_bus(pipeline);
    Collected run1, run2;
    Collected* target = &run1;
    g_signal_connect(sink, "new-sample", G_CALLBACK(collect_sample), &target);
    fail_unless_equals_std_string(run_pipeline(pipeline), "");
    fail_unless(run1.scores.size() >= 2);
    target = &run2;
    fail_unless(gst_element_seek_simple(pipeline, GST_FORMAT_TIME,
                                        (GstSeekFlags)(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE), 0));
    GstMessage* m = gst_bus_timed_pop_filtered(bus, test_wait(30 * GST_SECOND),
                                               (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    fail_unless(m != NULL && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS);
    gst_message_unref(m);
    fail_unless_equals_int((int)run2.scores.size(), (int)run1.scores.size());
    double worst = 0;
    for (size_t i = 0; i < run1.scores.size(); i++) {
        fail_unless_equals_uint64(run1.pts[i], run2.pts[i]);
        worst = std::max(worst, max_diff(run1.scores[i], run2.scores[i]));
    }
    printf("after flushing seek (%s): %zu results, max |diff| %.3e\n", extra.c_str(), run1.scores.size(),
           worst);
    fail_unless(worst == 0.0);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
}

GST_START_TEST(test_flushing_seek) {
    check_flushing_seek("");
    check_flushing_seek("balance=speaker");
}

GST_END_TEST;

GST_START_TEST(test_parallel_pipelines) {
    std::string wav = reference("lld/emodb_16b10Tb.wav");
    model_file("model_alstm_mean");
    Collected a, b;
    std::thread ta([&]() { a = run_file(wav); });
    std::thread tb([&]() { b = run_file(wav); });
    ta.join();
    tb.join();
    fail_unless(a.scores.size() >= 2);
    fail_unless_equals_int((int)a.scores.size(), (int)b.scores.size());
    double worst = 0;
    for (size_t i = 0; i < a.scores.size(); i++) worst = std::max(worst, max_diff(a.scores[i], b.scores[i]));
    printf("two parallel pipelines: %zu results each, max |diff| %.3e\n", a.scores.size(), worst);
    fail_unless(worst == 0.0);
}

GST_END_TEST;

static Suite* classifiers_suite(void) {
    Suite* s = suite_create("classifiers");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_alstm_segments);
    tcase_add_test(tc, test_text_output);
    tcase_add_test(tc, test_text_output_cue_format);
    tcase_add_test(tc, test_affect_threshold_temperature);
    tcase_add_test(tc, test_fallback_windows);
    tcase_add_test(tc, test_balance_speaker);
    tcase_add_test(tc, test_max_duration_parts);
    tcase_add_test(tc, test_eos_open_segment);
    tcase_add_test(tc, test_interim_results);
    tcase_add_test(tc, test_interim_too_short_n);
    tcase_add_test(tc, test_apcnn_utterance_average);
    tcase_add_test(tc, test_stl_segments);
    tcase_add_test(tc, test_silence_finite);
    tcase_add_test(tc, test_missing_model_n);
    tcase_add_test(tc, test_corrupt_model_n);
    tcase_add_test(tc, test_wrong_architecture_n);
    tcase_add_test(tc, test_no_model_n);
    tcase_add_test(tc, test_mismatched_features_n);
    tcase_add_test(tc, test_wrong_dimensions_n);
    tcase_add_test(tc, test_partial_frame_n);
    tcase_add_test(tc, test_empty_stream_n);
    tcase_add_test(tc, test_eos_without_segments);
    tcase_add_test(tc, test_state_changes);
    tcase_add_test(tc, test_flushing_seek);
    tcase_add_test(tc, test_parallel_pipelines);
    return s;
}

GST_CHECK_MAIN(classifiers);
