#include "result-delays.h"

namespace emotion::pipelines {

ResultDelays::ResultDelays(GstElement* pipeline) : pipeline_(pipeline), bus_(gst_element_get_bus(pipeline)) {
    gst_bus_set_sync_handler(bus_, on_message, this, nullptr);
}

ResultDelays::~ResultDelays() {
    gst_bus_set_sync_handler(bus_, nullptr, nullptr, nullptr);
    gst_object_unref(bus_);
}

std::vector<double> ResultDelays::seconds() const {
    std::lock_guard<std::mutex> guard(lock_);
    return delays_;
}

GstBusSyncReply ResultDelays::on_message(GstBus*, GstMessage* message, gpointer data) {
    auto* self = static_cast<ResultDelays*>(data);
    const GstStructure* s = gst_message_get_structure(message);
    if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ELEMENT || !gst_structure_has_name(s, "emotion"))
        return GST_BUS_PASS;
    guint64 running = 0, duration = 0;
    gst_structure_get_uint64(s, "running-time", &running);
    gst_structure_get_uint64(s, "duration", &duration);
    GstClock* clock = gst_element_get_clock(self->pipeline_);
    if (!clock) return GST_BUS_PASS;
    const GstClockTime now = gst_clock_get_time(clock) - gst_element_get_base_time(self->pipeline_);
    gst_object_unref(clock);
    std::lock_guard<std::mutex> guard(self->lock_);
    self->delays_.push_back((double(now) - double(running + duration)) / GST_SECOND);
    return GST_BUS_PASS;
}

} // namespace emotion::pipelines
