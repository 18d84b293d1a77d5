/* emotionfuse tests: three classifiers over one EmoDB file through a tee, the fused posteriors
 * checked against the weighted, overlap-weighted mean of the inputs' own `emotion` messages;
 * weights that change the result; different label sets, bad weights (clean errors); one input
 * ending early; state cycles and a flushing seek; inputs whose segments differ a lot (no stall in
 * a non-live pipeline with default queues); the reference's segment events reaching emotionsink's
 * evaluation; the latency of a live pipeline; interim input results not fused. */
#include <cmath>

#include "test_emotion_common.h"

#include <algorithm>
#include <map>

using namespace emotion_test;

namespace {

/* One result as its `emotion` message tells it. */
struct Span {
    guint64 start = 0, end = 0;
    std::vector<double> scores;
};

std::string shipped(const std::string& architecture) {
    const gchar* dir = g_getenv("EMOTION_SOURCE_MODELS");
    fail_unless(dir != NULL, "EMOTION_SOURCE_MODELS is not set (tests/meson.build sets it)");
    return std::string(dir) + "/" + architecture + ".safetensors";
}

/* The `emotion` messages of one model (by its `model` field), in order. */
std::vector<Span> spans_of(const Run& run, const std::string& model) {
    std::vector<Span> out;
    for (const GstStructure* s : run.named("emotion")) {
        if (model != gst_structure_get_string(s, "model")) continue;
        Span span;
        guint64 duration = 0;
        gst_structure_get_uint64(s, "timestamp", &span.start);
        gst_structure_get_uint64(s, "duration", &duration);
        span.end = span.start + duration;
        const GValue* scores = gst_structure_get_value(s, "scores");
        for (guint k = 0; k < gst_value_array_get_size(scores); k++)
            span.scores.push_back(g_value_get_double(gst_value_array_get_value(scores, k)));
        out.push_back(span);
    }
    return out;
}

/* What emotionfuse must give for the reference span `ref` (inputs[0][n]): the reference's own
 * posteriors, and per other input the mean of its spans weighted by overlap; then the weighted
 * mean over the inputs that overlap. */
std::vector<double> expected_fusion(const Span& ref, const std::vector<std::vector<Span>>& inputs,
                                    const std::vector<double>& weights) {
    std::vector<double> sum(ref.scores.size(), 0.0);
    double total = 0;
    for (size_t i = 0; i < inputs.size(); i++) {
        std::vector<double> mean(ref.scores.size(), 0.0);
        double covered = 0;
        for (const Span& s : i == 0 ? std::vector<Span>{ref} : inputs[i]) {
            const double overlap = (double)std::min(s.end, ref.end) - (double)std::max(s.start, ref.start);
            if (overlap <= 0) continue;
            for (size_t k = 0; k < mean.size(); k++) mean[k] += overlap * s.scores[k];
            covered += overlap;
        }
        if (covered <= 0) continue;
        for (size_t k = 0; k < sum.size(); k++) sum[k] += weights[i] * mean[k] / covered;
        total += weights[i];
    }
    for (double& v : sum) v /= total;
    return sum;
}

const char* kModels[] = {"alstm.safetensors", "apcnn.safetensors", "stl.safetensors"};
const char* kFusedModel = "fusion(alstm.safetensors+apcnn.safetensors+stl.safetensors)";

/* alstm (1 s windows every 0.5 s, the reference), apcnn (mu-law segments), stl (1.5 s windows)
 * over `wav`, fused with `weights`, into emotionsink. */
std::string three_classifiers(const std::string& wav, const std::string& weights, const std::string& sink) {
    return "filesrc location=\"" + wav + "\" ! wavparse ! audioconvert ! audioresample ! tee name=t " +
           "t. ! queue ! lldextract ! alstmclassify model=\"" + shipped("alstm") +
           "\" window=1 hop=0.5 ! f.sink_0 " + "t. ! queue ! mulawspec ! apcnnclassify model=\"" +
           shipped("apcnn") + "\" ! f.sink_1 " + "t. ! queue ! lldextract ! stlclassify model=\"" +
           shipped("stl") + "\" window=1.5 hop=1.5 ! f.sink_2 emotionfuse name=f weights=" + weights +
           " ! emotionsink " + sink;
}

/* Every fused span equals expected_fusion of the inputs' messages; returns the fused spans. */
std::vector<Span> check_fusion(const Run& run, const std::vector<double>& weights) {
    std::vector<std::vector<Span>> inputs;
    for (const char* model : kModels) inputs.push_back(spans_of(run, model));
    std::vector<Span> fused = spans_of(run, kFusedModel);
    fail_unless_equals_int((int)fused.size(), (int)inputs[0].size());
    double worst = 0;
    for (size_t n = 0; n < fused.size(); n++) {
        fail_unless_equals_uint64(fused[n].start, inputs[0][n].start);
        fail_unless_equals_uint64(fused[n].end, inputs[0][n].end);
        std::vector<double> expected = expected_fusion(inputs[0][n], inputs, weights);
        for (size_t k = 0; k < expected.size(); k++)
            worst = std::max(worst, std::fabs(expected[k] - fused[n].scores[k]));
    }
    printf("%zu fused results (inputs %zu/%zu/%zu), max |fused - expected| %.2e\n", fused.size(),
           inputs[0].size(), inputs[1].size(), inputs[2].size(), worst);
    fail_unless(worst < 1e-6, "max difference %g", worst);
    return fused;
}

double max_difference(const std::vector<Span>& a, const std::vector<Span>& b) {
    double worst = 0;
    for (size_t n = 0; n < std::min(a.size(), b.size()); n++)
        for (size_t k = 0; k < a[n].scores.size(); k++)
            worst = std::max(worst, std::fabs(a[n].scores[k] - b[n].scores[k]));
    return worst;
}

const std::string kLongWav = "wav/08b03Tc.wav";
const std::string kShortWav = "wav/03a01Fa.wav";

} // namespace

