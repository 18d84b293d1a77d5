/* emotionpublish's link to an MQTT broker (libmosquitto): one client whose network thread connects,
 * reconnects with exponential backoff and delivers the messages of a bounded PublishQueue in order.
 * A message leaves the queue only when delivered: for QoS 1 when the broker acknowledged it (the
 * library re-sends unacknowledged ones after a reconnect), for QoS 0 when it was written. The
 * password is only handed to libmosquitto, never formatted into a message. */
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "mqtt-location.h"
#include "publish-queue.h"

struct mosquitto;

namespace emotion::gst {

struct MqttSettings {
    MqttLocation location;
    std::string client_id, username, password;
    bool tls = false;
    std::string ca_file, cert_file, key_file;
    int qos = 1;
    int max_reconnect_delay = 30; // seconds; the backoff starts at 1 s and doubles
    size_t max_messages = 0, max_bytes = 0;
};

class MqttConnection {
public:
    /* Called from the network thread, without the connection's lock held. */
    struct Events {
        std::function<void(const std::string& reason)> lost;
        std::function<void()> restored;
        /* The broker refused the login (CONNACK): the client stops retrying. */
        std::function<void(const std::string& reason)> refused;
        /* libmosquitto would not take a message (too large, ...): it was dropped. */
        std::function<void(const std::string& reason)> rejected;
        /* libmosquitto's own log lines (connection steps, TLS errors; never the password). */
        std::function<void(bool error, const char* text)> log;
    };
    enum class StartResult { Connected, Refused, Failed, Started };

    /* Throws std::runtime_error when libmosquitto rejects a setting (TLS files, ...). */
    MqttConnection(const MqttSettings& settings, Events events);
    /* Disconnects, joins the network thread and frees everything. */
    ~MqttConnection();
    MqttConnection(const MqttConnection&) = delete;
    MqttConnection& operator=(const MqttConnection&) = delete;

    /* Starts the network thread. With `wait`, waits up to `timeout` for the first connection and
     * returns its outcome (`reason` says why it failed); without, returns Started at once and keeps
     * trying in the background. */
    StartResult start(bool wait, std::chrono::milliseconds timeout, std::string* reason);

    /* Queues one message for delivery; returns how many older messages the bound dropped. */
    size_t publish(std::string payload);

    /* Waits until every queued message is delivered (true), or `timeout`, interrupt() or a refused
     * login (false). */
    bool flush(std::chrono::milliseconds timeout);
    /* Makes flush() return at once while `on` (the element's unlock/unlock_stop). */
    void interrupt(bool on);

    /* Without locking (the element reads them under its object lock). */
    size_t buffered() const { return buffered_now_; }
    bool connected() const { return connected_now_; }

private:
    static void on_connect(struct mosquitto*, void* self, int rc);
    static void on_disconnect(struct mosquitto*, void* self, int rc);
    static void on_publish(struct mosquitto*, void* self, int mid);
    static void on_log(struct mosquitto*, void* self, int level, const char* text);
    void configure();
    void send_waiting_locked(std::string* rejected);
    void retry_first_connection();
    void update_figures_locked();
    std::string with_last_error(const std::string& reason);

    enum class Outcome { Pending, Connected, Refused, Failed };

    MqttSettings settings_;
    Events events_;
    struct mosquitto* mosq_ = nullptr;
    bool loop_started_ = false; /* under lock_ */
    /* Offline start: repeats the first connection attempt until the network thread can take over. */
    std::thread starter_;
    bool stopping_ = false; /* under lock_ */

    std::mutex lock_;
    std::condition_variable changed_;
    PublishQueue queue_;
    bool connected_ = false, ever_connected_ = false, refused_ = false, interrupted_ = false;
    Outcome first_outcome_ = Outcome::Pending;
    bool start_waiting_ = false; /* start() reports the first outcome itself */
    std::string first_reason_;
    std::atomic<bool> connected_now_{false};
    std::atomic<size_t> buffered_now_{0};

    std::mutex log_lock_;
    std::string last_error_; /* the library's latest error line, to explain a failed start */
};

} // namespace emotion::gst
