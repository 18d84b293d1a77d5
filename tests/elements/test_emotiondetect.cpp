/* emotiondetect tests: the same results as the explicit pipeline it replaces; the extractor and
 * classifier chosen from each model file's architecture; input in any raw format; several models
 * fused; interim results (proxied); bad model lists (clean errors); state cycles and a flushing seek; and,
 * live, results within the latency it reports (paced source, VAD segments longer than max-segment).
 * mode=train on a small EmoDB task: the same model tensors as the explicit extractor + classifier
 * pair, new or fine-tuned; resumption; progress while PLAYING; classifier-properties and
 * architecture reaching the classifier; bad training settings and classifier-properties (clean
 * errors). */
#include "test_emotion_common.h"
#include "test_time_scale.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "models/speaker_normalization.h"
#include "models/architecture.h"
#include "train/checkpoint.h"

using namespace emotion_test;

namespace {

std::string shipped(const std::string& architecture) {
    const gchar* dir = g_getenv("EMOTION_SOURCE_MODELS");
    fail_unless(dir != NULL, "EMOTION_SOURCE_MODELS is not set (tests/meson.build sets it)");
    return std::string(dir) + "/" + architecture + ".safetensors";
}

const std::string kWav = "wav/08b03Tc.wav"; /* 7.6 s of sad speech */

std::string decoded(const std::string& wav) {
    return "filesrc location=\"" + emodb(wav) + "\" ! wavparse ! ";
}

/* Plays `description` (ending in appsink name=sink) to EOS; its tensor results. */
std::vector<Result> results_of(const std::string& description) {
    GstElement* pipeline = launch(description);
    fail_unless_equals_std_string(run_pipeline(pipeline, 120 * GST_SECOND), "");
    std::vector<Result> results = appsink_results(pipeline);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    return results;
}

const char* kAppsink = " ! appsink name=sink sync=false wait-on-eos=false";

/* The factory of the inner element `name` of emotiondetect `detect` (in PAUSED). */
std::string inner_factory(GstElement* pipeline, const char* name) {
    GstElement* detect = gst_bin_get_by_name(GST_BIN(pipeline), "d");
    GstElement* inner = gst_bin_get_by_name(GST_BIN(detect), name);
    std::string factory = inner ? GST_OBJECT_NAME(gst_element_get_factory(inner)) : "";
    if (inner) gst_object_unref(inner);
    gst_object_unref(detect);
    return factory;
}

} // namespace

/* emotiondetect = audioconvert ! audioresample ! lldextract segmentation=vad ! stlclassify
 * max-duration=6: the same results, bit for bit. */
GST_START_TEST(test_same_as_explicit_pipeline) {
    if (!have_emodb("test_same_as_explicit_pipeline")) return;
    std::vector<Result> explicit_results =
        results_of(decoded(kWav) +
                   "audioconvert ! audioresample ! audio/x-raw,format=F32LE,rate=16000,channels=1 ! "
                   "lldextract segmentation=vad ! stlclassify max-duration=6 model=\"" +
                   shipped("stl") + "\"" + kAppsink);
    std::vector<Result> detected = results_of(decoded(kWav) + "emotiondetect" + kAppsink);
    fail_unless(!explicit_results.empty());
    fail_unless_equals_int((int)detected.size(), (int)explicit_results.size());
    for (size_t n = 0; n < detected.size(); n++) {
        fail_unless_equals_uint64(detected[n].pts, explicit_results[n].pts);
        fail_unless(detected[n].scores == explicit_results[n].scores, "result %zu differs", n);
        fail_unless_equals_std_string(detected[n].model, "stl.safetensors");
    }
    printf("%zu results, identical to the explicit pipeline's\n", detected.size());
}

GST_END_TEST;

/* Each file's architecture picks the extractor and classifier; input of another rate, format and
 * channel count is converted inside. */
