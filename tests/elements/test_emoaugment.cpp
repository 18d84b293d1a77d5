/* emoaugment tests: a harness utterance changed as the recipe says (speed factor in length, later
 * timestamps shifted, a validation utterance bit-identical); over EmoDB with emodatasetsrc:
 * validation and test utterances bit-identical, training ones changed, the same seed the same
 * output, each epoch different, the run's seed followed, disabled = passthrough, bad settings
 * refused at start, repeated state changes. Needs shared/data/emodb (skips when absent). */
#include "test_emotion_common.h"

#include <map>

using namespace emotion_test;

#define AUDIO_CAPS_16K "audio/x-raw,format=F32LE,rate=16000,channels=1,layout=interleaved"

/* The audio of each utterance seen on a pad, by "<epoch>/<id>". */
struct Utterances {
    std::map<std::string, std::vector<float>> audio;
    std::map<std::string, std::string> split;
    std::vector<GstClockTime> pts, ends; /* every buffer */
    std::string current;
    guint epoch = 0;
};

static GstPadProbeReturn record(GstPad*, GstPadProbeInfo* info, gpointer data) {
    Utterances* u = (Utterances*)data;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
        GstMapInfo map;
        fail_unless(gst_buffer_map(b, &map, GST_MAP_READ));
        const float* v = (const float*)map.data;
        std::vector<float>& audio = u->audio[u->current];
        audio.insert(audio.end(), v, v + map.size / sizeof(float));
        gst_buffer_unmap(b, &map);
        u->pts.push_back(GST_BUFFER_PTS(b));
        u->ends.push_back(GST_BUFFER_PTS(b) + GST_BUFFER_DURATION(b));
    } else {
        GstEvent* e = GST_PAD_PROBE_INFO_EVENT(info);
        guint epochs;
        if (gst_emotion_event_is_epoch_start(e)) gst_emotion_event_parse_epoch(e, &u->epoch, &epochs);
        if (gst_emotion_event_is_segment_start(e)) {
            /* ids carry the epoch ("03a01Fa@1"): keep the file's part */
            const std::string id = gst_emotion_event_get_segment_id(e);
            u->current = std::to_string(u->epoch) + "/" + id.substr(0, id.find('@'));
            const gchar* split = gst_emotion_event_get_field(e, "split");
            u->split[u->current] = split ? split : "";
        }
    }
    return GST_PAD_PROBE_OK;
}

static void probe(GstElement* pipeline, const char* element, const char* pad_name, Utterances* u) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline), element);
    GstPad* pad = gst_element_get_static_pad(e, pad_name);
    gst_pad_add_probe(pad, (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                      record, u, NULL);
    gst_object_unref(pad);
    gst_object_unref(e);
}

/* A manifest of `per_speaker` EmoDB utterances of each speaker (03 trains, 08 validates, 09 tests). */
static std::string manifest(int per_speaker) {
    std::string text = "path,emotion,speaker,gender,text\n";
    std::map<std::string, int> taken;
    auto lines = lines_of(read_text(emodb("manifest.csv")));
    for (size_t i = 1; i < lines.size(); i++) {
        const std::string& line = lines[i];
        for (const char* speaker : {"emodb03", "emodb08", "emodb09"}) {
            if (line.find(std::string(",") + speaker + ",") == std::string::npos ||
                taken[speaker] >= per_speaker)
                continue;
            taken[speaker]++;
            text += emodb(line.substr(0, line.find(','))) + line.substr(line.find(',')) + "\n";
        }
    }
    std::string path = temp_path("augment-" + std::to_string(per_speaker) + ".csv");
    fail_unless(g_file_set_contents(path.c_str(), text.c_str(), -1, NULL));
    return path;
}

/* Input and output of `emodatasetsrc <source> ! emoaugment <augment> ! fakesink`. */
static void play(const std::string& source, const std::string& augment, Utterances* in, Utterances* out) {
    GstElement* pipeline = launch("emodatasetsrc name=src location=\"" + manifest(3) +
                                  "\" valid-speakers=emodb08 test-speakers=emodb09 " + source +
                                  " ! emoaugment name=aug " + augment + " ! fakesink sync=false");
    probe(pipeline, "src", "src", in);
    probe(pipeline, "aug", "src", out);
    fail_unless_equals_std_string(run_pipeline(pipeline, 300 * GST_SECOND), "");
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}

#define RECIPE "recipe=speed=0.9:1.1,noise=10:20"

/* each output buffer starts where the previous one ended */
static void check_continuous(const Utterances& u) {
    for (size_t i = 1; i < u.pts.size(); i++)
        fail_unless(u.pts[i] == u.ends[i - 1],
                    "buffer %zu at %" GST_TIME_FORMAT ", previous ended %" GST_TIME_FORMAT, i,
                    GST_TIME_ARGS(u.pts[i]), GST_TIME_ARGS(u.ends[i - 1]));
}

