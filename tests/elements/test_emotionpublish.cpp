/* emotionpublish tests against a real mosquitto broker (mqtt_test_broker.h): every result arrives
 * once, in order, with emotionsink's JSON fields and the stream id; a broker killed mid-stream and
 * restarted loses nothing within the bound and the bound's drops are counted on the bus; start
 * offline; flush at EOS; the bad inputs (broker down at start, wrong credentials, wildcard topic,
 * malformed locations) are clean errors that never show the password. */
#include "test_emotion_common.h"

#include "mqtt_test_broker.h"

#include <nlohmann/json.hpp>

using namespace emotion_test;
using namespace mqtt_test;

static const char* kLabels[] = {"angry", "happy", "neutral", "sad"};
static const float kScores[] = {0.1f, 0.6f, 0.2f, 0.1f};
static const char* kTopic = "studio/mic1/emotions";

/* `s` seconds of waiting on this machine (longer in a sanitizer build). */
static double seconds(double s) { return test_wait((GstClockTime)(s * GST_SECOND)) / 1e9; }

static std::string start_error(const std::string& properties, GstStateChangeReturn* ret = NULL,
                               const char* password = NULL);

/* Result i: segment "s<i>", starting at i seconds, one second long. */
static GstBuffer* result_buffer(int i) {
    GstBuffer* b = gst_buffer_new_memdup(kScores, sizeof(kScores));
    GST_BUFFER_PTS(b) = i * GST_SECOND;
    GST_BUFFER_DURATION(b) = GST_SECOND;
    gst_buffer_add_emotion_meta(b, 4, kLabels, kScores, ("s" + std::to_string(i)).c_str(), "test-model");
    return b;
}

struct Publisher {
    GstHarness* h;
    GstBus* bus;
    GstElement* element;

    explicit Publisher(const std::string& properties,
                       const char* caps = "other/tensors,format=static,num_tensors=1,"
                                          "types=float32,dimensions=(string)4:1,framerate=0/1") {
        h = gst_harness_new_parse(("emotionpublish " + properties).c_str());
        bus = gst_bus_new();
        gst_element_set_bus(h->element, bus);
        element = gst_harness_find_element(h, "emotionpublish");
        gst_harness_push_event(h, gst_event_new_stream_start("mic-7"));
        gst_harness_set_src_caps_str(h, caps);
    }
    ~Publisher() {
        gst_object_unref(element);
        harness_teardown(h, bus);
    }
    void push(int first, int count) {
        for (int i = first; i < first + count; i++)
            fail_unless_equals_int(gst_harness_push(h, result_buffer(i)), GST_FLOW_OK);
    }
    guint buffered() {
        guint n = 0;
        g_object_get(element, "buffered", &n, NULL);
        return n;
    }
    gboolean connected() {
        gboolean c = FALSE;
        g_object_get(element, "connected", &c, NULL);
        return c;
    }
};

/* The segment ids of the messages, checking every message's fields on the way. */
static std::vector<std::string> segments_of(const std::vector<std::string>& messages) {
    std::vector<std::string> out;
    for (const std::string& m : messages) {
        nlohmann::json j = nlohmann::json::parse(m);
        std::string id = j["segment"].get<std::string>();
        int i = std::stoi(id.substr(1));
        fail_unless(std::fabs(j["start"].get<double>() - i) < 1e-9, "%s", m.c_str());
        fail_unless(std::fabs(j["end"].get<double>() - (i + 1)) < 1e-9, "%s", m.c_str());
        fail_unless_equals_std_string(j["label"].get<std::string>(), "happy");
        fail_unless(std::fabs(j["confidence"].get<double>() - 0.6) < 1e-6);
        for (int k = 0; k < 4; k++)
            fail_unless(std::fabs(j["scores"][kLabels[k]].get<double>() - kScores[k]) < 1e-6);
        fail_unless_equals_std_string(j["model"].get<std::string>(), "test-model");
        fail_unless_equals_std_string(j["stream-id"].get<std::string>(), "mic-7");
        out.push_back(id);
    }
    return out;
}

static std::vector<std::string> ids(int first, int count) {
    std::vector<std::string> out;
    for (int i = first; i < first + count; i++) out.push_back("s" + std::to_string(i));
    return out;
}