GST_START_TEST(test_fused_is_weighted_mean) {
    if (!have_emodb("test_fused_is_weighted_mean")) return;
    const std::string jsonl = temp_path("fused.jsonl");
    Run run;
    run_launch(three_classifiers(emodb(kLongWav), "1,1,2", "location=\"" + jsonl + "\""), &run);
    fail_unless_equals_std_string(run.error, "");
    std::vector<Span> fused = check_fusion(run, {1, 1, 2});
    fail_unless(fused.size() >= 4);
    /* emotionsink downstream writes one line per fused result */
    fail_unless_equals_int((int)lines_of(read_text(jsonl)).size(), (int)fused.size());
    fail_unless(read_text(jsonl).find("fusion(") != std::string::npos);
}

GST_END_TEST;

GST_START_TEST(test_weights_change_result) {
    if (!have_emodb("test_weights_change_result")) return;
    Run equal, heavy;
    run_launch(three_classifiers(emodb(kLongWav), "1,1,1", ""), &equal);
    run_launch(three_classifiers(emodb(kLongWav), "1,1,10", ""), &heavy);
    fail_unless_equals_std_string(equal.error, "");
    fail_unless_equals_std_string(heavy.error, "");
    std::vector<Span> a = check_fusion(equal, {1, 1, 1}), b = check_fusion(heavy, {1, 1, 10});
    const double difference = max_difference(a, b);
    printf("weights 1,1,1 vs 1,1,10: max |difference| %.3f\n", difference);
    fail_unless(difference > 1e-2);
}

GST_END_TEST;

/* Fused results carry arousal/valence of the fused posteriors and honour `threshold`. */
GST_START_TEST(test_fused_affect_and_threshold) {
    if (!have_emodb("test_fused_affect_and_threshold")) return;
    const double points[4][2] = {{0.8, -0.6}, {0.6, 0.8}, {0.0, 0.0}, {-0.6, -0.7}};
    const double threshold = 0.6;
    Run run;
    run_launch("filesrc location=\"" + emodb(kLongWav) +
                   "\" ! wavparse ! audioconvert ! audioresample ! lldextract ! tee name=t "
                   "t. ! queue ! alstmclassify window=1 hop=0.5 model=\"" +
                   shipped("alstm") + "\" ! f.sink_0 t. ! queue ! stlclassify window=1 hop=0.5 model=\"" +
                   shipped("stl") + "\" ! f.sink_1 emotionfuse name=f threshold=0.6 ! emotionsink",
               &run, 60 * GST_SECOND);
    fail_unless_equals_std_string(run.error, "");
    int fused = 0, uncertain_count = 0;
    for (const GstStructure* s : run.named("emotion")) {
        if (!g_str_has_prefix(gst_structure_get_string(s, "model"), "fusion(")) continue;
        fused++;
        const GValue* scores = gst_structure_get_value(s, "scores");
        double arousal = 0, valence = 0, top = 0;
        for (guint k = 0; k < 4; k++) {
            double p = g_value_get_double(gst_value_array_get_value(scores, k));
            arousal += p * points[k][0];
            valence += p * points[k][1];
            top = std::max(top, p);
        }
        gdouble a, v;
        gboolean uncertain;
        fail_unless(gst_structure_get_double(s, "arousal", &a) && gst_structure_get_double(s, "valence", &v));
        fail_unless(std::fabs(a - arousal) < 1e-5 && std::fabs(v - valence) < 1e-5);
        fail_unless(gst_structure_get_boolean(s, "uncertain", &uncertain));
        fail_unless_equals_int(uncertain, top < threshold);
        uncertain_count += uncertain;
    }
    printf("%d fused results, %d below threshold %.1f\n", fused, uncertain_count, threshold);
    fail_unless(fused >= 4);
}

