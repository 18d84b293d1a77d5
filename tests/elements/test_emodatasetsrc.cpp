/* emodatasetsrc tests: segment events with labels/speaker/text/split, epochs and epoch events,
 * seeded shuffles (same seed same order, different across epochs), speaker-independent splits,
 * valid-fraction, label filtering and mapping, text pad timing, missing and undecodable files
 * skipped and counted, malformed manifests (error naming the line), JSON Lines manifests,
 * repeated state changes. Needs shared/data/emodb (skips with a message when absent). */
#include "test_emotion_common.h"

#include <set>

using namespace emotion_test;

struct Utt {
    std::string id, emotion, speaker, gender, text, split;
    GstClockTime first_pts = GST_CLOCK_TIME_NONE, end = GST_CLOCK_TIME_NONE;
    guint64 samples = 0;
    bool ended = false;
};

struct Recording {
    std::vector<Utt> utts;
    std::vector<std::string> epoch_events; /* "start 0/3", "end 0/3" */
    std::vector<GstClockTime> text_pts, text_duration;
    std::vector<std::string> texts;
    std::vector<std::pair<GstClockTime, GstClockTime>> text_gaps;
    int buffers_outside = 0; /* audio buffers outside any segment */
    GMutex lock;
    Recording() { g_mutex_init(&lock); }
    ~Recording() { g_mutex_clear(&lock); }
};

static std::string field(GstEvent* e, const char* name) {
    const gchar* v = gst_emotion_event_get_field(e, name);
    return v ? v : "";
}

static GstPadProbeReturn audio_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
    Recording* r = (Recording*)data;
    g_mutex_lock(&r->lock);
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
        if (r->utts.empty() || r->utts.back().ended) {
            r->buffers_outside++;
        } else {
            Utt& u = r->utts.back();
            if (!GST_CLOCK_TIME_IS_VALID(u.first_pts)) u.first_pts = GST_BUFFER_PTS(b);
            u.end = GST_BUFFER_PTS(b) + GST_BUFFER_DURATION(b);
            u.samples += gst_buffer_get_size(b) / sizeof(float);
        }
    } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent* e = GST_PAD_PROBE_INFO_EVENT(info);
        guint epoch, epochs;
        if (gst_emotion_event_is_segment_start(e)) {
            Utt u;
            u.id = gst_emotion_event_get_segment_id(e);
            u.emotion = field(e, "emotion");
            u.speaker = field(e, "speaker");
            u.gender = field(e, "gender");
            u.text = field(e, "text");
            u.split = field(e, "split");
            r->utts.push_back(u);
        } else if (gst_emotion_event_is_segment_end(e)) {
            fail_unless(!r->utts.empty());
            fail_unless_equals_string(gst_emotion_event_get_segment_id(e), r->utts.back().id.c_str());
            r->utts.back().ended = true;
        } else if (gst_emotion_event_parse_epoch(e, &epoch, &epochs)) {
            r->epoch_events.push_back(std::string(gst_emotion_event_is_epoch_start(e) ? "start " : "end ") +
                                      std::to_string(epoch) + "/" + std::to_string(epochs));
        }
    }
    g_mutex_unlock(&r->lock);
    return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn text_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
    Recording* r = (Recording*)data;
    g_mutex_lock(&r->lock);
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        GstBuffer* b = GST_PAD_PROBE_INFO_BUFFER(info);
        r->text_pts.push_back(GST_BUFFER_PTS(b));
        r->text_duration.push_back(GST_BUFFER_DURATION(b));
        GstMapInfo map;
        gst_buffer_map(b, &map, GST_MAP_READ);
        r->texts.emplace_back((const char*)map.data, map.size);
        gst_buffer_unmap(b, &map);
    } else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent* e = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(e) == GST_EVENT_GAP) {
            GstClockTime ts, dur;
            gst_event_parse_gap(e, &ts, &dur);
            r->text_gaps.push_back({ts, dur});
        }
    }
    g_mutex_unlock(&r->lock);
    return GST_PAD_PROBE_OK;
}

