#include "mqtt-connection.h"

#include <mosquitto.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace emotion::gst {

/* Messages handed to libmosquitto at once: enough to keep a link busy, few enough that the bound
 * (which counts them) stays meaningful. Also libmosquitto's own in-flight maximum. */
static constexpr size_t kMaxInFlight = 20;
static constexpr int kKeepAliveSeconds = 30;

static void init_library_once() {
    static std::once_flag once;
    /* Process-wide and cheap; never cleaned up, as other users of libmosquitto may share it. */
    std::call_once(once, [] { mosquitto_lib_init(); });
}

/* Without the final period of some libmosquitto texts: callers end their sentence themselves. */
static std::string error_text(int rc) {
    std::string text = rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc);
    if (!text.empty() && text.back() == '.') text.pop_back();
    return text;
}

MqttConnection::MqttConnection(const MqttSettings& settings, Events events)
    : settings_(settings), events_(std::move(events)), queue_(settings.max_messages, settings.max_bytes) {
    init_library_once();
    mosq_ = mosquitto_new(settings_.client_id.c_str(), true, this);
    if (!mosq_)
        throw std::runtime_error(std::string("cannot create an MQTT client: ") + std::strerror(errno));
    try {
        configure();
    } catch (...) {
        /* no destructor runs for a constructor that throws */
        mosquitto_destroy(mosq_);
        throw;
    }
}

void MqttConnection::configure() {
    if (!settings_.username.empty()) {
        int rc = mosquitto_username_pw_set(mosq_, settings_.username.c_str(),
                                           settings_.password.empty() ? NULL : settings_.password.c_str());
        if (rc != MOSQ_ERR_SUCCESS) throw std::runtime_error("cannot set the username: " + error_text(rc));
    }
    if (settings_.tls) {
        /* Without a CA file, the system's trusted certificates. */
        const char* ca_file = settings_.ca_file.empty() ? NULL : settings_.ca_file.c_str();
        int rc = mosquitto_tls_set(mosq_, ca_file, ca_file ? NULL : "/etc/ssl/certs",
                                   settings_.cert_file.empty() ? NULL : settings_.cert_file.c_str(),
                                   settings_.key_file.empty() ? NULL : settings_.key_file.c_str(), NULL);
        if (rc != MOSQ_ERR_SUCCESS)
            throw std::runtime_error("cannot use the TLS files (ca-file, cert-file, key-file): " +
                                     error_text(rc));
    }
    mosquitto_reconnect_delay_set(mosq_, 1, (unsigned)std::max(1, settings_.max_reconnect_delay), true);
    mosquitto_max_inflight_messages_set(mosq_, kMaxInFlight);
    mosquitto_connect_callback_set(mosq_, on_connect);
    mosquitto_disconnect_callback_set(mosq_, on_disconnect);
    mosquitto_publish_callback_set(mosq_, on_publish);
    mosquitto_log_callback_set(mosq_, on_log);
}

MqttConnection::~MqttConnection() {
    if (!mosq_) return;
    {
        std::lock_guard<std::mutex> lock(lock_);
        stopping_ = true;
        changed_.notify_all();
    }
    if (starter_.joinable()) starter_.join();
    if (loop_started_) { /* no other thread sets it now */
        /* Ends the retries too: the network thread leaves once the state is "disconnecting" and
         * DISCONNECT is out. A connection still being set up (TLS to a closed port, a host that does
         * not answer) cannot send it and would hold the thread until the keep-alive: cancel it. */
        mosquitto_disconnect(mosq_);
        mosquitto_loop_stop(mosq_, !connected_now_);
    }
    mosquitto_destroy(mosq_);
}

