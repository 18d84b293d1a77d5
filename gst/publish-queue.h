/* emotionpublish's bounded store of messages not yet delivered: those waiting for a connection and
 * those handed to it and not yet acknowledged. Not thread-safe: its owner locks. */
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <string>

namespace emotion::gst {

class PublishQueue {
public:
    /* Bounds over all held messages (waiting and in flight); 0: no bound of that kind. */
    PublishQueue(size_t max_messages, size_t max_bytes)
        : max_messages_(max_messages), max_bytes_(max_bytes) {}

    /* Appends a message; while a bound is exceeded drops the oldest waiting ones (messages already
     * in flight are the connection's and stay). Returns how many were dropped. */
    size_t push(std::string payload);

    bool has_waiting() const { return !waiting_.empty(); }
    const std::string& oldest_waiting() const { return waiting_.front(); }
    /* The oldest waiting message was handed to the connection as message id `mid`. */
    void mark_in_flight(int mid);
    /* Delivery of `mid` confirmed (QoS 1: acknowledged; QoS 0: written). False when unknown. */
    bool acknowledge(int mid);
    /* Puts the in-flight messages back at the front of the waiting ones, in their order (for a
     * connection that forgets them, as QoS 0 does when it drops). */
    void return_in_flight();

    size_t size() const { return waiting_.size() + in_flight_.size(); }
    size_t in_flight() const { return in_flight_.size(); }
    size_t bytes() const { return bytes_; }

private:
    bool over_bound() const;

    size_t max_messages_, max_bytes_;
    std::deque<std::string> waiting_;
    /* (sequence number, message id) -> message: in the order handed over */
    std::map<unsigned long long, std::pair<int, std::string>> in_flight_;
    unsigned long long next_sequence_ = 0;
    size_t bytes_ = 0;
};

} // namespace emotion::gst