GST_END_TEST;

/* Interim results of the inputs are not fused: the fused results are those without them. */
GST_START_TEST(test_interim_inputs_not_fused) {
    if (!have_emodb("test_interim_inputs_not_fused")) return;
    auto fused_of = [](const char* interim, int* interim_inputs) {
        Run run;
        run_launch(
            "filesrc location=\"" + emodb(kLongWav) +
                "\" ! wavparse ! audioconvert ! audioresample ! lldextract segmentation=vad ! tee name=t "
                "t. ! queue ! alstmclassify " +
                interim + " model=\"" + shipped("alstm") + "\" ! f.sink_0 t. ! queue ! stlclassify " +
                interim + " model=\"" + shipped("stl") + "\" ! f.sink_1 emotionfuse name=f ! emotionsink",
            &run, 60 * GST_SECOND);
        fail_unless_equals_std_string(run.error, "");
        *interim_inputs = 0;
        for (const GstStructure* s : run.named("emotion")) {
            gboolean flag = FALSE;
            const bool interim_result = gst_structure_get_boolean(s, "interim", &flag) && flag;
            const bool fused = g_str_has_prefix(gst_structure_get_string(s, "model"), "fusion(");
            fail_unless(!(fused && interim_result), "a fused interim result");
            *interim_inputs += interim_result;
        }
        return spans_of(run, "fusion(alstm.safetensors+stl.safetensors)");
    };
    int none = 0, interim_inputs = 0;
    const std::vector<Span> plain = fused_of("", &none);
    const std::vector<Span> with_interim = fused_of("interim=1", &interim_inputs);
    fail_unless(!plain.empty() && none == 0 && interim_inputs > 0);
    fail_unless_equals_int((int)with_interim.size(), (int)plain.size());
    for (size_t n = 0; n < plain.size(); n++) {
        fail_unless_equals_uint64(with_interim[n].start, plain[n].start);
        fail_unless_equals_uint64(with_interim[n].end, plain[n].end);
    }
    fail_unless(max_difference(with_interim, plain) == 0.0);
    printf("%d interim input results dropped; %zu fused results as without them\n", interim_inputs,
           plain.size());
}

GST_END_TEST;

GST_START_TEST(test_label_mismatch_n) {
    if (!have_emodb("test_label_mismatch_n")) return;
    const std::string other = model_file("model_alstm", "angry,happy,neutral,fear");
    Run run;
    run_launch("filesrc location=\"" + emodb(kShortWav) +
                   "\" ! wavparse ! audioconvert ! audioresample ! lldextract ! tee name=t "
                   "t. ! queue ! alstmclassify model=\"" +
                   shipped("alstm") + "\" ! f.sink_0 t. ! queue ! alstmclassify model=\"" + other +
                   "\" ! f.sink_1 emotionfuse name=f ! emotionsink",
               &run, 60 * GST_SECOND);
    fail_unless(run.error.find("different emotions") != std::string::npos, "%s", run.error.c_str());
    fail_unless(run.error.find("fear") != std::string::npos, "%s", run.error.c_str());
}

GST_END_TEST;

