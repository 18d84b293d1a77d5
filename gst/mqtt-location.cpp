#include "mqtt-location.h"

#include <glib.h>

#include <stdexcept>

namespace emotion::gst {

static bool all_digits(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

static int parse_port(const std::string& text) {
    if (!all_digits(text) || text.size() > 5 || std::stoi(text) < 1 || std::stoi(text) > 65535)
        throw std::invalid_argument("the port '" + text + "' is not a number from 1 to 65535");
    return std::stoi(text);
}

/* host, host:port, [v6], [v6]:port */
static void parse_authority(const std::string& authority, MqttLocation* location) {
    if (authority.find('@') != std::string::npos)
        throw std::invalid_argument("credentials do not belong in the location: set the username and "
                                    "password properties (or EMOTION_MQTT_USERNAME/EMOTION_MQTT_PASSWORD)");
    std::string host = authority, port;
    if (!authority.empty() && authority[0] == '[') {
        size_t close = authority.find(']');
        if (close == std::string::npos) throw std::invalid_argument("unclosed '[' in the host");
        host = authority.substr(1, close - 1);
        std::string rest = authority.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') throw std::invalid_argument("unexpected '" + rest + "' after the host");
            port = rest.substr(1);
            if (port.empty()) throw std::invalid_argument("empty port after ':'");
        }
    } else {
        size_t colon = authority.rfind(':');
        if (colon != std::string::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
            if (port.empty()) throw std::invalid_argument("empty port after ':'");
        }
    }
    if (host.empty()) throw std::invalid_argument("no host");
    location->host = host;
    if (!port.empty()) location->port = parse_port(port);
}

MqttLocation parse_mqtt_location(const std::string& text) {
    MqttLocation location;
    std::string rest;
    if (text.rfind("mqtt://", 0) == 0) {
        rest = text.substr(7);
    } else if (text.rfind("mqtts://", 0) == 0) {
        location.tls = true;
        rest = text.substr(8);
    } else {
        throw std::invalid_argument("expected mqtt://host[:port]/topic or mqtts://host[:port]/topic");
    }
    location.port = location.tls ? kMqttsDefaultPort : kMqttDefaultPort;

    size_t slash = rest.find('/');
    parse_authority(rest.substr(0, slash), &location);
    if (slash == std::string::npos || slash + 1 == rest.size())
        throw std::invalid_argument("no topic (mqtt://host[:port]/topic)");
    location.topic = rest.substr(slash + 1);
    if (location.topic.find_first_of("+#") != std::string::npos)
        throw std::invalid_argument("the topic '" + location.topic +
                                    "' has a wildcard ('+' or '#'): messages are published to one "
                                    "concrete topic");
    if (!g_utf8_validate(location.topic.data(), (gssize)location.topic.size(), NULL))
        throw std::invalid_argument("the topic is not valid UTF-8");
    if (location.topic.size() > 65535) throw std::invalid_argument("the topic is longer than 65535 bytes");
    return location;
}

} // namespace emotion::gst
