/**
 * SECTION:element-emotionpublish
 * @title: emotionpublish
 *
 * Publishes the results of an emotion classifier (buffers carrying a GstEmotionMeta, as
 * other/tensors or text) to an MQTT broker: one message per result, the JSON object emotionsink
 * writes as a JSON Lines record plus a `stream-id` field (the `stream-id` property, else the id of
 * the stream-start event).
 *
 * `location` is `mqtt://host[:port]/topic` (port 1883) or `mqtts://host[:port]/topic` (TLS, port
 * 8883); the topic is everything after the first '/', taken literally, and may not contain the
 * wildcards '+' or '#'. Credentials come from `username`/`password`, else from the environment
 * variables EMOTION_MQTT_USERNAME and EMOTION_MQTT_PASSWORD; the password is never logged (prefer
 * the variable: a command line is visible to other users).
 *
 * Results are kept until delivered (QoS 1: acknowledged by the broker; QoS 0: written to the
 * connection), in a buffer bounded by `max-buffered` messages and `max-buffered-bytes`. When the
 * connection drops, the element posts a warning, keeps buffering and reconnects with exponential
 * backoff (1 s doubling up to `max-reconnect-delay`); messages not acknowledged are re-sent, so a
 * broker restart loses nothing within the bound (a result may then arrive twice: QoS 1 is "at
 * least once"). When the bound is exceeded the oldest waiting messages are dropped and an
 * `emotionpublish-dropped` element message is posted, fields `count` (uint: dropped for this
 * result) and `total` (guint64: dropped since the element started). At EOS the element waits up
 * to `flush-timeout` for the buffer to empty, with a warning naming what was left undelivered.
 *
 * Errors: no or malformed location, a wildcard topic, unusable TLS files, a broker that cannot be
 * reached within `connect-timeout` when the element starts (unless `start-offline`), and a login
 * the broker refuses (when starting or at any reconnect).
 *
 * ## Example launch line
 * |[
 * EMOTION_MQTT_PASSWORD=secret gst-launch-1.0 pulsesrc ! audioconvert ! audioresample \
 *     ! lldextract segmentation=vad ! alstmclassify \
 *     ! emotionpublish location=mqtt://broker.local/studio/mic1/emotions username=tagger
 * ]|
 */
#include "gstemotionpublish.h"

#include <chrono>
#include <memory>
#include <string>

#include <gst/emotion/emotion.h>
#include <nlohmann/json.hpp>

#include "emotion-result.h"
#include "mqtt-connection.h"
#include "property-helpers.h"

GST_DEBUG_CATEGORY_STATIC(emotion_publish_debug);
#define GST_CAT_DEFAULT emotion_publish_debug

#define DEFAULT_QOS 1
#define DEFAULT_TLS FALSE
#define DEFAULT_MAX_BUFFERED 10000
#define DEFAULT_MAX_BUFFERED_BYTES (16 * 1024 * 1024)
#define DEFAULT_FLUSH_TIMEOUT (10 * GST_SECOND)
#define DEFAULT_CONNECT_TIMEOUT (10 * GST_SECOND)
#define DEFAULT_START_OFFLINE FALSE
#define DEFAULT_MAX_RECONNECT_DELAY 30

enum {
    PROP_0,
    PROP_LOCATION,
    PROP_QOS,
    PROP_CLIENT_ID,
    PROP_USERNAME,
    PROP_PASSWORD,
    PROP_TLS,
    PROP_CA_FILE,
    PROP_CERT_FILE,
    PROP_KEY_FILE,
    PROP_STREAM_ID,
    PROP_MAX_BUFFERED,
    PROP_MAX_BUFFERED_BYTES,
    PROP_FLUSH_TIMEOUT,
    PROP_CONNECT_TIMEOUT,
    PROP_START_OFFLINE,
    PROP_MAX_RECONNECT_DELAY,
    PROP_CONNECTED,
    PROP_BUFFERED,
    PROP_DROPPED,
};

