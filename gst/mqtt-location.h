/* emotionpublish's `location`: mqtt://host[:port]/topic or mqtts://host[:port]/topic, parsed and
 * checked before anything connects. */
#pragma once

#include <string>

namespace emotion::gst {

struct MqttLocation {
    bool tls = false;
    std::string host;
    int port = 0;
    std::string topic; // taken literally: no percent-decoding, may contain '/' levels
};

constexpr int kMqttDefaultPort = 1883;
constexpr int kMqttsDefaultPort = 8883;

/* Throws std::invalid_argument with a message for the user when `text` is not such a location:
 * another scheme, no host, a port outside 1..65535, credentials in the URI, an empty topic, or a
 * topic with the subscription wildcards '+' or '#' (a message cannot be published to those). */
MqttLocation parse_mqtt_location(const std::string& text);

} // namespace emotion::gst