/* training utterances changed, validation and test ones bit-identical */
GST_START_TEST(test_only_training_utterances_change) {
    if (!have_emodb("test_only_training_utterances_change")) return;
    Utterances in, out;
    play("epochs=2", RECIPE, &in, &out);
    fail_unless_equals_int((int)in.audio.size(), 18);
    fail_unless_equals_int((int)out.audio.size(), 18);
    int train = 0;
    for (const auto& [key, audio] : in.audio) {
        const std::vector<float>& augmented = out.audio[key];
        if (in.split[key] == "train") {
            train++;
            fail_if(augmented == audio, "%s unchanged", key.c_str());
            /* speed 0.9..1.1 */
            const double factor = (double)audio.size() / augmented.size();
            fail_unless(factor > 0.899 && factor < 1.101, "%s: length factor %f", key.c_str(), factor);
        } else {
            fail_unless(augmented.size() == audio.size() &&
                            memcmp(augmented.data(), audio.data(), audio.size() * sizeof(float)) == 0,
                        "%s (%s) changed", key.c_str(), in.split[key].c_str());
        }
    }
    fail_unless_equals_int(train, 6);
    check_continuous(out);
}

GST_END_TEST;

/* same seed, same output; each epoch different; the run's seed is followed unless one is set */
GST_START_TEST(test_seeded_and_different_every_epoch) {
    if (!have_emodb("test_seeded_and_different_every_epoch")) return;
    Utterances in1, out1, in2, out2, in3, out3, in4, out4, in5, out5;
    play("epochs=2 seed=5", RECIPE, &in1, &out1);
    play("epochs=2 seed=5", RECIPE, &in2, &out2);
    play("epochs=2 seed=6", RECIPE, &in3, &out3);
    play("epochs=2 seed=6", RECIPE " seed=5", &in4, &out4);
    play("epochs=1 seed=5", RECIPE, &in5, &out5); /* ids without "@epoch": the same draws */
    int compared = 0;
    for (const auto& [key, audio] : out1.audio) {
        if (in1.split[key] != "train") continue;
        compared++;
        fail_unless(out2.audio[key] == audio, "%s differs between two runs with seed 5", key.c_str());
        fail_if(out3.audio[key] == audio, "%s is the same with the run's seed 6", key.c_str());
        fail_unless(out4.audio[key] == audio, "%s: emoaugment seed=5 not followed", key.c_str());
        if (key.rfind("0/", 0) == 0) {
            fail_unless(out5.audio[key] == audio, "%s: epoch 0 differs between 1- and 2-epoch runs",
                        key.c_str());
            const std::string next = "1/" + key.substr(2);
            fail_unless(in1.audio[next] == in1.audio[key], "%s: %zu vs %zu samples", key.c_str(),
                        in1.audio[next].size(), in1.audio[key].size());
            fail_if(out1.audio[next] == audio, "%s augmented the same in epochs 0 and 1", key.c_str());
        }
    }
    fail_unless_equals_int(compared, 6);
}

GST_END_TEST;

/* enabled=false and recipe=none pass everything through */
GST_START_TEST(test_disabled_is_passthrough) {
    if (!have_emodb("test_disabled_is_passthrough")) return;
    for (const char* augment : {RECIPE " enabled=false", "recipe=none"}) {
        Utterances in, out;
        play("", augment, &in, &out);
        fail_unless_equals_int((int)out.audio.size(), 9);
        for (const auto& [key, audio] : in.audio)
            fail_unless(out.audio[key] == audio, "%s changed", key.c_str());
        fail_unless(out.pts == in.pts);
    }
}

GST_END_TEST;

/* a bad recipe or split list is an error at start, naming the mistake */
GST_START_TEST(test_bad_settings_n) {
    const std::pair<const char*, const char*> cases[] = {
        {"recipe=speed=3", "values must lie in 0.5..2"},
        {"recipe=sped=1", "unknown transform"},
        {"splits=train,bogus", "unknown split 'bogus'"},
    };
    for (const auto& [setting, expected] : cases) {
        GstElement* pipeline =
            launch(std::string("audiotestsrc ! audio/x-raw,format=F32LE,channels=1 ! emoaugment ") + setting +
                   " ! fakesink");
        const std::string error = pause_error(pipeline);
        fail_unless(error.find(expected) != std::string::npos, "%s: %s", setting, error.c_str());
        gst_object_unref(pipeline);
    }
}

GST_END_TEST;