static std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += s + " ";
    return out;
}

static std::vector<guint> dropped_counts(GstBus* bus, guint64* last_total) {
    std::vector<GstStructure*> messages = element_messages(bus, "emotionpublish-dropped");
    std::vector<guint> counts;
    for (GstStructure* s : messages) {
        guint count = 0;
        fail_unless(gst_structure_get_uint(s, "count", &count));
        fail_unless(gst_structure_get_uint64(s, "total", last_total));
        counts.push_back(count);
    }
    free_structures(messages);
    return counts;
}

GST_START_TEST(test_every_result_once_in_order) {
    Broker broker;
    broker.start();
    Subscriber subscriber(broker.port(), kTopic);
    {
        Publisher p("location=" + broker.url(kTopic) + " qos=1");
        fail_unless(p.connected());
        p.push(0, 25);
        gst_harness_push_event(p.h, gst_event_new_eos());
        /* EOS waited for the acknowledgements */
        fail_unless_equals_int(p.buffered(), 0);
        fail_unless_equals_std_string(error_of(p.bus), "");
    }
    std::vector<std::string> got = segments_of(subscriber.wait_for(25, seconds(10)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); /* nothing more comes */
    got = segments_of(subscriber.messages());
    fail_unless_equals_std_string(joined(got), joined(ids(0, 25)));

    /* each message is emotionsink's JSON Lines record of the same result, plus stream-id */
    std::string path = temp_path("same.jsonl");
    GstHarness* h = gst_harness_new_parse(("emotionsink location=" + path).c_str());
    gst_harness_set_src_caps_str(h, "other/tensors,format=static,num_tensors=1,"
                                    "types=float32,dimensions=(string)4:1,framerate=0/1");
    for (int i = 0; i < 25; i++) fail_unless_equals_int(gst_harness_push(h, result_buffer(i)), GST_FLOW_OK);
    gst_harness_push_event(h, gst_event_new_eos());
    gst_harness_teardown(h);
    std::vector<std::string> lines = lines_of(read_text(path)), messages = subscriber.messages();
    fail_unless_equals_int((int)lines.size(), 25);
    for (int i = 0; i < 25; i++) {
        nlohmann::json message = nlohmann::json::parse(messages[i]);
        message.erase("stream-id");
        fail_unless(message == nlohmann::json::parse(lines[i]), "%s\n%s", messages[i].c_str(),
                    lines[i].c_str());
    }
}

GST_END_TEST;

GST_START_TEST(test_qos0_text_and_stream_id_property) {
    Broker broker;
    broker.start();
    Subscriber subscriber(broker.port(), kTopic);
    {
        /* results as text lines (the meta is what counts) */
        Publisher p("location=" + broker.url(kTopic) + " qos=0 stream-id=booth-3", "text/x-raw,format=utf8");
        p.push(0, 5);
        gst_harness_push_event(p.h, gst_event_new_eos());
        fail_unless_equals_int(p.buffered(), 0);
    }
    std::vector<std::string> got = subscriber.wait_for(5, seconds(10));
    fail_unless_equals_int((int)got.size(), 5);
    for (int i = 0; i < 5; i++) {
        nlohmann::json j = nlohmann::json::parse(got[i]);
        fail_unless_equals_std_string(j["stream-id"].get<std::string>(), "booth-3");
        fail_unless_equals_std_string(j["segment"].get<std::string>(), "s" + std::to_string(i));
    }
}

GST_END_TEST;

/* mqtts:// with the broker's CA; the subscriber listens on the same broker's plain listener. */
GST_START_TEST(test_tls) {
    Broker broker({}, false, true);
    broker.start();
    fail_unless(wait_until([&] { return port_open(broker.tls_port()); }, seconds(10)));
    Subscriber subscriber(broker.port(), kTopic);
    const std::string location = "mqtts://127.0.0.1:" + std::to_string(broker.tls_port()) + "/" + kTopic;
    {
        Publisher p("location=" + location + " ca-file=" + broker.ca_file());
        fail_unless(p.connected());
        p.push(0, 5);
        gst_harness_push_event(p.h, gst_event_new_eos());
        fail_unless_equals_int(p.buffered(), 0);
    }
    std::vector<std::string> got = segments_of(subscriber.wait_for(5, seconds(10)));
    fail_unless_equals_std_string(joined(got), joined(ids(0, 5)));

    /* the system's CAs do not know the test CA: no connection */
    GstStateChangeReturn ret;
    std::string error = start_error("location=" + location + " connect-timeout=2000000000", &ret);
    fail_unless_equals_int(ret, GST_STATE_CHANGE_FAILURE);
    fail_unless(error.find("Cannot connect to the MQTT broker") != std::string::npos, "%s", error.c_str());
    fail_unless(error.find("certificate verify failed") != std::string::npos, "%s", error.c_str());
}

GST_END_TEST;

/* Kills the broker (SIGKILL) between two parts of the stream, pushes 80 results while it is away
 * with room for 50, restarts it on the same port and finishes the stream. The subscriber's
 * session (clean_session false) survives the restart in the broker's database, so the broker
 * queues for it whatever the publisher delivers before the subscriber is back: a lost message
 * would show. */
GST_START_TEST(test_broker_restart_loses_nothing_within_bound) {
    Broker broker({}, true);
    broker.start();
    Subscriber subscriber(broker.port(), kTopic, "emotion-test-subscriber");
    broker.save();

    Publisher p("location=" + broker.url(kTopic) + " qos=1 max-buffered=50 max-reconnect-delay=2");
    p.push(0, 10);
    subscriber.wait_for(10, seconds(10));
    fail_unless(wait_until([&] { return p.buffered() == 0; }, seconds(10)));

    broker.kill_hard();
    fail_unless(wait_until([&] { return !p.connected(); }, seconds(10)), "the loss went unnoticed");
    p.push(10, 80);
    fail_unless_equals_int(p.buffered(), 50);
    guint64 total = 0;
    std::vector<guint> counts = dropped_counts(p.bus, &total);
    guint sum = 0;
    for (guint c : counts) sum += c;
    fail_unless_equals_int(sum, 30);
    fail_unless_equals_int((int)total, 30);
    guint64 dropped = 0;
    g_object_get(p.element, "dropped", &dropped, NULL);
    fail_unless_equals_int((int)dropped, 30);

    broker.start();
    fail_unless(wait_until([&] { return p.connected(); }, seconds(15)), "no reconnection");
    /* the buffer is still full until the broker acknowledged it: more now would drop again */
    fail_unless(wait_until([&] { return p.buffered() == 0; }, seconds(15)), "the buffer was not delivered");
    p.push(90, 10);
    gst_harness_push_event(p.h, gst_event_new_eos());
    fail_unless_equals_int(p.buffered(), 0);
    g_object_get(p.element, "dropped", &dropped, NULL);
    fail_unless_equals_int((int)dropped, 30);

    /* the first 10, the newest 50 of the 80 (s40..s89), the last 10 */
    std::vector<std::string> expected = ids(0, 10), kept = ids(40, 50), last = ids(90, 10);
    expected.insert(expected.end(), kept.begin(), kept.end());
    expected.insert(expected.end(), last.begin(), last.end());
    std::vector<std::string> got = segments_of(subscriber.wait_for(expected.size(), seconds(20)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    got = segments_of(subscriber.messages());
    fail_unless_equals_std_string(joined(got), joined(expected));
}

GST_END_TEST;

/* Messages handed to the connection but not acknowledged when the broker dies are sent again after
 * the reconnect, before the newer ones: the broker is frozen (no acknowledgements), 30 results go
 * out (20 in flight, 10 waiting), then it is killed and restarted. */
GST_START_TEST(test_unacknowledged_sent_again_in_order) {
    Broker broker({}, true);
    broker.start();
    Subscriber subscriber(broker.port(), kTopic, "emotion-test-inflight");
    broker.save();

    Publisher p("location=" + broker.url(kTopic) + " qos=1 max-reconnect-delay=2");
    p.push(0, 5);
    fail_unless(wait_until([&] { return p.buffered() == 0; }, seconds(10)));
    broker.freeze();
    p.push(5, 30);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    fail_unless_equals_int(p.buffered(), 30);
    fail_unless(p.connected());
    broker.kill_hard();
    fail_unless(wait_until([&] { return !p.connected(); }, seconds(10)), "the loss went unnoticed");
    fail_unless_equals_int(p.buffered(), 30);

    broker.start();
    fail_unless(wait_until([&] { return p.buffered() == 0; }, seconds(15)),
                "not delivered after the restart");
    gst_harness_push_event(p.h, gst_event_new_eos());
    std::vector<std::string> got = segments_of(subscriber.wait_for(35, seconds(20)));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    got = segments_of(subscriber.messages());
    fail_unless_equals_std_string(joined(got), joined(ids(0, 35)));
}

GST_END_TEST;

/* start-offline: no broker yet; results wait and go out once it is up. */
GST_START_TEST(test_start_offline_buffers_until_broker_up) {
    Broker broker({}, true);
    broker.start();
    {
        Subscriber early(broker.port(), kTopic, "emotion-test-late");
        broker.save();
    }
    broker.kill_hard();

    Publisher p("location=" + broker.url(kTopic) + " start-offline=true max-reconnect-delay=1");
    fail_if(p.connected());
    p.push(0, 5);
    fail_unless_equals_int(p.buffered(), 5);
    broker.start();
    Subscriber subscriber(broker.port(), kTopic, "emotion-test-late");
    gst_harness_push_event(p.h, gst_event_new_eos());
    fail_unless_equals_int(p.buffered(), 0);
    std::vector<std::string> got = segments_of(subscriber.wait_for(5, seconds(10)));
    fail_unless_equals_std_string(joined(got), joined(ids(0, 5)));
}

GST_END_TEST;

GST_START_TEST(test_flush_timeout_at_eos_n) {
    int port = free_port(); /* nobody listens */
    Publisher p("location=mqtt://127.0.0.1:" + std::to_string(port) +
                "/t start-offline=true flush-timeout=300000000");
    p.push(0, 3);
    gint64 before = g_get_monotonic_time();
    gst_harness_push_event(p.h, gst_event_new_eos());
    double waited = (g_get_monotonic_time() - before) / 1e6;
    fail_unless(waited >= 0.25 && waited < 3, "EOS waited %.2f s", waited);
    GstMessage* m = gst_bus_pop_filtered(p.bus, GST_MESSAGE_WARNING);
    fail_unless(m != NULL);
    GError* err = NULL;
    gst_message_parse_warning(m, &err, NULL);
    fail_unless(strstr(err->message, "3 results were not delivered") != NULL, "%s", err->message);
    g_clear_error(&err);
    gst_message_unref(m);
}

GST_END_TEST;

GST_START_TEST(test_byte_bound) {
    int port = free_port();
    /* smaller than any message: each is dropped as it comes */
    Publisher p("location=mqtt://127.0.0.1:" + std::to_string(port) +
                "/t start-offline=true max-buffered=0 max-buffered-bytes=10 flush-timeout=0");
    p.push(0, 4);
    fail_unless_equals_int(p.buffered(), 0);
    guint64 total = 0;
    fail_unless_equals_int((int)dropped_counts(p.bus, &total).size(), 4);
    fail_unless_equals_int((int)total, 4);

    Publisher unbounded("location=mqtt://127.0.0.1:" + std::to_string(port) +
                        "/t start-offline=true max-buffered=0 max-buffered-bytes=0 flush-timeout=0");
    unbounded.push(0, 30);
    fail_unless_equals_int(unbounded.buffered(), 30);
    fail_unless_equals_int((int)dropped_counts(unbounded.bus, &total).size(), 0);
}

GST_END_TEST;

/* Sets `properties` (and `password`, as an application would: GStreamer's parser logs a launch
 * line) on a new element, goes to PAUSED and returns the error ("" when it started). */
static std::string start_error(const std::string& properties, GstStateChangeReturn* ret,
                               const char* password) {
    GstElement* pipeline = gst_parse_launch(("emotionpublish " + properties).c_str(), NULL);
    fail_unless(pipeline != NULL);
    if (password) g_object_set(pipeline, "password", password, NULL);
    GstBus* bus = gst_bus_new();
    gst_element_set_bus(pipeline, bus);
    GstStateChangeReturn r = gst_element_set_state(pipeline, GST_STATE_PAUSED);
    if (ret) *ret = r;
    std::string error = error_of(bus);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_bus_set_flushing(bus, TRUE);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
    return error;
}

GST_START_TEST(test_broker_down_at_start_n) {
    int port = free_port();
    GstStateChangeReturn ret;
    gint64 before = g_get_monotonic_time();
    std::string error = start_error(
        "location=mqtt://127.0.0.1:" + std::to_string(port) + "/t connect-timeout=3000000000", &ret);
    fail_unless((g_get_monotonic_time() - before) / 1e6 < 5);
    fail_unless_equals_int(ret, GST_STATE_CHANGE_FAILURE);
    fail_unless(error.find("Cannot connect to the MQTT broker at 127.0.0.1:" + std::to_string(port)) !=
                    std::string::npos,
                "%s", error.c_str());
    fail_unless(error.find("start-offline") != std::string::npos, "%s", error.c_str());
}

GST_END_TEST;

static const char* kSecret = "s3cret-Pa55word";
static const char* kWrongSecret = "wrong-Pa55word-42";

struct LogCapture {
    std::mutex lock;
    std::string text;
};

static void capture_log(GstDebugCategory*, GstDebugLevel, const gchar*, const gchar*, gint, GObject*,
                        GstDebugMessage* message, gpointer data) {
    auto* capture = static_cast<LogCapture*>(data);
    const gchar* text = gst_debug_message_get(message);
    std::lock_guard<std::mutex> lock(capture->lock);
    if (text) capture->text += std::string(text) + "\n";
}

GST_START_TEST(test_wrong_credentials_n) {
    Broker broker({std::string("tagger:") + kSecret});
    broker.start();
    /* every debug message of every category, at every level */
    LogCapture capture;
    gst_debug_set_active(TRUE);
    gst_debug_remove_log_function(gst_debug_log_default);
    gst_debug_add_log_function(capture_log, &capture, NULL);
    gst_debug_set_default_threshold(GST_LEVEL_MEMDUMP);

    GstStateChangeReturn ret;
    std::string error =
        start_error("location=" + broker.url(kTopic) + " username=tagger", &ret, kWrongSecret);
    fail_unless_equals_int(ret, GST_STATE_CHANGE_FAILURE);
    fail_unless(error.find("authentication") != std::string::npos, "%s", error.c_str());
    fail_unless(error.find(kWrongSecret) == std::string::npos, "%s", error.c_str());

    /* started offline, the refusal comes later: still an error, on the bus */
    {
        GstElement* element = gst_parse_launch(
            ("emotionpublish start-offline=true username=tagger location=" + broker.url(kTopic)).c_str(),
            NULL);
        g_object_set(element, "password", kWrongSecret, NULL);
        GstBus* bus = gst_bus_new();
        gst_element_set_bus(element, bus);
        fail_if(gst_element_set_state(element, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE);
        GstMessage* m = gst_bus_timed_pop_filtered(bus, test_wait(10 * GST_SECOND), GST_MESSAGE_ERROR);
        fail_unless(m != NULL, "no error for a refused login after an offline start");
        GError* err = NULL;
        gchar* debug = NULL;
        gst_message_parse_error(m, &err, &debug);
        fail_unless(strstr(err->message, "authentication") != NULL, "%s", err->message);
        fail_unless(strstr(err->message, kWrongSecret) == NULL && strstr(debug, kWrongSecret) == NULL);
        g_clear_error(&err);
        g_free(debug);
        gst_message_unref(m);
        gst_element_set_state(element, GST_STATE_NULL);
        gst_bus_set_flushing(bus, TRUE);
        gst_object_unref(bus);
        gst_object_unref(element);
    }

    /* no login at all */
    error = start_error("location=" + broker.url(kTopic), &ret);
    fail_unless(error.find("authentication") != std::string::npos, "%s", error.c_str());

    /* the right one, from the environment */
    g_setenv("EMOTION_MQTT_USERNAME", "tagger", TRUE);
    g_setenv("EMOTION_MQTT_PASSWORD", kSecret, TRUE);
    error = start_error("location=" + broker.url(kTopic), &ret);
    g_unsetenv("EMOTION_MQTT_USERNAME");
    g_unsetenv("EMOTION_MQTT_PASSWORD");
    fail_unless_equals_std_string(error, "");
    fail_if(ret == GST_STATE_CHANGE_FAILURE);

    gst_debug_set_default_threshold(GST_LEVEL_NONE);
    gst_debug_remove_log_function(capture_log);
    gst_debug_add_log_function(gst_debug_log_default, NULL, NULL);
    std::lock_guard<std::mutex> lock(capture.lock);
    fail_unless(capture.text.find("emotionpublish") != std::string::npos, "nothing was captured");
    fail_unless(capture.text.find(kSecret) == std::string::npos, "the password is in the debug log");
    fail_unless(capture.text.find(kWrongSecret) == std::string::npos, "the password is in the debug log");
}

GST_END_TEST;

GST_START_TEST(test_bad_locations_n) {
    struct Case {
        const char* properties;
        const char* expected;
    };
    static const Case cases[] = {
        {"location=mqtt://127.0.0.1:1883/studio/+/emotions", "wildcard"},
        {"location=\"mqtt://127.0.0.1:1883/studio/#\"", "wildcard"},
        {"", "No broker location"},
        {"location=http://127.0.0.1/t", "expected mqtt://host[:port]/topic"},
        {"location=mqtt://127.0.0.1:99999/t", "not a number from 1 to 65535"},
        {"location=mqtt://127.0.0.1:/t", "empty port"},
        {"location=mqtt://127.0.0.1:1883", "no topic"},
        {"location=mqtt://127.0.0.1:1883/", "no topic"},
        {"location=mqtt:///t", "no host"},
        {"location=mqtt://user:pw@127.0.0.1/t", "credentials do not belong in the location"},
        {"location=mqtt://127.0.0.1/t password=x", "no username"},
        {"location=mqtt://127.0.0.1/t cert-file=/nonexistent.pem", "cert-file and key-file go together"},
        {"location=mqtts://127.0.0.1/t ca-file=/nonexistent.pem", "TLS files"},
        {"location=mqtt://[::1:1883/t", "unclosed '['"},
        {"location=mqtt://[::1]x/t", "unexpected 'x' after the host"},
    };
    for (const Case& c : cases) {
        GstStateChangeReturn ret;
        std::string error = start_error(c.properties, &ret);
        fail_unless_equals_int(ret, GST_STATE_CHANGE_FAILURE);
        fail_unless(error.find(c.expected) != std::string::npos, "%s: %s", c.properties, error.c_str());
    }
    /* well-formed, nobody listening: no error when starting offline, and a prompt stop (a TLS
     * connection still being set up once held it for the 30 s keep-alive) */
    for (const char* location : {"mqtt://[::1]:1/a/b", "mqtt://localhost:1/t", "mqtts://127.0.0.1:1/t%20x"}) {
        GstStateChangeReturn ret;
        gint64 before = g_get_monotonic_time();
        std::string error = start_error(std::string("location=") + location + " start-offline=true", &ret);
        double took = (g_get_monotonic_time() - before) / 1e6;
        fail_unless_equals_std_string(error, "");
        fail_if(ret == GST_STATE_CHANGE_FAILURE, "%s", location);
        fail_unless(took < seconds(3), "%s: start and stop took %.1f s", location, took);
    }
}

GST_END_TEST;

static Suite* emotionpublish_suite(void) {
    Suite* s = suite_create("emotionpublish");
    TCase* tc = general_case(s);
    tcase_add_test(tc, test_every_result_once_in_order);
    tcase_add_test(tc, test_qos0_text_and_stream_id_property);
    tcase_add_test(tc, test_tls);
    tcase_add_test(tc, test_broker_restart_loses_nothing_within_bound);
    tcase_add_test(tc, test_unacknowledged_sent_again_in_order);
    tcase_add_test(tc, test_start_offline_buffers_until_broker_up);
    tcase_add_test(tc, test_flush_timeout_at_eos_n);
    tcase_add_test(tc, test_byte_bound);
    tcase_add_test(tc, test_broker_down_at_start_n);
    tcase_add_test(tc, test_wrong_credentials_n);
    tcase_add_test(tc, test_bad_locations_n);
    return s;
}

GST_CHECK_MAIN(emotionpublish);