GST_START_TEST(test_bad_weights_n) {
    const std::string inputs =
        "audiotestsrc num-buffers=10 ! audio/x-raw,rate=16000,channels=1 ! lldextract ! "
        "alstmclassify model=\"" +
        shipped("alstm") +
        "\" ! f.sink_0 audiotestsrc num-buffers=10 ! "
        "audio/x-raw,rate=16000,channels=1 ! lldextract ! "
        "alstmclassify model=\"" +
        shipped("alstm") + "\" ! f.sink_1 ";
    const std::pair<const char*, const char*> cases[] = {{"1,0", "positive"},
                                                         {"1,-2", "positive"},
                                                         {"1,x", "not a number"},
                                                         {"1,1,1", "3 values for 2 sink pads"}};
    for (const auto& [weights, why] : cases) {
        GstElement* pipeline = launch(inputs + "emotionfuse name=f weights=" + weights + " ! fakesink");
        std::string error = pause_error(pipeline);
        gst_object_unref(pipeline);
        fail_unless(error.find("Cannot fuse with weights") != std::string::npos, "%s", error.c_str());
        fail_unless(error.find(why) != std::string::npos, "%s: %s", weights, error.c_str());
    }
}

GST_END_TEST;

/* text output: one line per fused result as cue-format says; an unknown placeholder fails at start */
GST_START_TEST(test_text_output_cue_format) {
    const std::string out = temp_path("fused-cues.txt");
    const std::string branch =
        "lldextract segmentation=vad ! alstmclassify model=\"" + shipped("alstm") + "\"";
    const std::string inputs =
        "filesrc location=\"" + shared_dir() +
        "/reference/lld/emodb_08a02Wc.wav\" ! decodebin ! audioconvert ! audioresample ! "
        "tee name=t  t. ! queue ! " +
        branch + " ! f.sink_0  t. ! queue ! " + branch + " ! f.sink_1  ";
    Run run;
    run_launch(
        inputs + "emotionfuse name=f cue-format=\"{label} {percent}%;\" ! text/x-raw ! filesink location=\"" +
            out + "\"",
        &run);
    fail_unless_equals_std_string(run.error, "");
    std::string fused_label;
    double confidence = 0;
    for (const GstStructure* s : run.named("emotion"))
        if (g_str_has_prefix(gst_structure_get_string(s, "model"), "fusion(")) {
            fused_label = gst_structure_get_string(s, "label");
            gst_structure_get_double(s, "confidence", &confidence);
        }
    gchar* expected = g_strdup_printf("%s %.0f%%;", fused_label.c_str(), std::round(100.0 * confidence));
    const std::string cues = read_text(out);
    printf("fused cue: '%s'\n", cues.c_str());
    fail_unless(!fused_label.empty());
    fail_unless_equals_string(cues.c_str(), expected); /* one segment, one cue */
    g_free(expected);

    GstElement* pipeline = launch(inputs + "emotionfuse name=f cue-format=\"{score}\" ! fakesink");
    const std::string error = pause_error(pipeline);
    gst_object_unref(pipeline);
    fail_unless(error.find("cue-format") != std::string::npos && error.find("{score}") != std::string::npos,
                "%s", error.c_str());
}

GST_END_TEST;

/* sink_1 hears a short file and ends early: later reference results are its own posteriors. */
GST_START_TEST(test_eos_on_one_pad) {
    if (!have_emodb("test_eos_on_one_pad")) return;
    const std::string alstm = "alstmclassify model=\"" + shipped("alstm") + "\" window=1 hop=1";
    Run run;
    run_launch("filesrc location=\"" + emodb(kLongWav) +
                   "\" ! wavparse ! audioconvert ! audioresample ! "
                   "lldextract ! " +
                   alstm + " name=long ! f.sink_0 filesrc location=\"" + emodb(kShortWav) +
                   "\" ! wavparse ! audioconvert ! audioresample ! lldextract ! stlclassify model=\"" +
                   shipped("stl") +
                   "\" window=1 hop=1 ! f.sink_1 emotionfuse name=f weights=1,3 ! emotionsink",
               &run);
    fail_unless_equals_std_string(run.error, "");
    std::vector<Span> reference = spans_of(run, "alstm.safetensors"),
                      short_input = spans_of(run, "stl.safetensors");
    std::vector<Span> fused = spans_of(run, "fusion(alstm.safetensors+stl.safetensors)");
    fail_unless_equals_int((int)fused.size(), (int)reference.size());
    size_t alone = 0;
    for (size_t n = 0; n < fused.size(); n++) {
        std::vector<double> expected = expected_fusion(reference[n], {reference, short_input}, {1, 3});
        for (size_t k = 0; k < expected.size(); k++)
            fail_unless(std::fabs(expected[k] - fused[n].scores[k]) < 1e-6);
        if (fused[n].start >= short_input.back().end) {
            alone++;
            fail_unless(max_difference({fused[n]}, {reference[n]}) < 1e-6);
        }
    }
    printf("%zu fused results, %zu after the short input's end\n", fused.size(), alone);
    fail_unless(alone >= 2);
}