MqttConnection::StartResult MqttConnection::start(bool wait, std::chrono::milliseconds timeout,
                                                  std::string* reason) {
    const MqttLocation& where = settings_.location;
    int rc = mosquitto_connect_async(mosq_, where.host.c_str(), where.port, kKeepAliveSeconds);
    if (rc != MOSQ_ERR_SUCCESS) {
        if (wait) {
            *reason = with_last_error(error_text(rc));
            return StartResult::Failed;
        }
        /* libmosquitto's network thread retries only connections that once got under way. */
        starter_ = std::thread([this] { retry_first_connection(); });
        return StartResult::Started;
    }
    {
        std::lock_guard<std::mutex> lock(lock_);
        start_waiting_ = wait;
    }
    rc = mosquitto_loop_start(mosq_);
    if (rc != MOSQ_ERR_SUCCESS) {
        *reason = "cannot start the network thread: " + error_text(rc);
        return StartResult::Failed;
    }
    if (!wait) {
        loop_started_ = true;
        return StartResult::Started;
    }

    std::unique_lock<std::mutex> lock(lock_);
    loop_started_ = true;
    changed_.wait_for(lock, timeout, [this] { return first_outcome_ != Outcome::Pending; });
    start_waiting_ = false;
    switch (first_outcome_) {
    case Outcome::Connected: return StartResult::Connected;
    case Outcome::Refused: *reason = first_reason_; return StartResult::Refused;
    case Outcome::Failed: *reason = with_last_error(first_reason_); return StartResult::Failed;
    case Outcome::Pending: break;
    }
    *reason = with_last_error("no connection within " + std::to_string(timeout.count()) + " ms");
    return StartResult::Failed;
}

void MqttConnection::retry_first_connection() {
    const MqttLocation& where = settings_.location;
    std::chrono::seconds delay(1);
    std::unique_lock<std::mutex> lock(lock_);
    while (!changed_.wait_for(lock, delay, [this] { return stopping_; })) {
        lock.unlock();
        int rc = mosquitto_connect_async(mosq_, where.host.c_str(), where.port, kKeepAliveSeconds);
        if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_start(mosq_);
        lock.lock();
        if (rc == MOSQ_ERR_SUCCESS) {
            loop_started_ = true;
            return;
        }
        delay = std::min(delay * 2, std::chrono::seconds(std::max(1, settings_.max_reconnect_delay)));
    }
}

size_t MqttConnection::publish(std::string payload) {
    std::string rejected;
    size_t dropped;
    {
        std::lock_guard<std::mutex> lock(lock_);
        dropped = queue_.push(std::move(payload));
        send_waiting_locked(&rejected);
        update_figures_locked();
    }
    if (!rejected.empty() && events_.rejected) events_.rejected(rejected);
    return dropped;
}

/* Hands waiting messages to libmosquitto, oldest first. Only while connected: a QoS 0 message
 * given to a disconnected client would be lost, and a reconnect first re-sends the unacknowledged
 * QoS 1 ones, which newer messages must not overtake. */
void MqttConnection::send_waiting_locked(std::string* rejected) {
    while (connected_ && queue_.has_waiting() && queue_.in_flight() < kMaxInFlight) {
        const std::string& payload = queue_.oldest_waiting();
        int mid = 0;
        int rc = mosquitto_publish(mosq_, &mid, settings_.location.topic.c_str(), (int)payload.size(),
                                   payload.data(), settings_.qos, false);
        /* A QoS 1 message is kept by the library even when the link has just dropped (NO_CONN):
         * it is re-sent after the reconnect. */
        if (rc == MOSQ_ERR_SUCCESS || (rc == MOSQ_ERR_NO_CONN && settings_.qos > 0)) {
            queue_.mark_in_flight(mid);
            if (rc == MOSQ_ERR_NO_CONN) break;
        } else if (rc == MOSQ_ERR_NO_CONN) {
            break;
        } else {
            *rejected = error_text(rc);
            queue_.mark_in_flight(-1);
            queue_.acknowledge(-1);
            changed_.notify_all();
        }
    }
}

