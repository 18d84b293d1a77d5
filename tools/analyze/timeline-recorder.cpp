#include "timeline-recorder.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <unistd.h>

namespace emotion::tools {

namespace {

// Fails before a long analysis rather than after it: the file can be created (and is removed
// again if it did not exist).
bool writable(const std::string& path) {
    const bool existed = ::access(path.c_str(), F_OK) == 0;
    std::FILE* f = std::fopen(path.c_str(), "ab");
    if (!f) {
        std::fprintf(stderr, "emotion-analyze: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
        return false;
    }
    std::fclose(f);
    if (!existed) std::remove(path.c_str());
    return true;
}

} // namespace

bool take_plot_option(int& argc, char** argv, std::string& path) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--plot") != 0) continue;
        if (i + 1 >= argc) return false;
        path = argv[i + 1];
        if (!writable(path)) return false;
        for (int k = i; k + 2 <= argc; ++k) argv[k] = argv[k + 2]; // argv[argc] (NULL) moves too
        argc -= 2;
        return true;
    }
    return true;
}

TimelineRecorder::TimelineRecorder(GstElement* classifier, std::string title) {
    timeline_.title = std::move(title);
    GstPad* classifier_sink = gst_element_get_static_pad(classifier, "sink");
    GstPad* peer = classifier_sink ? gst_pad_get_peer(classifier_sink) : nullptr;
    GstElement* features = peer ? gst_pad_get_parent_element(peer) : nullptr;
    pad_ = features ? gst_element_get_static_pad(features, "sink") : nullptr;
    if (pad_) probe_ = gst_pad_add_probe(pad_, GST_PAD_PROBE_TYPE_BUFFER, on_audio, this, nullptr);
    if (features) gst_object_unref(features);
    if (peer) gst_object_unref(peer);
    if (classifier_sink) gst_object_unref(classifier_sink);
}

TimelineRecorder::~TimelineRecorder() {
    if (!pad_) return;
    if (probe_) gst_pad_remove_probe(pad_, probe_);
    gst_object_unref(pad_);
}

// F32 mono audio (emotion-analyze's capsfilter); the rate from the caps, read once.
GstPadProbeReturn TimelineRecorder::on_audio(GstPad* pad, GstPadProbeInfo* info, gpointer self) {
    auto* recorder = static_cast<TimelineRecorder*>(self);
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    std::lock_guard<std::mutex> lock(recorder->mutex_);
    if (!recorder->timeline_.envelope) {
        int rate = 16000;
        if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
            gst_structure_get_int(gst_caps_get_structure(caps, 0), "rate", &rate);
            gst_caps_unref(caps);
        }
        recorder->timeline_.envelope.emplace(rate);
    }
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        recorder->timeline_.envelope->add(reinterpret_cast<const float*>(map.data), map.size / sizeof(float));
        gst_buffer_unmap(buffer, &map);
    }
    return GST_PAD_PROBE_OK;
}

namespace {

// A number field of any floating type (the results may carry arousal/valence as float or double).
std::optional<double> number(const GstStructure* s, const char* name) {
    const GValue* v = gst_structure_get_value(s, name);
    if (!v) return std::nullopt;
    if (G_VALUE_HOLDS_DOUBLE(v)) return g_value_get_double(v);
    if (G_VALUE_HOLDS_FLOAT(v)) return g_value_get_float(v);
    return std::nullopt;
}

} // namespace

void TimelineRecorder::record(const GstStructure* result) {
    const gchar* label = gst_structure_get_string(result, "label");
    guint64 start = 0, duration = 0;
    if (!label || !gst_structure_get_uint64(result, "timestamp", &start) ||
        !gst_structure_get_uint64(result, "duration", &duration) || start == GST_CLOCK_TIME_NONE ||
        duration == GST_CLOCK_TIME_NONE)
        return;
    const std::optional<double> confidence = number(result, "confidence");
    if (!confidence) return; // a "no-speech" result: no emotion to draw
    TimelineSegment s;
    s.start = start / 1e9;
    s.end = (start + duration) / 1e9;
    s.label = label;
    s.confidence = *confidence;
    s.arousal = number(result, "arousal");
    s.valence = number(result, "valence");
    std::lock_guard<std::mutex> lock(mutex_);
    timeline_.segments.push_back(std::move(s));
}

void TimelineRecorder::write(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    plot_timeline(path, timeline_);
}

} // namespace emotion::tools