namespace {

/* The properties, under the object lock; copied when the element starts. */
struct PublishSettings {
    std::string location, client_id, username, password, ca_file, cert_file, key_file, stream_id;
    guint qos = DEFAULT_QOS;
    gboolean tls = DEFAULT_TLS, start_offline = DEFAULT_START_OFFLINE;
    guint max_buffered = DEFAULT_MAX_BUFFERED, max_reconnect_delay = DEFAULT_MAX_RECONNECT_DELAY;
    guint64 max_buffered_bytes = DEFAULT_MAX_BUFFERED_BYTES;
    GstClockTime flush_timeout = DEFAULT_FLUSH_TIMEOUT, connect_timeout = DEFAULT_CONNECT_TIMEOUT;
};

} // namespace

struct _GstEmotionPublish {
    GstBaseSink parent;

    PublishSettings* settings;                /* under the object lock */
    std::string* upstream_stream_id;          /* streaming thread */
    emotion::gst::MqttConnection* connection; /* created in start, freed in stop */
    guint64 dropped;                          /* under the object lock */
};

#define gst_emotion_publish_parent_class parent_class
G_DEFINE_TYPE(GstEmotionPublish, gst_emotion_publish, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE(emotionpublish, "emotionpublish", GST_RANK_NONE, GST_TYPE_EMOTION_PUBLISH);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("other/tensors,format=static,num_tensors=1,types=float32; text/x-raw,format=utf8"));

static void gst_emotion_publish_set_property(GObject* object, guint prop_id, const GValue* value,
                                             GParamSpec* pspec);
static void gst_emotion_publish_get_property(GObject* object, guint prop_id, GValue* value,
                                             GParamSpec* pspec);
static void gst_emotion_publish_finalize(GObject* object);
static gboolean gst_emotion_publish_start(GstBaseSink* sink);
static gboolean gst_emotion_publish_stop(GstBaseSink* sink);
static gboolean gst_emotion_publish_unlock(GstBaseSink* sink);
static gboolean gst_emotion_publish_unlock_stop(GstBaseSink* sink);
static gboolean gst_emotion_publish_event(GstBaseSink* sink, GstEvent* event);
static GstFlowReturn gst_emotion_publish_render(GstBaseSink* sink, GstBuffer* buffer);

#define READY_FLAGS (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)

static void install_string(GObjectClass* klass, guint id, const char* name, const char* nick,
                           const char* blurb) {
    g_object_class_install_property(klass, id, g_param_spec_string(name, nick, blurb, NULL, READY_FLAGS));
}

