// How late results come in a live pipeline: for every `emotion` message, the pipeline's running
// time when it is posted less the end of its segment (running-time + duration), in seconds. It
// watches as the bus's sync handler, so it is called in the posting thread, at the moment the
// result exists. What bench_multimodal reports and the live tests check.
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <vector>

namespace emotion::pipelines {

class ResultDelays {
public:
    // Installs itself as the sync handler of `pipeline`'s bus until destroyed.
    explicit ResultDelays(GstElement* pipeline);
    ~ResultDelays();
    ResultDelays(const ResultDelays&) = delete;
    ResultDelays& operator=(const ResultDelays&) = delete;

    std::vector<double> seconds() const; // in the order the results came

private:
    static GstBusSyncReply on_message(GstBus* bus, GstMessage* message, gpointer self);

    GstElement* pipeline_;
    GstBus* bus_;
    mutable std::mutex lock_;
    std::vector<double> delays_;
};

} // namespace emotion::pipelines