GST_START_TEST(test_architecture_from_model_file) {
    if (!have_emodb("test_architecture_from_model_file")) return;
    struct Case {
        const char *architecture, *extractor, *classifier;
    } cases[] = {{"alstm", "lldextract", "alstmclassify"},
                 {"apcnn", "mulawspec", "apcnnclassify"},
                 {"stl", "lldextract", "stlclassify"}};
    for (const Case& c : cases) {
        GstElement* pipeline =
            launch(decoded(kWav) +
                   "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=44100,channels=2 ! "
                   "emotiondetect name=d model=\"" +
                   shipped(c.architecture) + "\"" + kAppsink);
        fail_unless(gst_element_set_state(pipeline, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
        fail_unless_equals_std_string(inner_factory(pipeline, "classifier0"), c.classifier);
        fail_unless_equals_std_string(
            inner_factory(pipeline, std::string(c.extractor) == "mulawspec" ? "mulaw" : "lld"), c.extractor);
        if (std::string(c.extractor) == "mulawspec") { /* emotiondetect's segmentation=vad reaches it */
            GstElement* detect = gst_bin_get_by_name(GST_BIN(pipeline), "d");
            GstElement* mulaw = gst_bin_get_by_name(GST_BIN(detect), "mulaw");
            gint segmentation = -1;
            g_object_get(mulaw, "segmentation", &segmentation, NULL);
            fail_unless_equals_int(segmentation, 1 /* vad */);
            gst_object_unref(mulaw);
            gst_object_unref(detect);
        }
        fail_unless_equals_std_string(run_pipeline(pipeline, 120 * GST_SECOND), "");
        std::vector<Result> results = appsink_results(pipeline);
        gst_element_set_state(pipeline, GST_STATE_NULL);
        gst_object_unref(pipeline);
        fail_unless(!results.empty(), "%s: no result", c.architecture);
        for (const Result& r : results) fail_unless_equals_int((int)r.labels.size(), 4);
        printf("%s: %s ! %s, %zu results from 44.1 kHz stereo S16\n", c.architecture, c.extractor,
               c.classifier, results.size());
    }
}

GST_END_TEST;

/* Several models: fused by emotionfuse, in the first model's (VAD) segments. */
GST_START_TEST(test_several_models_fused) {
    if (!have_emodb("test_several_models_fused")) return;
    std::vector<Result> single =
        results_of(decoded(kWav) + "emotiondetect model=\"" + shipped("alstm") + "\"" + kAppsink);
    std::vector<Result> fused = results_of(decoded(kWav) + "emotiondetect model=\"" + shipped("alstm") +
                                           ", " + shipped("apcnn") + "\" weights=1,3" + kAppsink);
    fail_unless_equals_int((int)fused.size(), (int)single.size());
    double moved = 0;
    for (size_t n = 0; n < fused.size(); n++) {
        fail_unless_equals_uint64(fused[n].pts, single[n].pts);
        fail_unless_equals_std_string(fused[n].model, "fusion(alstm.safetensors+apcnn.safetensors)");
        for (size_t k = 0; k < fused[n].scores.size(); k++)
            moved = std::max(moved, (double)std::fabs(fused[n].scores[k] - single[n].scores[k]));
    }
    printf("%zu fused results; largest change from alstm alone %.3f\n", fused.size(), moved);
    fail_unless(moved > 1e-3, "the second model changed nothing");
}

GST_END_TEST;

/* threshold and cue-format reach the element that makes the results: the classifier, or
 * emotionfuse when fused. */
GST_START_TEST(test_threshold_and_cue_format_reach_results) {
    if (!have_emodb("test_threshold_and_cue_format_reach_results")) return;
    const std::string two = " model=\"" + shipped("alstm") + "," + shipped("stl") + "\"";
    for (const std::string& models : {std::string(""), two}) {
        std::vector<Result> sure = results_of(decoded(kWav) + "emotiondetect" + models + kAppsink);
        std::vector<Result> unsure =
            results_of(decoded(kWav) + "emotiondetect threshold=0.999" + models + kAppsink);
        fail_unless(!sure.empty());
        fail_unless_equals_int((int)unsure.size(), (int)sure.size());
        for (size_t n = 0; n < sure.size(); n++) {
            fail_unless(!sure[n].uncertain && unsure[n].uncertain, "result %zu", n);
            fail_unless_equals_int(unsure[n].best, sure[n].best); /* the most likely label is kept */
        }
    }
    GstElement* pipeline =
        launch(decoded(kWav) + "emotiondetect cue-format=\"{segment}={label}\" ! text/x-raw ! "
                               "appsink name=sink sync=false wait-on-eos=false");
    fail_unless_equals_std_string(run_pipeline(pipeline, 120 * GST_SECOND), "");
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    GstSample* sample = NULL;
    g_signal_emit_by_name(sink, "try-pull-sample", (GstClockTime)0, &sample);
    fail_unless(sample != NULL);
    Result first = to_result(gst_sample_get_buffer(sample), true);
    gst_sample_unref(sample);
    gst_object_unref(sink);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    printf("threshold=0.999: every result uncertain; cue-format {segment}={label}: \"%s\"\n",
           first.text.c_str());
    fail_unless_equals_std_string(first.text, first.segment_id + "=" + first.labels[first.best]);
}

GST_END_TEST;

/* A mu-law model is gated by the VAD (segmentation=vad, the default): no result for 10 s of
 * white noise; with segmentation=window mulawspec cuts the whole stream, which gets results. */
GST_START_TEST(test_apcnn_no_result_without_speech) {
    const std::string noise =
        "audiotestsrc wave=white-noise volume=0.1 samplesperbuffer=1600 num-buffers=100 ! ";
    std::vector<Result> gated =
        results_of(noise + "emotiondetect model=\"" + shipped("apcnn") + "\"" + kAppsink);
    std::vector<Result> ungated =
        results_of(noise + "emotiondetect segmentation=window model=\"" + shipped("apcnn") + "\"" + kAppsink);
    printf("apcnn on 10 s white noise: %zu results with segmentation=vad, %zu with window\n", gated.size(),
           ungated.size());
    fail_unless_equals_int((int)gated.size(), 0);
    fail_unless(!ungated.empty());
}

GST_END_TEST;

/* interim, passed to the classifier: interim results of the open segments, and the final results
 * of emotiondetect without it, unchanged. */
GST_START_TEST(test_interim_proxied) {
    if (!have_emodb("test_interim_proxied")) return;
    std::vector<Result> plain = results_of(decoded(kWav) + "emotiondetect" + kAppsink);
    GstElement* pipeline = launch(decoded(kWav) + "emotiondetect name=d interim=1" + kAppsink);
    fail_unless(gst_element_set_state(pipeline, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    GstElement* detect = gst_bin_get_by_name(GST_BIN(pipeline), "d");
    GstElement* classifier = gst_bin_get_by_name(GST_BIN(detect), "classifier0");
    gdouble interim = 0;
    g_object_get(classifier, "interim", &interim, NULL);
    fail_unless(interim == 1.0, "classifier0 interim=%g", interim);
    gst_object_unref(classifier);
    gst_object_unref(detect);
    fail_unless_equals_std_string(run_pipeline(pipeline, 120 * GST_SECOND), "");
    std::vector<Result> all = appsink_results(pipeline);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);

    std::vector<Result> finals;
    size_t interims = 0;
    for (const Result& r : all) {
        if (r.interim) {
            interims++;
            fail_unless(r.duration >= GST_SECOND, "an interim result after %" GST_TIME_FORMAT,
                        GST_TIME_ARGS(r.duration));
        } else {
            finals.push_back(r);
        }
    }
    fail_unless(interims >= 1, "no interim result");
    fail_unless_equals_int((int)finals.size(), (int)plain.size());
    for (size_t n = 0; n < finals.size(); n++) {
        fail_unless_equals_uint64(finals[n].pts, plain[n].pts);
        fail_unless(finals[n].scores == plain[n].scores, "final result %zu differs", n);
    }
    printf("interim=1: %zu interim results before %zu final ones, these unchanged\n", interims,
           finals.size());
}

GST_END_TEST;

/* Bad model lists: an error at start that says what is wrong. */
GST_START_TEST(test_bad_models_n) {
    const std::string wav = temp_path("not-a-model.safetensors");
    fail_unless(g_file_set_contents(wav.c_str(), "RIFF....WAVEfmt ", -1, NULL));
    struct Case {
        std::string model, expected;
    } cases[] = {
        {"/nonexistent/m.safetensors", "/nonexistent/m.safetensors"},
        {wav, "not-a-model.safetensors"},
        {shipped("ksmm"), "needs a text stream: use ksmmtransformer"},
        {shipped("alstm") + "," + shipped("alstm"), "is listed twice"},
        {shipped("alstm") + ",", "empty entry"},
    };
    for (const Case& c : cases) {
        GstElement* pipeline =
            launch("audiotestsrc num-buffers=10 ! emotiondetect model=\"" + c.model + "\"" + kAppsink);
        std::string error = pause_error(pipeline);
        gst_object_unref(pipeline);
        printf("model=\"%s\": %s\n", c.model.c_str(), error.c_str());
        fail_unless(error.find(c.expected) != std::string::npos, "%s", error.c_str());
    }
}

GST_END_TEST;

/* NULL -> PAUSED -> NULL ten times, five full runs with the same results, a flushing seek. */
GST_START_TEST(test_state_cycles_and_seek) {
    if (!have_emodb("test_state_cycles_and_seek")) return;
    GstElement* pipeline = launch(decoded(kWav) + "emotiondetect" + kAppsink);
    pause_and_stop(pipeline, 10);
    std::vector<Result> run0;
    for (int i = 0; i < 5; i++) {
        fail_unless_equals_std_string(run_pipeline(pipeline, 120 * GST_SECOND), "");
        std::vector<Result> results = appsink_results(pipeline);
        if (i == 0) run0 = results;
        fail_unless_equals_int((int)results.size(), (int)run0.size());
        for (size_t n = 0; n < results.size(); n++) fail_unless(results[n].scores == run0[n].scores);
        if (i == 4) {
            fail_unless(gst_element_seek_simple(
                pipeline, GST_FORMAT_TIME, (GstSeekFlags)(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE), 0));
            GstBus* bus = gst_element_get_bus(pipeline);
            GstMessage* m = gst_bus_timed_pop_filtered(bus, test_wait(60 * GST_SECOND),
                                                       (GstMessageType)(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
            fail_unless(m != NULL && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS);
            gst_message_unref(m);
            gst_object_unref(bus);
            std::vector<Result> again = appsink_results(pipeline);
            fail_unless_equals_int((int)again.size(), (int)run0.size());
            for (size_t n = 0; n < again.size(); n++) fail_unless(again[n].scores == run0[n].scores);
        }
        fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    }
    printf("5 runs and a flushing seek: %zu results each\n", run0.size());
    gst_object_unref(pipeline);
}

GST_END_TEST;

namespace {

/* When each result left emotiondetect, in running time. */
struct Arrivals {
    GstElement* pipeline;
    GMutex lock;
    std::vector<std::pair<GstClockTime, GstClockTime>> pts_and_arrival;
};

GstPadProbeReturn on_result(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* a = static_cast<Arrivals*>(data);
    GstClock* clock = gst_element_get_clock(a->pipeline);
    if (!clock) return GST_PAD_PROBE_OK;
    const GstClockTime now = gst_clock_get_time(clock) - gst_element_get_base_time(a->pipeline);
    gst_object_unref(clock);
    g_mutex_lock(&a->lock);
    a->pts_and_arrival.push_back({GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)), now});
    g_mutex_unlock(&a->lock);
    return GST_PAD_PROBE_OK;
}

} // namespace

/* Live: speech paced by the clock in 20 ms buffers, two utterances back to back (one VAD segment
 * longer than max-segment): every result leaves within the latency emotiondetect reports, counted
 * from the result's start. */
GST_START_TEST(test_live_results_within_latency) {
    if (!have_emodb("test_live_results_within_latency")) return;
    std::vector<float> speech = load_wav("../data/emodb/" + kWav);
    std::vector<float> twice(speech);
    twice.insert(twice.end(), speech.begin(), speech.end());

    GstElement* pipeline = launch("appsrc name=src is-live=true format=time min-latency=20000000 "
                                  "caps=audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved ! "
                                  "emotiondetect name=d max-segment=2 min-speech=0 ! fakesink sync=false");
    Arrivals arrivals{pipeline, {}, {}};
    g_mutex_init(&arrivals.lock);
    GstElement* detect = gst_bin_get_by_name(GST_BIN(pipeline), "d");
    GstPad* out = gst_element_get_static_pad(detect, "src");
    gst_pad_add_probe(out, GST_PAD_PROBE_TYPE_BUFFER, on_result, &arrivals, NULL);
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);

    const size_t block = 320; /* 20 ms */
    GstClock* clock = gst_pipeline_get_clock(GST_PIPELINE(pipeline));
    for (size_t first = 0; first < twice.size(); first += block) {
        const size_t count = std::min(block, twice.size() - first);
        GstBuffer* b = make_buffer(twice.data() + first, count, sample_time(first));
        const GstClockTime due = gst_element_get_base_time(pipeline) + sample_time(first + count);
        GstClockID id = gst_clock_new_single_shot_id(clock, due); /* the buffer is complete then */
        gst_clock_id_wait(id, NULL);
        gst_clock_id_unref(id);
        GstFlowReturn flow = GST_FLOW_OK;
        g_signal_emit_by_name(src, "push-buffer", b, &flow);
        gst_buffer_unref(b);
        fail_unless_equals_int(flow, GST_FLOW_OK);
    }
    gst_object_unref(clock);
    GstFlowReturn flow = GST_FLOW_OK;
    g_signal_emit_by_name(src, "end-of-stream", &flow);

    GstQuery* query = gst_query_new_latency();
    fail_unless(gst_pad_query(out, query));
    gboolean live = FALSE;
    GstClockTime latency = 0;
    gst_query_parse_latency(query, &live, &latency, NULL);
    gst_query_unref(query);
    fail_unless_equals_std_string(run_pipeline(pipeline, 60 * GST_SECOND), "");
    gst_element_set_state(pipeline, GST_STATE_NULL);

    fail_unless(live);
    fail_unless(latency >= 2 * GST_SECOND, "latency %" GST_TIME_FORMAT, GST_TIME_ARGS(latency));
    fail_unless(arrivals.pts_and_arrival.size() >= 6, "%zu results", arrivals.pts_and_arrival.size());
    GstClockTime worst = 0;
    for (const auto& [pts, arrival] : arrivals.pts_and_arrival) worst = std::max(worst, arrival - pts);
    printf("live: %zu results, reported latency %.3f s, largest delay from a result's start %.3f s\n",
           arrivals.pts_and_arrival.size(), (double)latency / GST_SECOND, (double)worst / GST_SECOND);
    /* The bound is the algorithmic latency; the classifier's own time comes on top, which a
     * sanitizer build, several times slower, makes visible: it is allowed 0.25 s per unit of its
     * time scale beyond the first (none in a normal build). */
    const GstClockTime processing = (GstClockTime)((emotion::test::time_scale() - 1.0) * 0.25 * GST_SECOND);
    fail_unless(worst <= latency + processing, "a result left %.3f s after its start",
                (double)worst / GST_SECOND);

    gst_object_unref(src);
    gst_object_unref(out);
    gst_object_unref(detect);
    gst_object_unref(pipeline);
    g_mutex_clear(&arrivals.lock);
}

GST_END_TEST;

/* ---- mode=train ----------------------------------------------------------------------------- */

namespace {

/* A small EmoDB task that trains in about a second: two utterances of each speaker and emotion
 * (angry, sad), 40 in all, with absolute paths; validation speakers emodb08 and emodb09. */
std::string small_manifest() {
    const std::string path = temp_path("small.csv");
    if (g_file_test(path.c_str(), G_FILE_TEST_EXISTS)) return path;
    std::ifstream in(emodb("manifest.csv"));
    std::ofstream out(path);
    std::map<std::string, int> taken; /* per speaker and emotion */
    std::string line;
    std::getline(in, line);
    out << line << "\n";
    size_t kept = 0;
    while (std::getline(in, line)) {
        const size_t first = line.find(','), second = line.find(',', first + 1),
                     third = line.find(',', second + 1);
        const std::string emotion = line.substr(first + 1, second - first - 1);
        const std::string speaker = line.substr(second + 1, third - second - 1);
        if ((emotion != "angry" && emotion != "sad") || ++taken[speaker + emotion] > 2) continue;
        out << emodb(line.substr(0, first)) << line.substr(first) << "\n";
        kept++;
    }
    fail_unless_equals_int((int)kept, 40);
    return path;
}

std::string small_dataset(int epochs) {
    return "emodatasetsrc location=\"" + small_manifest() +
           "\" valid-speakers=emodb08,emodb09 shuffle=true seed=3 epochs=" + std::to_string(epochs);
}

/* The explicit pair and emotiondetect, with the same training settings (seed, no early stop). */
std::string explicit_training(const std::string& out, int epochs, const std::string& architecture,
                              const std::string& model = "") {
    const emotion::models::Architecture& a = emotion::models::architecture_named(architecture);
    return small_dataset(epochs) + " ! " + a.features_element + " ! " + a.element +
           " mode=train threads=1 seed=5 patience=0 " + (model.empty() ? "" : "model=\"" + model + "\" ") +
           "model-location=\"" + out + "\" ! fakesink sync=false";
}

std::string detect_training(const std::string& out, int epochs, const std::string& extra) {
    return small_dataset(epochs) + " ! emotiondetect name=d mode=train " + extra + " model-location=\"" +
           out + "\" ! fakesink sync=false";
}

const char* kSeedNoStop = "classifier-properties=\"props,seed=5,patience=0\"";

/* Trains to the end; fails on an error. */
void train(const std::string& description, Run* run) {
    run_launch(description, run, 120 * GST_SECOND);
    fail_unless(run->error.empty(), "%s", run->error.c_str());
}

using emotion::io::SafetensorsFile;

/* Whether tensor `name` holds the same bits, type and shape in both files. */
bool same_tensor(const SafetensorsFile& fa, const SafetensorsFile& fb, const std::string& name) {
    const emotion::io::TensorEntry &ea = fa.entry(name), &eb = fb.entry(name);
    if (ea.dtype != eb.dtype || ea.shape != eb.shape) return false;
    if (ea.dtype == emotion::io::DType::I64) return fa.i64(name) == fb.i64(name);
    const emotion::nn::Tensor ta = fa.f32(name), tb = fb.f32(name);
    return std::memcmp(ta.data(), tb.data(), sizeof(float) * ta.size()) == 0;
}

/* Every tensor of the safetensors files `a` and `b` is the same, bit for bit (the metadata, such as
 * the training time, may differ); their count. */
size_t same_tensors(const std::string& a, const std::string& b) {
    const SafetensorsFile fa = SafetensorsFile::read(a), fb = SafetensorsFile::read(b);
    fail_unless(fa.names() == fb.names(), "%s and %s hold other tensors", a.c_str(), b.c_str());
    for (const std::string& name : fa.names())
        fail_unless(same_tensor(fa, fb, name), "tensor '%s' differs", name.c_str());
    return fa.names().size();
}

/* How many tensors of the model file `a` differ in `b`. */
size_t changed_tensors(const std::string& a, const std::string& b) {
    const SafetensorsFile fa = SafetensorsFile::read(a), fb = SafetensorsFile::read(b);
    size_t changed = 0;
    for (const std::string& name : fa.names()) changed += !same_tensor(fa, fb, name);
    return changed;
}

/* The train losses of the run's epochs, in order. */
std::vector<double> train_losses(const Run& run) {
    std::vector<double> losses;
    for (const GstStructure* s : run.named("emotion-training")) {
        double loss = NAN;
        fail_unless(gst_structure_get_double(s, "train-loss", &loss));
        losses.push_back(loss);
    }
    return losses;
}

} // namespace

/* emotiondetect mode=train architecture=A = A's extractor and classifier with mode=train (stl:
 * lldextract ! stlclassify): the same epochs, model and checkpoint, bit for bit; the training events
 * pass convert, resample and the extractor unchanged. stl and alstm (auxiliary heads); apcnn, the
 * same by hand, takes 12 s a run here. */
GST_START_TEST(test_train_same_as_explicit_pair) {
    if (!have_emodb("test_train_same_as_explicit_pair")) return;
    for (const std::string architecture : {"stl", "alstm"}) {
        const std::string a = temp_path(architecture + "-explicit.safetensors"),
                          b = temp_path(architecture + "-detect.safetensors");
        Run pair, detect;
        train(explicit_training(a, 3, architecture), &pair);
        train(detect_training(b, 3, "architecture=" + architecture + " " + kSeedNoStop), &detect);
        fail_unless_equals_int((int)train_losses(detect).size(), 3);
        fail_unless(train_losses(detect) == train_losses(pair), "%s: other train losses",
                    architecture.c_str());
        const size_t tensors = same_tensors(a, b);
        const size_t checkpoint =
            same_tensors(emotion::train::checkpoint_path(a), emotion::train::checkpoint_path(b));
        printf("%s, 3 epochs on 40 utterances: %zu model tensors and %zu checkpoint tensors identical to the "
               "explicit pair's; train loss %.6f -> %.6f\n",
               architecture.c_str(), tensors, checkpoint, train_losses(detect).front(),
               train_losses(detect).back());
    }
}

GST_END_TEST;

/* Fine-tuning: `model` is the starting point, in its own architecture (no `architecture` needed);
 * the same tensors as the explicit pair given the same model, and not the starting ones. */
GST_START_TEST(test_train_fine_tunes_model) {
    if (!have_emodb("test_train_fine_tunes_model")) return;
    const std::string start = shipped("stl");
    const std::string a = temp_path("tuned-explicit.safetensors"), b = temp_path("tuned-detect.safetensors");
    Run pair, detect;
    train(explicit_training(a, 2, "stl", start), &pair);
    train(detect_training(b, 2, "model=\"" + start + "\" " + kSeedNoStop), &detect);
    fail_unless(train_losses(detect) == train_losses(pair), "other train losses");
    const size_t tensors = same_tensors(a, b);
    const size_t changed = changed_tensors(start, b);
    fail_unless(changed > 0, "fine-tuning left the model as it was");
    guint first_epoch = 0;
    fail_unless(gst_structure_get_uint(detect.named("emotion-training").front(), "epoch", &first_epoch));
    printf("fine-tuned stl.safetensors from epoch %u: %zu tensors identical to the explicit pair's, %zu "
           "changed from the start\n",
           first_epoch, tensors, changed);
    fail_unless(first_epoch > 1, "fine-tuning restarted the epoch count");
}

GST_END_TEST;

/* Stopped after epoch 1 and resumed (classifier-properties resume=true): the run ends with the
 * model of the uninterrupted run, bit for bit. */
GST_START_TEST(test_train_resumes) {
    if (!have_emodb("test_train_resumes")) return;
    const std::string whole = temp_path("whole.safetensors"), resumed = temp_path("resumed.safetensors");
    const std::string settings = "architecture=stl classifier-properties=\"props,seed=5,patience=0";
    Run uninterrupted, rest;
    train(detect_training(whole, 3, settings + "\""), &uninterrupted);

    GstElement* pipeline = launch(detect_training(resumed, 3, settings + "\""));
    GstBus* bus = gst_element_get_bus(pipeline);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstMessage* m = NULL; /* the first epoch's summary: its checkpoint is written */
    while ((m = gst_bus_timed_pop_filtered(
                bus, test_wait(120 * GST_SECOND),
                (GstMessageType)(GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR | GST_MESSAGE_EOS))) != NULL) {
        fail_unless(GST_MESSAGE_TYPE(m) == GST_MESSAGE_ELEMENT, "the run ended before its first epoch did");
        const bool epoch = gst_structure_has_name(gst_message_get_structure(m), "emotion-training");
        gst_message_unref(m);
        if (epoch) break;
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);

    train(detect_training(resumed, 3, settings + ",resume=true\""), &rest);
    const std::vector<double> all = train_losses(uninterrupted), resumed_losses = train_losses(rest);
    fail_unless_equals_int((int)resumed_losses.size(), 2); /* epochs 2 and 3 only */
    fail_unless(resumed_losses[0] == all[1] && resumed_losses[1] == all[2], "the resumed epochs differ");
    const size_t tensors = same_tensors(whole, resumed);
    printf("stopped after epoch 1, resumed: epochs 2-3 and %zu model tensors identical to the "
           "uninterrupted run's\n",
           tensors);
}

GST_END_TEST;

/* The pipeline plays while it trains, and the classifier's progress messages and epoch summaries
 * leave the bin. */
GST_START_TEST(test_train_progress_while_playing) {
    if (!have_emodb("test_train_progress_while_playing")) return;
    const TrainingProgress p = play_training(detect_training(temp_path("progress.safetensors"), 2, ""));
    fail_unless(p.playing_before_first_epoch, "not PLAYING when the first epoch ended");
    const auto& progress = p.messages;
    fail_unless_equals_int((int)progress.size(), 4);
    fail_unless_equals_int(progress[0].first, GST_PROGRESS_TYPE_START);
    fail_unless(g_str_has_prefix(progress[1].second.c_str(), "epoch 1/2: train loss "), "%s",
                progress[1].second.c_str());
    fail_unless(g_str_has_prefix(progress[2].second.c_str(), "epoch 2/2: "));
    fail_unless_equals_int(progress[3].first, GST_PROGRESS_TYPE_COMPLETE);
    fail_unless_equals_int((int)p.epoch_summaries, 2);
}

GST_END_TEST;

/* classifier-properties and architecture reach the inner classifier, in inference too: fields of
 * each type (integer for a double, enum by nick, boolean, string), the structure's name optional. */
GST_START_TEST(test_classifier_properties_reach_classifier) {
    GstElement* pipeline =
        launch("audiotestsrc num-buffers=10 ! emotiondetect name=d architecture=stl "
               "classifier-properties=\"temperature=2,optimizer=sgd,resume=true,feature-masks=\\\"time=2:0.1,"
               "feature=2:4\\\",seed=7\" ! fakesink");
    fail_unless(gst_element_set_state(pipeline, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_std_string(inner_factory(pipeline, "classifier0"), "stlclassify");
    GstElement* detect = gst_bin_get_by_name(GST_BIN(pipeline), "d");
    GstElement* classifier = gst_bin_get_by_name(GST_BIN(detect), "classifier0");
    gdouble temperature = 0;
    gint optimizer = 0;
    gboolean resume = FALSE;
    gchar* masks = NULL;
    guint64 seed = 0;
    g_object_get(classifier, "temperature", &temperature, "optimizer", &optimizer, "resume", &resume,
                 "feature-masks", &masks, "seed", &seed, NULL);
    printf("classifier0: temperature %g, optimizer %d, resume %d, feature-masks %s, seed %" G_GUINT64_FORMAT
           "\n",
           temperature, optimizer, resume, masks, seed);
    fail_unless(temperature == 2.0);
    fail_unless_equals_int(optimizer, 2 /* sgd */);
    fail_unless(resume);
    fail_unless_equals_string(masks, "time=2:0.1,feature=2:4");
    fail_unless_equals_uint64(seed, 7);
    g_free(masks);
    gst_object_unref(classifier);
    gst_object_unref(detect);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* Bad training settings and classifier-properties: an error at start that names what is wrong. */
/* normalization=speaker (a classifier property, here through classifier-properties): the model
 * file records it and inference follows the file (stl and apcnn); a contradicting config is an error. */
/* Trains `architecture` with normalization=speaker for `epochs`; the file records it (config and
 * `normalisation`), and inference on the validation speakers (each segment's speaker from
 * emodatasetsrc) gives a result per utterance. */
void check_speaker_trained(const std::string& architecture, int epochs, const char* normalisation) {
    const std::string out = temp_path(architecture + "-speaker.safetensors");
    Run run;
    train(detect_training(out, epochs,
                          "architecture=" + architecture +
                              " classifier-properties=\"props,seed=5,patience=0,normalization=speaker\""),
          &run);
    const SafetensorsFile file = SafetensorsFile::read(out);
    const auto config = nlohmann::json::parse(file.metadata_value("config"));
    fail_unless_equals_std_string(config.value("input_normalization", ""), "speaker");
    fail_unless_equals_std_string(file.metadata_value("normalisation"), normalisation);
    std::vector<Result> results =
        results_of(small_dataset(1) + " split=valid ! emotiondetect model=\"" + out + "\"" + kAppsink);
    fail_unless_equals_int((int)results.size(), 8);
    for (const Result& r : results) {
        float sum = 0.0f;
        for (float p : r.scores) sum += p;
        fail_unless(std::fabs(sum - 1.0f) < 1e-4f, "posteriors sum to %f", sum);
    }
    printf("%s normalization=speaker: %d epoch(s), file records \"%s\"; %zu results on the validation "
           "speakers\n",
           architecture.c_str(), epochs, normalisation, results.size());
}

GST_START_TEST(test_train_speaker_normalization) {
    if (!have_emodb("test_train_speaker_normalization")) return;
    check_speaker_trained("stl", 2, emotion::models::kSpeakerNormalisation);
    /* apcnn: each mu-law row z-scored by speaker, the same in training and inference */
    check_speaker_trained("apcnn", 1, emotion::models::kSpeakerMulawNormalisation);

    struct Case {
        std::string pipeline, expected;
    } cases[] = {
        {small_dataset(1) +
             " ! lldextract ! stlclassify mode=train normalization=speaker "
             "config=\"{\\\"input_normalization\\\":\\\"segment\\\"}\" model-location=\"" +
             temp_path("bad-speaker.safetensors") + "\" ! fakesink",
         "normalization=speaker, but 'config' sets input_normalization to \"segment\""},
    };
    for (const Case& c : cases) {
        Run bad;
        run_launch(c.pipeline, &bad, 120 * GST_SECOND);
        printf("%s\n", bad.error.c_str());
        fail_unless(bad.error.find(c.expected) != std::string::npos, "%s", bad.error.c_str());
    }
}

GST_END_TEST;

GST_START_TEST(test_train_bad_settings_n) {
    const std::string alstm = shipped("alstm");
    struct Case {
        std::string settings, expected;
    } cases[] = {
        {"classifier-properties=\"props,epochs=40\"", "stlclassify has no property 'epochs'"},
        {"classifier-properties=\"props,learning-rate=true\"",
         "'learning-rate' = true (a boolean) has the wrong type: stlclassify's 'learning-rate' takes a "
         "number "
         "from 0 to 10"},
        {"classifier-properties=\"props,batch-size=0.5\"",
         "'batch-size' = 0.5 (a number) has the wrong type"},
        {"classifier-properties=\"props,optimizer=fast\"",
         "'optimizer' = fast (a string) is not a value it takes: stlclassify's 'optimizer' takes one of "
         "default, adam, sgd"},
        {"classifier-properties=\"props,patience=-5\"",
         "'patience' = -5 (an integer) is out of range: stlclassify's 'patience' takes an integer from -1 to "
         "10000"},
        {"classifier-properties=\"props,learning-rate=11\"",
         "'learning-rate' = 11 (an integer) is out of range"},
        {"classifier-properties=\"props,seed=-1\"", "'seed' = -1 (an integer) is out of range"},
        {"classifier-properties=\"props,model=x\"",
         "'model' is set by emotiondetect itself: use emotiondetect's own 'model' property"},
        {"classifier-properties=\"props,mode=infer\"", "'mode' is set by emotiondetect itself"},
        {"classifier-properties=\"props,model-location=x\"",
         "'model-location' is set by emotiondetect itself"},
        {"classifier-properties=\"props,name=x\"", "'name' of stlclassify cannot be set here"},
        {"classifier-properties=\"props,,\"", "is not a GstStructure"},
        {"architecture=stl model=\"" + alstm + "\"", "is an alstm model, but architecture=stl"},
        {"architecture=transformer", "unknown architecture 'transformer': 'architecture' is one of alstm, "
                                     "apcnn or stl"},
        {"architecture=ksmm", "train it with ksmmtransformer mode=train and emodatasetsrc's text pad"},
        {"model=\"" + shipped("ksmm") + "\"", "train it with ksmmtransformer mode=train"},
        {"model=\"" + alstm + "," + shipped("stl") + "\"",
         "mode=train trains one model, but 'model' lists 2"},
    };
    for (const Case& c : cases) {
        const std::string architecture = c.settings.find("architecture=") == std::string::npos &&
                                                 c.settings.find("model=") == std::string::npos
                                             ? " architecture=stl"
                                             : "";
        GstElement* pipeline =
            launch("audiotestsrc num-buffers=10 ! emotiondetect mode=train model-location=\"" +
                   temp_path("bad.safetensors") + "\"" + architecture + " " + c.settings + " ! fakesink");
        const std::string error = pause_error(pipeline);
        gst_object_unref(pipeline);
        printf("%s: %s\n", c.settings.c_str(), error.c_str());
        fail_unless(error.find(c.expected) != std::string::npos, "%s", error.c_str());
    }
    /* the classifier's own errors leave the bin as they are */
    if (!have_emodb("test_train_bad_settings_n")) return;
    Run no_location;
    run_launch(small_dataset(1) + " ! emotiondetect mode=train ! fakesink", &no_location);
    fail_unless(no_location.error.find("mode=train needs 'model-location'") != std::string::npos, "%s",
                no_location.error.c_str());
}

GST_END_TEST;

static Suite* emotiondetect_suite(void) {
    Suite* s = suite_create("emotiondetect");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_same_as_explicit_pipeline);
    tcase_add_test(tc, test_architecture_from_model_file);
    tcase_add_test(tc, test_several_models_fused);
    tcase_add_test(tc, test_threshold_and_cue_format_reach_results);
    tcase_add_test(tc, test_apcnn_no_result_without_speech);
    tcase_add_test(tc, test_interim_proxied);
    tcase_add_test(tc, test_bad_models_n);
    tcase_add_test(tc, test_state_cycles_and_seek);
    tcase_add_test(tc, test_live_results_within_latency);
    tcase_add_test(tc, test_train_same_as_explicit_pair);
    tcase_add_test(tc, test_train_fine_tunes_model);
    tcase_add_test(tc, test_train_resumes);
    tcase_add_test(tc, test_train_progress_while_playing);
    tcase_add_test(tc, test_classifier_properties_reach_classifier);
    tcase_add_test(tc, test_train_speaker_normalization);
    tcase_add_test(tc, test_train_bad_settings_n);
    return s;
}

GST_CHECK_MAIN(emotiondetect);