GST_END_TEST;

/* The fused messages between now and EOS (or error) on `pipeline`'s bus. */
static std::vector<std::vector<double>> fused_until_eos(GstElement* pipeline) {
    std::vector<std::vector<double>> out;
    GstBus* bus = gst_element_get_bus(pipeline);
    while (true) {
        GstMessage* m = gst_bus_timed_pop(bus, test_wait(60 * GST_SECOND));
        fail_unless(m != NULL, "no EOS within 60 s");
        const GstMessageType type = GST_MESSAGE_TYPE(m);
        fail_unless(type != GST_MESSAGE_ERROR);
        if (type == GST_MESSAGE_ELEMENT && gst_structure_has_name(gst_message_get_structure(m), "emotion") &&
            g_str_has_prefix(gst_structure_get_string(gst_message_get_structure(m), "model"), "fusion(")) {
            const GValue* scores = gst_structure_get_value(gst_message_get_structure(m), "scores");
            std::vector<double> v;
            for (guint k = 0; k < gst_value_array_get_size(scores); k++)
                v.push_back(g_value_get_double(gst_value_array_get_value(scores, k)));
            out.push_back(v);
        }
        gst_message_unref(m);
        if (type == GST_MESSAGE_EOS) break;
    }
    gst_object_unref(bus);
    return out;
}

