#include "run-pipeline.h"

#include <malloc.h>

#include <cstdio>

namespace emotion::pipelines {

std::string run_pipeline(const std::string& description,
                         const std::function<void(const GstStructure*)>& on_element) {
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
    if (!pipeline || error) { // an element missing from the plugin registry is a "recoverable" error
        std::string text = error ? error->message : "cannot build the pipeline";
        g_clear_error(&error);
        if (pipeline) gst_object_unref(pipeline);
        return text;
    }
    GstBus* bus = gst_element_get_bus(pipeline);
    std::string failure;
    if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        failure = "the pipeline did not start";
    for (bool done = false; !done;) {
        GstMessage* m = gst_bus_timed_pop_filtered(
            bus, GST_CLOCK_TIME_NONE,
            GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT | GST_MESSAGE_WARNING));
        switch (GST_MESSAGE_TYPE(m)) {
        case GST_MESSAGE_ELEMENT: on_element(gst_message_get_structure(m)); break;
        case GST_MESSAGE_WARNING: {
            GError* w = nullptr;
            gst_message_parse_warning(m, &w, nullptr);
            std::fprintf(stderr, "warning: %s\n", w ? w->message : "?");
            g_clear_error(&w);
            break;
        }
        case GST_MESSAGE_ERROR: {
            GError* e = nullptr;
            gchar* debug = nullptr;
            gst_message_parse_error(m, &e, &debug);
            failure = std::string(e ? e->message : "error") + (debug ? std::string(" (") + debug + ")" : "");
            g_clear_error(&e);
            g_free(debug);
            done = true;
            break;
        }
        default: done = true; break;
        }
        gst_message_unref(m);
        if (!failure.empty()) done = true;
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
    // Training frees gigabytes in variable-size blocks that glibc keeps in its arenas; without
    // this, every fold of emotion-eval adds its peak to the process (OOM after 5 M3 folds).
    malloc_trim(0);
    return failure;
}

} // namespace emotion::pipelines