/* Plays `emodatasetsrc <properties>` to EOS into fakesinks, recording everything. */
static void play(const std::string& properties, Recording* rec, Run* run, bool with_text = false) {
    std::string description = "emodatasetsrc name=src " + properties + " ! fakesink sync=false";
    if (with_text) description += " src.text ! queue ! fakesink sync=false async=false";
    GstElement* pipeline = launch(description);
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    GstPad* pad = gst_element_get_static_pad(src, "src");
    gst_pad_add_probe(pad, (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                      audio_probe, rec, NULL);
    gst_object_unref(pad);
    if (with_text) {
        pad = gst_element_get_static_pad(src, "text");
        fail_unless(pad != NULL);
        gst_pad_add_probe(pad,
                          (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
                          text_probe, rec, NULL);
        gst_object_unref(pad);
    }
    gst_object_unref(src);
    run_collect(pipeline, run, 300 * GST_SECOND);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}

/* The lines of the EmoDB manifest (without header), as fields. */
static std::vector<std::vector<std::string>> emodb_rows() {
    std::vector<std::vector<std::string>> rows;
    auto lines = lines_of(read_text(emodb("manifest.csv")));
    for (size_t i = 1; i < lines.size(); i++) {
        if (!lines[i].empty() && lines[i].back() == '\r') lines[i].pop_back();
        /* path, emotion, speaker, gender, then the text as written (it may be quoted) */
        std::vector<std::string> f;
        size_t at = 0;
        for (int k = 0; k < 4; k++) {
            size_t comma = lines[i].find(',', at);
            if (comma == std::string::npos) break;
            f.push_back(lines[i].substr(at, comma - at));
            at = comma + 1;
        }
        f.push_back(lines[i].substr(at));
        if (f.size() == 5) rows.push_back(f);
    }
    return rows;
}

/* A manifest in the temp dir with `per_speaker` utterances of each of `speakers` (absolute
 * paths), plus extra raw lines. Returns its path. */
static std::string small_manifest(const std::string& name, const std::vector<std::string>& speakers,
                                  int per_speaker, const std::vector<std::string>& extra = {}) {
    std::string text = "path,emotion,speaker,gender,text\n";
    for (const auto& speaker : speakers) {
        int n = 0;
        for (const auto& f : emodb_rows())
            if (f[2] == speaker && n < per_speaker) {
                text += emodb(f[0]) + "," + f[1] + "," + f[2] + "," + f[3] + "," + f[4] + "\n";
                n++;
            }
    }
    for (const auto& line : extra) text += line + "\n";
    std::string path = temp_path(name);
    fail_unless(g_file_set_contents(path.c_str(), text.c_str(), -1, NULL));
    return path;
}

static guint uint_field(const GstStructure* s, const char* name) {
    guint v = 0;
    fail_unless(gst_structure_get_uint(s, name, &v), "no field %s", name);
    return v;
}

/* fields of the segment events; text pad timed like the utterances; skipped files counted */
GST_START_TEST(test_segments_text_skipped) {
    if (!have_emodb("test_segments_text_skipped")) return;
    std::string bogus = temp_path("not-audio.wav");
    fail_unless(g_file_set_contents(bogus.c_str(), "this is a text file, not a WAV\n", -1, NULL));
    std::string manifest =
        small_manifest("m1.csv", {"emodb03", "emodb08"}, 2,
                       {temp_path("missing.wav") + ",angry,emodb09,f,Missing.",
                        bogus + ",sad,emodb09,f,Bogus.", emodb("wav/03a01Fa.wav") + ",happy,emodb03,m,"});
    Recording rec;
    Run run;
    play("location=\"" + manifest + "\"", &rec, &run, true);
    fail_unless_equals_string(run.error.c_str(), "");
    fail_unless_equals_int((int)rec.utts.size(), 5);
    fail_unless_equals_int(rec.buffers_outside, 0);
    auto rows = emodb_rows();
    for (size_t i = 0; i < rec.utts.size(); i++) {
        const Utt& u = rec.utts[i];
        fail_unless(u.ended);
        fail_unless(u.samples > 16000, "%s: %" G_GUINT64_FORMAT " samples", u.id.c_str(), u.samples);
        fail_unless_equals_string(u.split.c_str(), "train");
        fail_unless(u.id.find('.') == std::string::npos);
        /* the fields of the manifest row of this file */
        bool found = false;
        for (const auto& f : rows)
            if (f[0] == "wav/" + u.id + ".wav") {
                found = true;
                fail_unless_equals_string(u.emotion.c_str(), f[1].c_str());
                fail_unless_equals_string(u.speaker.c_str(), f[2].c_str());
                fail_unless_equals_string(u.gender.c_str(), f[3].c_str());
                if (i < 4 && f[4].find('"') == std::string::npos) {
                    fail_unless_equals_string(u.text.c_str(), f[4].c_str());
                }
            }
        fail_unless(found, "%s", u.id.c_str());
        /* one continuous timeline */
        GstClockTime expected_start = i > 0 ? rec.utts[i - 1].end : 0;
        fail_unless_equals_uint64(u.first_pts, expected_start);
    }
    fail_unless_equals_string(rec.utts[4].text.c_str(), "");
    /* text buffers: one per utterance with text, timed like it; a gap for the one without */
    fail_unless_equals_int((int)rec.texts.size(), 4);
    fail_unless_equals_int((int)rec.text_gaps.size(), 1);
    double worst = 0;
    for (int i = 0; i < 4; i++) {
        fail_unless_equals_string(rec.texts[i].c_str(), rec.utts[i].text.c_str());
        fail_unless_equals_uint64(rec.text_pts[i], rec.utts[i].first_pts);
        double d =
            std::fabs((double)rec.text_duration[i] - (double)(rec.utts[i].end - rec.utts[i].first_pts));
        worst = std::max(worst, d);
    }
    fail_unless_equals_uint64(rec.text_gaps[0].first, rec.utts[4].first_pts);
    printf("text buffers vs utterance audio: max |duration diff| %.3f ms\n", worst / 1e6);
    fail_unless(worst <= 1e6, "text duration differs from the audio by %.3f ms", worst / 1e6);
    /* two warnings, counted in the message at EOS */
    fail_unless_equals_int((int)run.warnings.size(), 2);
    fail_unless(run.warnings[0].find("missing.wav") != std::string::npos, "%s", run.warnings[0].c_str());
    fail_unless(run.warnings[1].find("not-audio.wav") != std::string::npos, "%s", run.warnings[1].c_str());
    auto summary = run.named("emotion-dataset");
    fail_unless_equals_int((int)summary.size(), 1);
    fail_unless_equals_int(uint_field(summary[0], "utterances"), 7);
    fail_unless_equals_int(uint_field(summary[0], "emitted"), 5);
    fail_unless_equals_int(uint_field(summary[0], "skipped"), 2);
    fail_unless_equals_int(uint_field(summary[0], "filtered"), 0);
    fail_unless_equals_int(uint_field(summary[0], "epochs"), 1);
    fail_unless_equals_int(rec.epoch_events.size(), 2);
    fail_unless_equals_string(rec.epoch_events[0].c_str(), "start 0/1");
    fail_unless_equals_string(rec.epoch_events[1].c_str(), "end 0/1");
}

GST_END_TEST;

static std::vector<std::vector<std::string>> epoch_orders(const Recording& rec, int epochs) {
    std::vector<std::vector<std::string>> orders(epochs);
    for (const auto& u : rec.utts) {
        size_t at = u.id.find('@');
        fail_unless(at != std::string::npos, "id %s has no epoch", u.id.c_str());
        int epoch = std::stoi(u.id.substr(at + 1));
        fail_unless(epoch >= 0 && epoch < epochs);
        orders[epoch].push_back(u.id.substr(0, at));
    }
    return orders;
}

GST_START_TEST(test_epochs_shuffle) {
    if (!have_emodb("test_epochs_shuffle")) return;
    std::string manifest = small_manifest("m2.csv", {"emodb03", "emodb10"}, 4);
    std::string props = "location=\"" + manifest + "\" epochs=3 shuffle=true seed=";
    Recording a, b, c;
    Run ra, rb, rc;
    play(props + "5", &a, &ra);
    play(props + "5", &b, &rb);
    play(props + "6", &c, &rc);
    fail_unless_equals_string(ra.error.c_str(), "");
    const std::vector<std::string> want_events = {"start 0/3", "end 0/3",   "start 1/3",
                                                  "end 1/3",   "start 2/3", "end 2/3"};
    fail_unless(a.epoch_events == want_events);
    auto oa = epoch_orders(a, 3), ob = epoch_orders(b, 3), oc = epoch_orders(c, 3);
    for (int e = 0; e < 3; e++) {
        fail_unless_equals_int((int)oa[e].size(), 8);
        std::set<std::string> s(oa[e].begin(), oa[e].end());
        fail_unless_equals_int((int)s.size(), 8);
        fail_unless(std::set<std::string>(oa[0].begin(), oa[0].end()) == s);
    }
    fail_unless(oa == ob, "same seed, different order");
    fail_unless(oa[0] != oa[1] || oa[1] != oa[2], "the order is the same in every epoch");
    fail_unless(oa != oc, "seeds 5 and 6 give the same orders");
    auto summary = ra.named("emotion-dataset");
    fail_unless_equals_int((int)summary.size(), 1);
    fail_unless_equals_int(uint_field(summary[0], "emitted"), 24);
    fail_unless_equals_int(uint_field(summary[0], "epochs"), 3);
}

GST_END_TEST;

/* speaker-independent splits: test and validation speakers never in train */
GST_START_TEST(test_splits) {
    if (!have_emodb("test_splits")) return;
    std::string manifest = small_manifest("m3.csv", {"emodb03", "emodb08", "emodb09", "emodb10"}, 3);
    Recording rec;
    Run run;
    play("location=\"" + manifest + "\" test-speakers=emodb03 valid-speakers=emodb08,emodb09", &rec, &run);
    fail_unless_equals_int((int)rec.utts.size(), 12);
    std::vector<std::string> order;
    for (const auto& u : rec.utts) {
        const char* want = u.speaker == "emodb03" ? "test" : (u.speaker == "emodb10" ? "train" : "valid");
        fail_unless_equals_string(u.split.c_str(), want);
        order.push_back(u.split);
    }
    /* train first, then valid, then test */
    fail_unless(std::is_sorted(order.begin(), order.end(), [](const std::string& x, const std::string& y) {
        auto rank = [](const std::string& s) { return s == "train" ? 0 : s == "valid" ? 1 : 2; };
        return rank(x) < rank(y);
    }));
    auto summary = run.named("emotion-dataset");
    fail_unless_equals_int(uint_field(summary[0], "train"), 3);
    fail_unless_equals_int(uint_field(summary[0], "valid"), 6);
    fail_unless_equals_int(uint_field(summary[0], "test"), 3);

    /* split=train plays only emodb10 */
    Recording train;
    Run run2;
    play("location=\"" + manifest +
             "\" test-speakers=emodb03 valid-speakers=emodb08,emodb09 "
             "split=train",
         &train, &run2);
    fail_unless_equals_int((int)train.utts.size(), 3);
    for (const auto& u : train.utts) fail_unless_equals_string(u.speaker.c_str(), "emodb10");

    /* valid-fraction draws whole speakers */
    Recording frac;
    Run run3;
    play("location=\"" + manifest + "\" test-speakers=emodb03 valid-fraction=0.3 seed=2", &frac, &run3);
    std::set<std::string> train_speakers, valid_speakers;
    for (const auto& u : frac.utts) {
        if (u.split == "train") train_speakers.insert(u.speaker);
        if (u.split == "valid") valid_speakers.insert(u.speaker);
        if (u.speaker == "emodb03") fail_unless_equals_string(u.split.c_str(), "test");
    }
    fail_unless(!valid_speakers.empty());
    fail_unless(!train_speakers.empty());
    for (const auto& s : valid_speakers)
        fail_unless(train_speakers.count(s) == 0, "speaker %s in train and valid", s.c_str());
    fail_unless(train_speakers.count("emodb03") == 0);
    auto fs = run3.named("emotion-dataset");
    printf("valid-fraction=0.3 over 9 non-test utterances: %u valid (%zu speakers), %u train\n",
           uint_field(fs[0], "valid"), valid_speakers.size(), uint_field(fs[0], "train"));
    fail_unless(uint_field(fs[0], "valid") >= 3);
}

GST_END_TEST;

GST_START_TEST(test_labels_filter_map) {
    if (!have_emodb("test_labels_filter_map")) return;
    std::string manifest = small_manifest("m4.csv", {"emodb03", "emodb08"}, 10);
    std::map<std::string, std::string> original; /* id -> emotion */
    auto lines = lines_of(read_text(manifest));
    for (size_t i = 1; i < lines.size(); i++) {
        std::stringstream in(lines[i]);
        std::string path, emotion;
        std::getline(in, path, ',');
        std::getline(in, emotion, ',');
        gchar* base = g_path_get_basename(path.c_str());
        std::string id = base;
        g_free(base);
        original[id.substr(0, id.rfind('.'))] = emotion;
    }
    int kept = 0;
    for (const auto& e : original)
        if (e.second == "angry" || e.second == "sad" || e.second == "happy") kept++;
    fail_unless(kept > 0 && kept < (int)original.size(), "pick speakers with more labels");
    Recording rec;
    Run run;
    play("location=\"" + manifest + "\" labels=angry,sad label-map=happy:angry", &rec, &run);
    fail_unless_equals_string(run.error.c_str(), "");
    fail_unless_equals_int((int)rec.utts.size(), kept);
    for (const auto& u : rec.utts) {
        const std::string& was = original[u.id];
        fail_unless_equals_string(u.emotion.c_str(), was == "happy" ? "angry" : was.c_str());
    }
    auto summary = run.named("emotion-dataset");
    fail_unless_equals_int(uint_field(summary[0], "utterances"), (int)original.size());
    fail_unless_equals_int(uint_field(summary[0], "filtered"), (int)original.size() - kept);
    fail_unless_equals_int(uint_field(summary[0], "emitted"), kept);
}

GST_END_TEST;

/* The error of starting a source on the manifest at `location`: the state change fails. */
static std::string source_error(const std::string& location) {
    GstElement* pipeline = launch("emodatasetsrc location=\"" + location + "\" ! fakesink");
    std::string e = pause_error(pipeline);
    gst_object_unref(pipeline);
    printf("manifest %s -> %s\n", location.c_str(), e.c_str());
    fail_unless(!e.empty());
    return e;
}

/* The error of starting a source on `text` (written to a temp file `name`). */
static std::string manifest_error(const std::string& name, const std::string& text) {
    std::string path = temp_path(name);
    fail_unless(g_file_set_contents(path.c_str(), text.c_str(), -1, NULL));
    return source_error(path);
}

GST_START_TEST(test_malformed_manifest_n) {
    std::string e = manifest_error("bad.csv", "path,emotion,speaker,gender,text\n"
                                              "a.wav,angry,s1,m,ok\n"
                                              "b.wav,an\"gry,s1,m,bad quote\n");
    fail_unless(e.find("bad.csv:3") != std::string::npos, "%s", e.c_str());
    e = manifest_error("fields.csv", "path,emotion,speaker,gender,text\n"
                                     "a.wav,angry\n"
                                     "b.wav,angry,s1,m,t,extra,more\n");
    fail_unless(e.find("fields.csv:") != std::string::npos, "%s", e.c_str());
    e = manifest_error("noheader.csv", "wav/a.wav,angry,s1,m,t\n");
    fail_unless(e.find("noheader.csv") != std::string::npos, "%s", e.c_str());
    e = manifest_error("bad.jsonl", "{\"path\": \"a.wav\", \"emotion\": \"angry\"}\n"
                                    "[1, 2]\n");
    fail_unless(e.find("bad.jsonl:2") != std::string::npos, "%s", e.c_str());
    e = manifest_error("empty.csv", "");
    fail_unless(e.find("empty.csv") != std::string::npos, "%s", e.c_str());
    /* a manifest that does not exist */
    e = source_error(temp_path("does-not-exist.csv"));
    fail_unless(e.find("does-not-exist.csv") != std::string::npos, "%s", e.c_str());
}

GST_END_TEST;

GST_START_TEST(test_jsonl_manifest) {
    if (!have_emodb("test_jsonl_manifest")) return;
    std::string path = temp_path("m.jsonl");
    std::string text = "{\"path\": \"" + emodb("wav/03a01Fa.wav") +
                       "\", \"emotion\": "
                       "\"happy\", \"speaker\": \"emodb03\", \"gender\": \"m\", \"text\": \"Der Lappen\"}\n"
                       "\n{\"path\": \"" +
                       emodb("wav/03a01Wa.wav") + "\", \"emotion\": \"angry\"}\n";
    fail_unless(g_file_set_contents(path.c_str(), text.c_str(), -1, NULL));
    Recording rec;
    Run run;
    play("location=\"" + path + "\"", &rec, &run);
    fail_unless_equals_string(run.error.c_str(), "");
    fail_unless_equals_int((int)rec.utts.size(), 2);
    fail_unless_equals_string(rec.utts[0].id.c_str(), "03a01Fa");
    fail_unless_equals_string(rec.utts[0].emotion.c_str(), "happy");
    fail_unless_equals_string(rec.utts[0].speaker.c_str(), "emodb03");
    fail_unless_equals_string(rec.utts[0].gender.c_str(), "m");
    fail_unless_equals_string(rec.utts[0].text.c_str(), "Der Lappen");
    fail_unless_equals_string(rec.utts[1].id.c_str(), "03a01Wa");
    fail_unless_equals_string(rec.utts[1].emotion.c_str(), "angry");
    fail_unless_equals_string(rec.utts[1].speaker.c_str(), "");
}

GST_END_TEST;

/* NULL -> PLAYING -> NULL, to the end and stopped half-way */
GST_START_TEST(test_state_changes) {
    if (!have_emodb("test_state_changes")) return;
    std::string manifest = small_manifest("m5.csv", {"emodb03"}, 3);
    std::string description = "emodatasetsrc location=\"" + manifest +
                              "\" ! lldextract ! "
                              "fakesink sync=false";
    GstElement* pipeline = launch(description);
    play_and_interrupt(pipeline, 20, [](int round) { g_usleep(20000 * (round % 5)); });
    gst_object_unref(pipeline);
}

GST_END_TEST;

/* seeking a dataset is refused, playback goes on */
GST_START_TEST(test_seek_refused_n) {
    if (!have_emodb("test_seek_refused_n")) return;
    std::string manifest = small_manifest("m6.csv", {"emodb03"}, 2);
    GstElement* pipeline = launch("emodatasetsrc location=\"" + manifest + "\" ! fakesink sync=false");
    fail_unless(gst_element_set_state(pipeline, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
    gst_element_get_state(pipeline, NULL, NULL, test_wait(10 * GST_SECOND));
    fail_if(gst_element_seek_simple(pipeline, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, GST_SECOND));
    fail_unless_equals_std_string(run_pipeline(pipeline), "");
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
}

GST_END_TEST;

static Suite* emodatasetsrc_suite(void) {
    Suite* s = suite_create("emodatasetsrc");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_segments_text_skipped);
    tcase_add_test(tc, test_epochs_shuffle);
    tcase_add_test(tc, test_splits);
    tcase_add_test(tc, test_labels_filter_map);
    tcase_add_test(tc, test_malformed_manifest_n);
    tcase_add_test(tc, test_jsonl_manifest);
    tcase_add_test(tc, test_state_changes);
    tcase_add_test(tc, test_seek_refused_n);
    return s;
}

GST_CHECK_MAIN(emodatasetsrc);