void MqttConnection::on_connect(struct mosquitto* mosq, void* data, int rc) {
    auto* self = static_cast<MqttConnection*>(data);
    std::string rejected, refused;
    bool restored = false;
    {
        std::lock_guard<std::mutex> lock(self->lock_);
        if (rc == 0) {
            restored = self->ever_connected_;
            self->connected_ = self->ever_connected_ = true;
            if (self->first_outcome_ == Outcome::Pending) self->first_outcome_ = Outcome::Connected;
            /* Unacknowledged messages are re-sent by the library right after this callback: new
             * ones wait for their acknowledgements (on_publish) to keep the order. */
            if (self->queue_.in_flight() == 0) self->send_waiting_locked(&rejected);
        } else {
            refused = mosquitto_connack_string(rc);
            self->refused_ = true;
            if (self->first_outcome_ == Outcome::Pending) {
                self->first_outcome_ = Outcome::Refused;
                self->first_reason_ = refused;
                if (self->start_waiting_) refused.clear(); /* start() reports it */
            }
            /* Retrying with the same credentials cannot succeed. */
            mosquitto_disconnect(mosq);
        }
        self->update_figures_locked();
        self->changed_.notify_all();
    }
    if (restored && self->events_.restored) self->events_.restored();
    if (!refused.empty() && self->events_.refused) self->events_.refused(refused);
    if (!rejected.empty() && self->events_.rejected) self->events_.rejected(rejected);
}

void MqttConnection::on_disconnect(struct mosquitto*, void* data, int rc) {
    auto* self = static_cast<MqttConnection*>(data);
    bool lost;
    {
        std::lock_guard<std::mutex> lock(self->lock_);
        lost = self->connected_ && rc != 0;
        self->connected_ = false;
        /* QoS 0 messages not yet written are gone from the library: send them again. */
        if (self->settings_.qos == 0) self->queue_.return_in_flight();
        if (self->first_outcome_ == Outcome::Pending) {
            self->first_outcome_ = Outcome::Failed;
            self->first_reason_ = error_text(rc);
        }
        self->update_figures_locked();
        self->changed_.notify_all();
    }
    if (lost && self->events_.lost) self->events_.lost(error_text(rc));
}

void MqttConnection::on_publish(struct mosquitto*, void* data, int mid) {
    auto* self = static_cast<MqttConnection*>(data);
    std::string rejected;
    {
        std::lock_guard<std::mutex> lock(self->lock_);
        self->queue_.acknowledge(mid);
        self->send_waiting_locked(&rejected);
        self->update_figures_locked();
        self->changed_.notify_all();
    }
    if (!rejected.empty() && self->events_.rejected) self->events_.rejected(rejected);
}

void MqttConnection::on_log(struct mosquitto*, void* data, int level, const char* text) {
    auto* self = static_cast<MqttConnection*>(data);
    bool error = level == MOSQ_LOG_ERR;
    /* Not lock_: libmosquitto logs from calls made under it (mosquitto_publish). */
    if (error) {
        std::lock_guard<std::mutex> lock(self->log_lock_);
        self->last_error_ = text;
    }
    if (self->events_.log) self->events_.log(error, text);
}

bool MqttConnection::flush(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(lock_);
    return changed_.wait_for(lock, timeout, [this] {
        return queue_.size() == 0 || interrupted_ || refused_;
    }) && queue_.size() == 0;
}

void MqttConnection::interrupt(bool on) {
    std::lock_guard<std::mutex> lock(lock_);
    interrupted_ = on;
    changed_.notify_all();
}

std::string MqttConnection::with_last_error(const std::string& reason) {
    std::lock_guard<std::mutex> lock(log_lock_);
    return last_error_.empty() ? reason : reason + " (" + last_error_ + ")";
}

void MqttConnection::update_figures_locked() {
    connected_now_ = connected_;
    buffered_now_ = queue_.size();
}

} // namespace emotion::gst