static void gst_emotion_publish_class_init(GstEmotionPublishClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstBaseSinkClass* basesink_class = GST_BASE_SINK_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(emotion_publish_debug, "emotionpublish", 0, "emotion results to MQTT");

    gobject_class->set_property = gst_emotion_publish_set_property;
    gobject_class->get_property = gst_emotion_publish_get_property;
    gobject_class->finalize = gst_emotion_publish_finalize;

    install_string(gobject_class, PROP_LOCATION, "location", "Location",
                   "Broker and topic: mqtt://host[:port]/topic (port 1883) or mqtts://host[:port]/topic "
                   "(TLS, port 8883); the topic is taken literally and may not contain '+' or '#'");
    g_object_class_install_property(
        gobject_class, PROP_QOS,
        g_param_spec_uint("qos", "QoS",
                          "MQTT quality of service: 0 (a message leaves the buffer once written to the "
                          "connection) or 1 (once the broker acknowledged it)",
                          0, 1, DEFAULT_QOS, READY_FLAGS));
    install_string(gobject_class, PROP_CLIENT_ID, "client-id", "Client id",
                   "MQTT client id (NULL: gst-emotion-<8 random hex digits>)");
    install_string(gobject_class, PROP_USERNAME, "username", "Username",
                   "Login name (NULL: the environment variable EMOTION_MQTT_USERNAME, else no login)");
    /* Write-only: the password cannot be read back, so nothing prints it. */
    g_object_class_install_property(
        gobject_class, PROP_PASSWORD,
        g_param_spec_string(
            "password", "Password",
            "Login password, write-only and never logged (NULL: the environment variable "
            "EMOTION_MQTT_PASSWORD); needs a username",
            NULL, (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobject_class, PROP_TLS,
        g_param_spec_boolean("tls", "TLS",
                             "Connect with TLS (an mqtts:// location implies it); without ca-file the "
                             "system's trusted certificates (/etc/ssl/certs) verify the broker",
                             DEFAULT_TLS, READY_FLAGS));
    install_string(gobject_class, PROP_CA_FILE, "ca-file", "CA file",
                   "PEM file of the certificate authorities that verify the broker (implies tls)");
    install_string(gobject_class, PROP_CERT_FILE, "cert-file", "Certificate file",
                   "PEM client certificate for TLS client authentication (needs key-file; implies tls)");
    install_string(gobject_class, PROP_KEY_FILE, "key-file", "Key file",
                   "Unencrypted PEM private key of cert-file");
    install_string(gobject_class, PROP_STREAM_ID, "stream-id", "Stream id",
                   "Value of every message's stream-id field (NULL: the id of the stream-start event)");
    g_object_class_install_property(
        gobject_class, PROP_MAX_BUFFERED,
        g_param_spec_uint("max-buffered", "Max buffered",
                          "Most messages kept undelivered (waiting for the broker or for its "
                          "acknowledgement); beyond it the oldest waiting are dropped (0: no bound)",
                          0, G_MAXUINT, DEFAULT_MAX_BUFFERED, READY_FLAGS));
    g_object_class_install_property(
        gobject_class, PROP_MAX_BUFFERED_BYTES,
        g_param_spec_uint64("max-buffered-bytes", "Max buffered bytes",
                            "Most bytes of undelivered messages kept (0: no bound)", 0, G_MAXUINT64,
                            DEFAULT_MAX_BUFFERED_BYTES, READY_FLAGS));
    g_object_class_install_property(
        gobject_class, PROP_FLUSH_TIMEOUT,
        g_param_spec_uint64("flush-timeout", "Flush timeout",
                            "Longest wait at EOS for the buffered messages to be delivered (ns)", 0,
                            G_MAXUINT64, DEFAULT_FLUSH_TIMEOUT, READY_FLAGS));
    g_object_class_install_property(
        gobject_class, PROP_CONNECT_TIMEOUT,
        g_param_spec_uint64("connect-timeout", "Connect timeout",
                            "Longest wait for the first connection when the element starts (ns); "
                            "not reaching the broker by then is an error unless start-offline",
                            0, G_MAXUINT64, DEFAULT_CONNECT_TIMEOUT, READY_FLAGS));
    g_object_class_install_property(
        gobject_class, PROP_START_OFFLINE,
        g_param_spec_boolean("start-offline", "Start offline",
                             "Start without waiting for the broker: buffer and keep trying (for live "
                             "sources that must not stop when the broker is late); a refused login is "
                             "still an error",
                             DEFAULT_START_OFFLINE, READY_FLAGS));
    g_object_class_install_property(
        gobject_class, PROP_MAX_RECONNECT_DELAY,
        g_param_spec_uint("max-reconnect-delay", "Max reconnect delay",
                          "Longest wait between reconnection attempts (s); the wait starts at 1 s and "
                          "doubles",
                          1, 3600, DEFAULT_MAX_RECONNECT_DELAY, READY_FLAGS));
    g_object_class_install_property(
        gobject_class, PROP_CONNECTED,
        g_param_spec_boolean("connected", "Connected", "Whether the broker connection is up now", FALSE,
                             (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
    g_object_class_install_property(
        gobject_class, PROP_BUFFERED,
        g_param_spec_uint("buffered", "Buffered", "Messages not yet delivered now", 0, G_MAXUINT, 0,
                          (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));
    g_object_class_install_property(
        gobject_class, PROP_DROPPED,
        g_param_spec_uint64("dropped", "Dropped", "Messages dropped by the buffer bound since the start", 0,
                            G_MAXUINT64, 0, (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

    gst_element_class_set_static_metadata(
        element_class, "Emotion result MQTT publisher", "Sink/Analyzer/Network",
        "Publishes emotion classification results to an MQTT broker as JSON", "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        element_class, "example-launch-line",
        "gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! lldextract "
        "segmentation=vad ! alstmclassify ! emotionpublish location=mqtt://localhost:1883/speech/emotions "
        "start-offline=true");
    gst_element_class_add_static_pad_template(element_class, &sink_template);

    basesink_class->start = GST_DEBUG_FUNCPTR(gst_emotion_publish_start);
    basesink_class->stop = GST_DEBUG_FUNCPTR(gst_emotion_publish_stop);
    basesink_class->unlock = GST_DEBUG_FUNCPTR(gst_emotion_publish_unlock);
    basesink_class->unlock_stop = GST_DEBUG_FUNCPTR(gst_emotion_publish_unlock_stop);
    basesink_class->event = GST_DEBUG_FUNCPTR(gst_emotion_publish_event);
    basesink_class->render = GST_DEBUG_FUNCPTR(gst_emotion_publish_render);
}

static void gst_emotion_publish_init(GstEmotionPublish* self) {
    self->settings = new PublishSettings();
    self->upstream_stream_id = new std::string();
    self->connection = NULL;
    self->dropped = 0;
    /* Results are data to deliver, not media to present: no waiting for the clock. */
    gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}

static void gst_emotion_publish_finalize(GObject* object) {
    GstEmotionPublish* self = GST_EMOTION_PUBLISH(object);

    delete self->connection;
    delete self->settings;
    delete self->upstream_stream_id;
    G_OBJECT_CLASS(parent_class)->finalize(object);
}

static void gst_emotion_publish_set_property(GObject* object, guint prop_id, const GValue* value,
                                             GParamSpec* pspec) {
    GstEmotionPublish* self = GST_EMOTION_PUBLISH(object);
    using emotion::gst::set_string_setting;

    GST_OBJECT_LOCK(self);
    PublishSettings& s = *self->settings;
    switch (prop_id) {
    case PROP_LOCATION: set_string_setting(s.location, value); break;
    case PROP_QOS: s.qos = g_value_get_uint(value); break;
    case PROP_CLIENT_ID: set_string_setting(s.client_id, value); break;
    case PROP_USERNAME: set_string_setting(s.username, value); break;
    case PROP_PASSWORD: set_string_setting(s.password, value); break;
    case PROP_TLS: s.tls = g_value_get_boolean(value); break;
    case PROP_CA_FILE: set_string_setting(s.ca_file, value); break;
    case PROP_CERT_FILE: set_string_setting(s.cert_file, value); break;
    case PROP_KEY_FILE: set_string_setting(s.key_file, value); break;
    case PROP_STREAM_ID: set_string_setting(s.stream_id, value); break;
    case PROP_MAX_BUFFERED: s.max_buffered = g_value_get_uint(value); break;
    case PROP_MAX_BUFFERED_BYTES: s.max_buffered_bytes = g_value_get_uint64(value); break;
    case PROP_FLUSH_TIMEOUT: s.flush_timeout = g_value_get_uint64(value); break;
    case PROP_CONNECT_TIMEOUT: s.connect_timeout = g_value_get_uint64(value); break;
    case PROP_START_OFFLINE: s.start_offline = g_value_get_boolean(value); break;
    case PROP_MAX_RECONNECT_DELAY: s.max_reconnect_delay = g_value_get_uint(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_emotion_publish_get_property(GObject* object, guint prop_id, GValue* value,
                                             GParamSpec* pspec) {
    GstEmotionPublish* self = GST_EMOTION_PUBLISH(object);
    using emotion::gst::get_string_setting;

    /* The live figures: the connection has its own lock (taken here under the object lock, never
     * the other way round). */
    GST_OBJECT_LOCK(self);
    const PublishSettings& s = *self->settings;
    switch (prop_id) {
    case PROP_LOCATION: get_string_setting(s.location, value); break;
    case PROP_QOS: g_value_set_uint(value, s.qos); break;
    case PROP_CLIENT_ID: get_string_setting(s.client_id, value); break;
    case PROP_USERNAME: get_string_setting(s.username, value); break;
    case PROP_TLS: g_value_set_boolean(value, s.tls); break;
    case PROP_CA_FILE: get_string_setting(s.ca_file, value); break;
    case PROP_CERT_FILE: get_string_setting(s.cert_file, value); break;
    case PROP_KEY_FILE: get_string_setting(s.key_file, value); break;
    case PROP_STREAM_ID: get_string_setting(s.stream_id, value); break;
    case PROP_MAX_BUFFERED: g_value_set_uint(value, s.max_buffered); break;
    case PROP_MAX_BUFFERED_BYTES: g_value_set_uint64(value, s.max_buffered_bytes); break;
    case PROP_FLUSH_TIMEOUT: g_value_set_uint64(value, s.flush_timeout); break;
    case PROP_CONNECT_TIMEOUT: g_value_set_uint64(value, s.connect_timeout); break;
    case PROP_START_OFFLINE: g_value_set_boolean(value, s.start_offline); break;
    case PROP_MAX_RECONNECT_DELAY: g_value_set_uint(value, s.max_reconnect_delay); break;
    case PROP_CONNECTED: g_value_set_boolean(value, self->connection && self->connection->connected()); break;
    case PROP_BUFFERED:
        g_value_set_uint(value, self->connection ? (guint)self->connection->buffered() : 0);
        break;
    case PROP_DROPPED: g_value_set_uint64(value, self->dropped); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static std::string setting_or_env(const std::string& setting, const char* variable) {
    if (!setting.empty()) return setting;
    const char* value = g_getenv(variable);
    return value ? value : "";
}

static std::string generated_client_id() {
    gchar* id = g_strdup_printf("gst-emotion-%08x", g_random_int());
    std::string out = id;
    g_free(id);
    return out;
}

/* The connection's settings from the properties; false after posting an error. */
static bool connection_settings(GstEmotionPublish* self, const PublishSettings& s,
                                emotion::gst::MqttSettings* out) {
    if (s.location.empty()) {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND, ("No broker location given."),
                          ("set location=mqtt://host[:port]/topic"));
        return false;
    }
    try {
        out->location = emotion::gst::parse_mqtt_location(s.location);
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                          ("Invalid broker location '%s': %s.", s.location.c_str(), e.what()), (NULL));
        return false;
    }
    out->client_id = s.client_id.empty() ? generated_client_id() : s.client_id;
    out->username = setting_or_env(s.username, "EMOTION_MQTT_USERNAME");
    out->password = setting_or_env(s.password, "EMOTION_MQTT_PASSWORD");
    if (!out->password.empty() && out->username.empty()) {
        GST_ELEMENT_ERROR(
            self, RESOURCE, SETTINGS, ("A password is set but no username."),
            ("MQTT sends a password only with a username: set username or EMOTION_MQTT_USERNAME"));
        return false;
    }
    if (!s.cert_file.empty() != !s.key_file.empty()) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("cert-file and key-file go together."), (NULL));
        return false;
    }
    out->tls = out->location.tls || s.tls || !s.ca_file.empty() || !s.cert_file.empty();
    out->ca_file = s.ca_file;
    out->cert_file = s.cert_file;
    out->key_file = s.key_file;
    out->qos = (int)s.qos;
    out->max_reconnect_delay = (int)s.max_reconnect_delay;
    out->max_messages = s.max_buffered;
    out->max_bytes = (size_t)s.max_buffered_bytes;
    return true;
}

static emotion::gst::MqttConnection::Events connection_events(GstEmotionPublish* self) {
    emotion::gst::MqttConnection::Events events;
    events.lost = [self](const std::string& reason) {
        GST_ELEMENT_WARNING(self, RESOURCE, WRITE,
                            ("Lost the connection to the MQTT broker: %s.", reason.c_str()),
                            ("buffering results and reconnecting"));
    };
    events.restored = [self]() {
        GST_ELEMENT_INFO(self, RESOURCE, WRITE, ("Reconnected to the MQTT broker."), (NULL));
    };
    events.refused = [self](const std::string& reason) {
        GST_ELEMENT_ERROR(self, RESOURCE, NOT_AUTHORIZED,
                          ("The MQTT broker refused the login (authentication): %s.", reason.c_str()),
                          ("check username/password (or EMOTION_MQTT_USERNAME/EMOTION_MQTT_PASSWORD)"));
    };
    events.rejected = [self](const std::string& reason) {
        GST_ELEMENT_WARNING(self, RESOURCE, WRITE,
                            ("A result could not be published and was dropped: %s.", reason.c_str()), (NULL));
    };
    events.log = [self](bool error, const char* text) {
        if (error)
            GST_WARNING_OBJECT(self, "libmosquitto: %s", text);
        else
            GST_LOG_OBJECT(self, "libmosquitto: %s", text);
    };
    return events;
}

static gboolean gst_emotion_publish_start(GstBaseSink* sink) {
    GstEmotionPublish* self = GST_EMOTION_PUBLISH(sink);

    GST_OBJECT_LOCK(self);
    PublishSettings s = *self->settings;
    self->dropped = 0;
    GST_OBJECT_UNLOCK(self);
    self->upstream_stream_id->clear();

    emotion::gst::MqttSettings settings;
    if (!connection_settings(self, s, &settings)) return FALSE;
    const std::string where = settings.location.host + ":" + std::to_string(settings.location.port);
    GST_DEBUG_OBJECT(self,
                     "connecting to %s (topic '%s', client id '%s', username '%s', password %s, tls %d)",
                     where.c_str(), settings.location.topic.c_str(), settings.client_id.c_str(),
                     settings.username.c_str(), settings.password.empty() ? "none" : "set", settings.tls);

    std::unique_ptr<emotion::gst::MqttConnection> connection;
    try {
        connection = std::make_unique<emotion::gst::MqttConnection>(settings, connection_events(self));
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Cannot set up the MQTT client."), ("%s", e.what()));
        return FALSE;
    }
    std::string reason;
    auto timeout = std::chrono::milliseconds(s.connect_timeout / GST_MSECOND);
    switch (connection->start(!s.start_offline, timeout, &reason)) {
    case emotion::gst::MqttConnection::StartResult::Refused:
        GST_ELEMENT_ERROR(
            self, RESOURCE, NOT_AUTHORIZED,
            ("The MQTT broker at %s refused the login (authentication): %s.", where.c_str(), reason.c_str()),
            ("check username/password (or EMOTION_MQTT_USERNAME/EMOTION_MQTT_PASSWORD)"));
        return FALSE;
    case emotion::gst::MqttConnection::StartResult::Failed:
        GST_ELEMENT_ERROR(self, RESOURCE, OPEN_WRITE,
                          ("Cannot connect to the MQTT broker at %s: %s.", where.c_str(), reason.c_str()),
                          ("set start-offline=true to start anyway and buffer until it is reachable"));
        return FALSE;
    case emotion::gst::MqttConnection::StartResult::Connected:
    case emotion::gst::MqttConnection::StartResult::Started: break;
    }
    GST_OBJECT_LOCK(self);
    self->connection = connection.release();
    GST_OBJECT_UNLOCK(self);
    return TRUE;
}

static gboolean gst_emotion_publish_stop(GstBaseSink* sink) {
    GstEmotionPublish* self = GST_EMOTION_PUBLISH(sink);

    GST_OBJECT_LOCK(self);
    emotion::gst::MqttConnection* connection = self->connection;
    self->connection = NULL;
    GST_OBJECT_UNLOCK(self);
    /* Joins the network thread: its callbacks may post messages, so not under the object lock. */
    delete connection;
    return TRUE;
}

static gboolean gst_emotion_publish_unlock(GstBaseSink* sink) {
    GstEmotionPublish* self = GST_EMOTION_PUBLISH(sink);
    if (self->connection) self->connection->interrupt(true);
    return TRUE;
}

static gboolean gst_emotion_publish_unlock_stop(GstBaseSink* sink) {
    GstEmotionPublish* self = GST_EMOTION_PUBLISH(sink);
    if (self->connection) self->connection->interrupt(false);
    return TRUE;
}

static void flush_at_eos(GstEmotionPublish* self) {
    GST_OBJECT_LOCK(self);
    GstClockTime timeout = self->settings->flush_timeout;
    GST_OBJECT_UNLOCK(self);
    if (self->connection->flush(std::chrono::milliseconds(timeout / GST_MSECOND))) return;
    guint left = (guint)self->connection->buffered();
    GST_ELEMENT_WARNING(self, RESOURCE, WRITE,
                        ("%u results were not delivered to the MQTT broker at EOS.", left),
                        ("flush-timeout is %" GST_TIME_FORMAT, GST_TIME_ARGS(timeout)));
}

static gboolean gst_emotion_publish_event(GstBaseSink* sink, GstEvent* event) {
    GstEmotionPublish* self = GST_EMOTION_PUBLISH(sink);

    if (GST_EVENT_TYPE(event) == GST_EVENT_STREAM_START) {
        const gchar* id = NULL;
        gst_event_parse_stream_start(event, &id);
        *self->upstream_stream_id = id ? id : "";
    } else if (GST_EVENT_TYPE(event) == GST_EVENT_EOS && self->connection) {
        flush_at_eos(self);
    }
    return GST_BASE_SINK_CLASS(parent_class)->event(sink, event);
}

static void post_dropped(GstEmotionPublish* self, size_t count) {
    GST_OBJECT_LOCK(self);
    self->dropped += count;
    guint64 total = self->dropped;
    GST_OBJECT_UNLOCK(self);
    GST_DEBUG_OBJECT(self, "buffer bound exceeded: dropped %zu (%" G_GUINT64_FORMAT " in all)", count, total);
    GstStructure* s = gst_structure_new("emotionpublish-dropped", "count", G_TYPE_UINT, (guint)count, "total",
                                        G_TYPE_UINT64, total, NULL);
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static GstFlowReturn gst_emotion_publish_render(GstBaseSink* sink, GstBuffer* buffer) {
    GstEmotionPublish* self = GST_EMOTION_PUBLISH(sink);
    GstEmotionMeta* meta = gst_buffer_get_emotion_meta(buffer);

    if (!meta) {
        GST_ELEMENT_WARNING(
            self, STREAM, FORMAT, ("Received a buffer without emotion result."),
            ("emotionpublish takes the output of an emotion classifier (buffers with GstEmotionMeta)"));
        return GST_FLOW_OK;
    }
    if (meta->n_classes == 0) return GST_FLOW_OK;

    GST_OBJECT_LOCK(self);
    std::string stream_id = self->settings->stream_id;
    GST_OBJECT_UNLOCK(self);
    if (stream_id.empty()) stream_id = *self->upstream_stream_id;

    /* The JSON Lines record of emotionsink, whatever fields it has, plus the stream. */
    emotion::io::Result r = emotion::gst::result_from_meta(meta, buffer, &sink->segment);
    auto message = nlohmann::ordered_json::parse(emotion::io::format_result_json(r));
    message["stream-id"] = stream_id;

    size_t dropped = self->connection->publish(message.dump());
    if (dropped) post_dropped(self, dropped);
    return GST_FLOW_OK;
}
