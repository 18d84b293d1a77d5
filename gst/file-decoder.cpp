#include "file-decoder.h"

#include <gst/app/gstappsink.h>

namespace emotion::gst {

namespace {

void link_decoded_pad(GstElement*, GstPad* pad, gpointer convert) {
    GstPad* sink = gst_element_get_static_pad(GST_ELEMENT(convert), "sink");
    GstCaps* caps = gst_pad_get_current_caps(pad);
    if (!caps) caps = gst_pad_query_caps(pad, NULL);
    const bool audio = caps && gst_caps_get_size(caps) > 0 &&
                       g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "audio/");
    if (caps) gst_caps_unref(caps);
    if (audio && !gst_pad_is_linked(sink)) gst_pad_link(pad, sink);
    gst_object_unref(sink);
}

void check_audio_linked(GstElement* decode, gpointer no_audio) {
    GstElement* convert = GST_ELEMENT(g_object_get_data(G_OBJECT(decode), "convert"));
    GstPad* sink = gst_element_get_static_pad(convert, "sink");
    if (!gst_pad_is_linked(sink)) static_cast<std::atomic<bool>*>(no_audio)->store(true);
    gst_object_unref(sink);
}

std::string take_error(GstBus* bus) {
    GstMessage* message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (!message) return "";
    GError* err = NULL;
    gst_message_parse_error(message, &err, NULL);
    std::string text = err ? err->message : "unknown error";
    g_clear_error(&err);
    gst_message_unref(message);
    return text;
}

} // namespace

bool FileDecoder::decode(const std::string& path, const Start& start, const Sink& sink,
                         const std::atomic<bool>& cancel, std::string* error) {
    if (!g_file_test(path.c_str(), G_FILE_TEST_IS_REGULAR)) {
        *error = "no such file";
        return false;
    }
    GstElement* pipeline = gst_pipeline_new(NULL);
    GstElement* src = gst_element_factory_make("filesrc", NULL);
    GstElement* decode = gst_element_factory_make("decodebin", NULL);
    GstElement* convert = gst_element_factory_make("audioconvert", NULL);
    GstElement* resample = gst_element_factory_make("audioresample", NULL);
    GstElement* appsink = gst_element_factory_make("appsink", NULL);
    if (!src || !decode || !convert || !resample || !appsink) {
        for (GstElement* e : {src, decode, convert, resample, appsink})
            if (e) gst_object_unref(e);
        gst_object_unref(pipeline);
        *error = "missing GStreamer elements (filesrc, decodebin, audioconvert, audioresample, "
                 "appsink): install gstreamer1.0-plugins-base";
        return false;
    }
    g_object_set(src, "location", path.c_str(), NULL);
    GstCaps* caps = gst_caps_from_string("audio/x-raw,format=F32LE,rate=16000,channels=1,"
                                         "layout=interleaved");
    g_object_set(appsink, "caps", caps, "sync", FALSE, "max-buffers", 8, NULL);
    gst_caps_unref(caps);
    gst_bin_add_many(GST_BIN(pipeline), src, decode, convert, resample, appsink, NULL);
    gst_element_link(src, decode);
    gst_element_link_many(convert, resample, appsink, NULL);
    g_signal_connect(decode, "pad-added", G_CALLBACK(link_decoded_pad), convert);
    g_object_set_data(G_OBJECT(decode), "convert", convert);

    GstBus* bus = gst_element_get_bus(pipeline);
    bool ok = true;
    bool got_audio = false;
    /* Preroll first, so the duration is known before the first sample leaves. */
    std::atomic<bool> no_audio{false};
    g_signal_connect(decode, "no-more-pads", G_CALLBACK(check_audio_linked), &no_audio);
    GstStateChangeReturn change = gst_element_set_state(pipeline, GST_STATE_PAUSED);
    while (change == GST_STATE_CHANGE_ASYNC && !cancel.load() && !no_audio.load()) {
        change = gst_element_get_state(pipeline, NULL, NULL, GST_SECOND / 20);
        if (change == GST_STATE_CHANGE_ASYNC && gst_bus_have_pending(bus))
            if (!(*error = take_error(bus)).empty()) break;
    }
    if (change != GST_STATE_CHANGE_SUCCESS || cancel.load()) {
        if (error->empty()) *error = take_error(bus);
        if (error->empty())
            *error = no_audio.load() ? "no audio stream in the file" : "cannot decode the file";
        ok = false;
    }
    if (ok) {
        gint64 nanoseconds = -1;
        start(gst_element_query_duration(pipeline, GST_FORMAT_TIME, &nanoseconds) && nanoseconds >= 0
                  ? (GstClockTime)nanoseconds
                  : GST_CLOCK_TIME_NONE);
        if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
            *error = take_error(bus);
            ok = false;
        }
    }
    while (ok && !cancel.load()) {
        GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(appsink), GST_SECOND / 10);
        if (!sample) {
            std::string message = take_error(bus);
            if (!message.empty()) {
                *error = message;
                ok = false;
            } else if (gst_app_sink_is_eos(GST_APP_SINK(appsink))) {
                break;
            }
            continue;
        }
        GstBuffer* buffer = gst_sample_get_buffer(sample);
        GstMapInfo map;
        if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
            got_audio = true;
            if (!sink(reinterpret_cast<const float*>(map.data), map.size / sizeof(float))) ok = false;
            gst_buffer_unmap(buffer, &map);
        }
        gst_sample_unref(sample);
    }
    if (ok && !got_audio && !cancel.load()) {
        *error = "no audio in the file";
        ok = false;
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
    return ok;
}

} // namespace emotion::gst
