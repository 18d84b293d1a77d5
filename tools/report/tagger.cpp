#include "tagger.h"

#include <gst/gst.h>

#include <algorithm>
#include <stdexcept>

namespace emotion::tools {

namespace {

constexpr GstClockTime kProgressInterval = 200 * GST_MSECOND;

struct Pipeline {
    GstElement* element = nullptr;
    ~Pipeline() {
        if (!element) return;
        gst_element_set_state(element, GST_STATE_NULL);
        gst_object_unref(element);
    }
};

void set_child(GstElement* pipeline, const char* child, const char* property, const std::string& value) {
    GstElement* element = gst_bin_get_by_name(GST_BIN(pipeline), child);
    gst_util_set_object_arg(G_OBJECT(element), property, value.c_str());
    gst_object_unref(element);
}

double seconds_of(GstElement* pipeline, bool duration) {
    gint64 value = -1;
    const bool ok = duration ? gst_element_query_duration(pipeline, GST_FORMAT_TIME, &value)
                             : gst_element_query_position(pipeline, GST_FORMAT_TIME, &value);
    return ok && value >= 0 ? value / 1e9 : 0.0;
}

std::string error_text(GstMessage* message) {
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(message, &error, &debug);
    std::string text = error ? error->message : "unknown error";
    g_clear_error(&error);
    g_free(debug);
    return text;
}

} // namespace

std::string check_tagging_elements() {
    for (const char* name : {"decodebin", "emotiondetect", "emotionsink"}) {
        GstElementFactory* factory = gst_element_factory_find(name);
        if (!factory)
            return std::string("GStreamer has no element '") + name +
                   "': install the plugin (meson install -C build) or set GST_PLUGIN_PATH to the build's gst "
                   "folder";
        gst_object_unref(factory);
    }
    return "";
}

double tag_recording(const std::string& recording, const std::string& models, const std::string& results,
                     const TagProgress& progress) {
    GError* error = nullptr;
    Pipeline pipeline;
    // properties set afterwards, not in the description: paths need no quoting
    pipeline.element = gst_parse_launch(
        "filesrc name=src ! decodebin ! emotiondetect name=detect ! emotionsink name=sink format=jsonl",
        &error);
    if (!pipeline.element || error) {
        std::string text = error ? error->message : "unknown error";
        g_clear_error(&error);
        throw std::runtime_error("cannot build the pipeline: " + text);
    }
    set_child(pipeline.element, "src", "location", recording);
    set_child(pipeline.element, "sink", "location", results);
    if (!models.empty()) set_child(pipeline.element, "detect", "model", models);

    // a failure to start (missing file, unreadable model) is explained by an error on the bus
    gst_element_set_state(pipeline.element, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(pipeline.element);
    std::string failure;
    double duration = 0.0;
    while (true) {
        GstMessage* message = gst_bus_timed_pop_filtered(bus, kProgressInterval,
                                                         GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
        if (!message) {
            const double total = seconds_of(pipeline.element, true);
            if (progress && total > 0.0) progress(std::min(1.0, seconds_of(pipeline.element, false) / total));
            continue;
        }
        if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
            failure = error_text(message);
        } else {
            duration = seconds_of(pipeline.element, true);
            if (duration <= 0.0) duration = seconds_of(pipeline.element, false);
        }
        gst_message_unref(message);
        break;
    }
    gst_object_unref(bus);
    if (!failure.empty()) throw std::runtime_error(failure);
    if (progress) progress(1.0);
    return duration;
}

} // namespace emotion::tools
