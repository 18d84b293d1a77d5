// What emotion-analyze --plot draws, gathered while the pipeline runs: the level envelope of the
// audio entering the features element (a pad probe, streaming thread) and the classifier's
// `emotion` messages (main thread). tools/common/timeline-plot.cpp draws it.
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <string>

#include "../common/timeline-plot.h"

namespace emotion::tools {

// Takes `--plot FILE` out of argv (argc shrinks); false when --plot has no FILE or FILE cannot
// be written (said on stderr).
bool take_plot_option(int& argc, char** argv, std::string& path);

class TimelineRecorder {
public:
    // Probes the sink pad of the element that feeds `classifier` (the features element).
    TimelineRecorder(GstElement* classifier, std::string title);
    ~TimelineRecorder();
    TimelineRecorder(const TimelineRecorder&) = delete;
    TimelineRecorder& operator=(const TimelineRecorder&) = delete;

    // An `emotion` message: segment times, label, confidence and, when present, arousal, valence
    // (fields of those names, as in the result JSON). "no-speech" results (no confidence) are left out.
    void record(const GstStructure* result);
    // After the pipeline stopped; throws std::runtime_error when the PNG cannot be written.
    void write(const std::string& path);

private:
    static GstPadProbeReturn on_audio(GstPad* pad, GstPadProbeInfo* info, gpointer self);

    std::mutex mutex_; // the envelope, filled by the streaming thread
    Timeline timeline_;
    GstPad* pad_ = nullptr;
    gulong probe_ = 0;
};

} // namespace emotion::tools