GST_START_TEST(test_state_cycles_and_seek) {
    if (!have_emodb("test_state_cycles_and_seek")) return;
    GstElement* pipeline = launch(three_classifiers(emodb(kShortWav), "1,2,1", ""));
    std::vector<std::vector<double>> first;
    for (int i = 0; i < 5; i++) {
        fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
        std::vector<std::vector<double>> fused = fused_until_eos(pipeline);
        fail_unless(!fused.empty());
        if (i == 0) first = fused;
        fail_unless(fused == first, "run %d differs", i);
        if (i == 4) {
            /* a flushing seek back to the start: the same results again */
            fail_unless(gst_element_seek_simple(
                pipeline, GST_FORMAT_TIME, (GstSeekFlags)(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE), 0));
            fail_unless(fused_until_eos(pipeline) == first, "after the flushing seek");
        }
        fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    }
    printf("5 runs and a flushing seek: %zu fused results each\n", first.size());
    pause_and_stop(pipeline, 10);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* 30 s of noise: 0.5 s results on sink_0, 10 s results on sink_2, default queues (1 s): the
 * first branch runs far ahead of the last, which must not stall the pipeline. Noise has no
 * speech: min-speech=0 keeps every window's result. */
GST_START_TEST(test_different_spans_no_stall) {
    const std::string description =
        "audiotestsrc wave=pink-noise num-buffers=300 samplesperbuffer=1600 ! "
        "audio/x-raw,format=F32LE,rate=16000,channels=1 ! tee name=t "
        "t. ! queue ! lldextract ! alstmclassify model=\"" +
        shipped("alstm") +
        "\" window=0.5 hop=0.5 min-speech=0 ! f.sink_0 t. ! queue ! mulawspec ! apcnnclassify model=\"" +
        shipped("apcnn") + "\" ! f.sink_1 t. ! queue ! lldextract ! stlclassify model=\"" + shipped("stl") +
        "\" window=10 hop=10 min-speech=0 ! f.sink_2 emotionfuse name=f ! emotionsink";
    Run run;
    run_launch(description, &run, 60 * GST_SECOND);
    fail_unless_equals_std_string(run.error, "");
    const std::vector<double> equal = {1, 1, 1};
    std::vector<Span> fused = check_fusion(run, equal);
    fail_unless_equals_int((int)fused.size(), 60);
}

GST_END_TEST;

/* The reference's segment events reach emotionsink: the fused results are evaluated. */
GST_START_TEST(test_evaluation_of_fused) {
    if (!have_emodb("test_evaluation_of_fused")) return;
    Run run;
    run_launch("emodatasetsrc location=\"" + emodb("manifest.csv") +
                   "\" labels=angry,happy,neutral,sad split=test test-speakers=emodb03 ! tee name=t "
                   "t. ! queue ! lldextract ! alstmclassify model=\"" +
                   shipped("alstm") + "\" ! f.sink_0 t. ! queue ! mulawspec ! apcnnclassify model=\"" +
                   shipped("apcnn") + "\" ! f.sink_1 emotionfuse name=f ! emotionsink",
               &run, 300 * GST_SECOND);
    fail_unless_equals_std_string(run.error, "");
    auto evaluation = run.named("emotion-evaluation");
    fail_unless_equals_int((int)evaluation.size(), 1);
    guint evaluated = 0;
    fail_unless(gst_structure_get_uint(evaluation[0], "evaluated", &evaluated));
    std::vector<Span> fused = spans_of(run, "fusion(alstm.safetensors+apcnn.safetensors)");
    fail_unless_equals_int((int)evaluated, (int)fused.size());
    fail_unless(fused.size() >= 10);
    for (const GstStructure* s : run.named("emotion"))
        if (g_str_has_prefix(gst_structure_get_string(s, "model"), "fusion("))
            fail_unless(gst_structure_get_string(s, "true-emotion") != NULL);
}

GST_END_TEST;

/* Live: the reported latency is the inputs' (a 3 s window) plus `timeout`, never the queue that
 * lets non-live inputs run ahead; every reference result is fused (of noise: min-speech=0). */
GST_START_TEST(test_live_latency) {
    const std::string live =
        "audiotestsrc is-live=true wave=pink-noise num-buffers=40 samplesperbuffer=1600 ! "
        "audio/x-raw,format=F32LE,rate=16000,channels=1 ! lldextract ! ";
    GstElement* pipeline =
        launch(live + "alstmclassify model=\"" + shipped("alstm") +
               "\" window=1 hop=1 min-speech=0 ! f.sink_0 " + live + "stlclassify model=\"" + shipped("stl") +
               "\" min-speech=0 ! f.sink_1 emotionfuse name=f timeout=0.5 ! emotionsink");
    fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    g_usleep(G_USEC_PER_SEC);
    /* asked at emotionfuse's src pad: emotionsink (sync=false) answers "not live" */
    GstElement* fuse = gst_bin_get_by_name(GST_BIN(pipeline), "f");
    GstPad* src = gst_element_get_static_pad(fuse, "src");
    GstQuery* query = gst_query_new_latency();
    fail_unless(gst_pad_query(src, query));
    gst_object_unref(src);
    gst_object_unref(fuse);
    gboolean is_live = FALSE;
    GstClockTime min = 0;
    gst_query_parse_latency(query, &is_live, &min, NULL);
    gst_query_unref(query);
    printf("live fusion: latency %.3f s\n", (double)min / GST_SECOND);
    fail_unless(is_live);
    fail_unless(min >= 3500 * GST_MSECOND && min < 10 * GST_SECOND, "latency %" GST_TIME_FORMAT,
                GST_TIME_ARGS(min));
    Run run;
    run_collect(pipeline, &run, 60 * GST_SECOND);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    fail_unless_equals_std_string(run.error, "");
    std::vector<Span> reference = spans_of(run, "alstm.safetensors");
    fail_unless(reference.size() >= 3);
    fail_unless_equals_int((int)spans_of(run, "fusion(alstm.safetensors+stl.safetensors)").size(),
                           (int)reference.size());
}

GST_END_TEST;

static Suite* emotionfuse_suite(void) {
    Suite* s = suite_create("emotionfuse");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_fused_affect_and_threshold);
    tcase_add_test(tc, test_label_mismatch_n);
    tcase_add_test(tc, test_interim_inputs_not_fused);
    tcase_add_test(tc, test_bad_weights_n);
    tcase_add_test(tc, test_text_output_cue_format);
    tcase_add_test(tc, test_eos_on_one_pad);
    tcase_add_test(tc, test_live_latency);
    tcase_add_test(tc, test_fused_is_weighted_mean);
    tcase_add_test(tc, test_weights_change_result);
    tcase_add_test(tc, test_state_cycles_and_seek);
    tcase_add_test(tc, test_different_spans_no_stall);
    tcase_add_test(tc, test_evaluation_of_fused);
    return s;
}

GST_CHECK_MAIN(emotionfuse);