static void push_utterance(GstHarness* h, const char* id, const char* split,
                           const std::vector<float>& samples, GstClockTime start) {
    fail_unless(gst_harness_push_event(h, gst_emotion_event_new_segment_start(id, "split", split, NULL)));
    for (size_t done = 0; done < samples.size(); done += 1600) {
        const size_t n = std::min<size_t>(1600, samples.size() - done);
        GstBuffer* b = gst_buffer_new_memdup(samples.data() + done, n * sizeof(float));
        GST_BUFFER_PTS(b) = start + gst_util_uint64_scale(done, GST_SECOND, 16000);
        GST_BUFFER_DURATION(b) = gst_util_uint64_scale(n, GST_SECOND, 16000);
        fail_unless_equals_int(gst_harness_push(h, b), GST_FLOW_OK);
    }
    fail_unless(gst_harness_push_event(h, gst_emotion_event_new_segment_end(id)));
}

/* speed 1.1 shortens a training utterance 1.1 times; the validation one after it is untouched
 * and starts where the shortened one ended */
GST_START_TEST(test_harness_speed_and_timestamps) {
    GstHarness* h = gst_harness_new("emoaugment");
    /* the harness starts the element; settings are read at start */
    gst_element_set_state(h->element, GST_STATE_READY);
    g_object_set(h->element, "recipe", "speed=1.1", "seed", (gint64)3, NULL);
    gst_harness_play(h);
    gst_harness_set_src_caps_str(h, AUDIO_CAPS_16K);
    std::vector<float> tone(32000);
    for (size_t i = 0; i < tone.size(); i++) tone[i] = 0.5f * (float)sin(2 * G_PI * 300.0 * i / 16000);
    GstClockTime expected = 0;
    /* the harness is synchronous: an utterance's output is queued once its end is pushed */
    auto pull_all = [&](GstClockTime* first_pts) {
        std::vector<float> samples;
        while (GstBuffer* buffer = gst_harness_try_pull(h)) {
            fail_unless_equals_uint64(GST_BUFFER_PTS(buffer), expected);
            if (samples.empty()) *first_pts = GST_BUFFER_PTS(buffer);
            expected = GST_BUFFER_PTS(buffer) + GST_BUFFER_DURATION(buffer);
            GstMapInfo map;
            fail_unless(gst_buffer_map(buffer, &map, GST_MAP_READ));
            samples.insert(samples.end(), (const float*)map.data,
                           (const float*)map.data + map.size / sizeof(float));
            gst_buffer_unmap(buffer, &map);
            gst_buffer_unref(buffer);
        }
        return samples;
    };
    GstClockTime a_start = GST_CLOCK_TIME_NONE, b_start = GST_CLOCK_TIME_NONE;
    push_utterance(h, "a", "train", tone, 0);
    const std::vector<float> a = pull_all(&a_start);
    push_utterance(h, "b", "valid", tone, 2 * GST_SECOND);
    const std::vector<float> b = pull_all(&b_start);
    gst_harness_push_event(h, gst_event_new_eos());
    fail_unless_equals_uint64(a_start, 0);
    fail_unless_equals_int((int)a.size(), 29091); /* round(32000 / 1.1) */
    fail_unless(b == tone);
    fail_unless_equals_uint64(b_start, gst_util_uint64_scale(29091, GST_SECOND, 16000));
    /* the segment events went through, in order */
    int starts = 0, ends = 0;
    while (GstEvent* e = gst_harness_try_pull_event(h)) {
        starts += gst_emotion_event_is_segment_start(e);
        ends += gst_emotion_event_is_segment_end(e);
        gst_event_unref(e);
    }
    fail_unless_equals_int(starts, 2);
    fail_unless_equals_int(ends, 2);
    gst_harness_teardown(h);
}

GST_END_TEST;

/* NULL -> PLAYING -> NULL, to the end and stopped half-way */
GST_START_TEST(test_state_changes) {
    if (!have_emodb("test_state_changes")) return;
    GstElement* pipeline = launch("emodatasetsrc location=\"" + manifest(2) +
                                  "\" ! emoaugment " RECIPE " ! lldextract ! fakesink sync=false");
    play_and_interrupt(pipeline, 20, [](int round) { g_usleep(20000 * (round % 5)); });
    pause_and_stop(pipeline, 5);
    gst_object_unref(pipeline);
}

GST_END_TEST;

static Suite* emoaugment_suite(void) {
    Suite* s = suite_create("emoaugment");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_harness_speed_and_timestamps);
    tcase_add_test(tc, test_bad_settings_n);
    tcase_add_test(tc, test_only_training_utterances_change);
    tcase_add_test(tc, test_seeded_and_different_every_epoch);
    tcase_add_test(tc, test_disabled_is_passthrough);
    tcase_add_test(tc, test_state_changes);
    return s;
}

GST_CHECK_MAIN(emoaugment);
