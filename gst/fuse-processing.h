/* The processing state of emotionfuse (created in start(), destroyed in stop()): the inputs' results
 * into stream::ResultFusion, and out, in the reference input's order, its segment events and the
 * fused results (published with ResultPublisher, as a classifier's). Internal to the plugin. */
#pragma once

#include <gst/base/gstaggregator.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "classifier-results.h"
#include "stream/result_fusion.h"

namespace emotion::gst {

class FuseProcessing {
public:
    /* `pads` (references taken over): input i, pad order; input 0 is the reference. */
    FuseProcessing(GstAggregator* element, std::vector<GstAggregatorPad*> pads, std::vector<double> weights);
    ~FuseProcessing();
    FuseProcessing(const FuseProcessing&) = delete;
    FuseProcessing& operator=(const FuseProcessing&) = delete;

    /* The input of `pad`, -1 when it is none (requested after the start). */
    int input_of(GstAggregatorPad* pad) const;
    bool has_labels() const { return !fusion_.labels().empty(); }

    /* Every queued result of every input; an error is posted. */
    GstFlowReturn take_queued();
    /* A segment or epoch event of the reference: it leaves in order with the results. */
    void take_reference_event(GstEvent* event);
    /* Live: the first waiting reference result's time is up; it is fused from what has arrived. */
    void force_first();
    /* Pushes, in order, the reference's events and its results that are fused. */
    GstFlowReturn push_ready();
    /* The reference has ended and everything of it has left. */
    bool finished() const { return fusion_.ended(0) && queue_.empty(); }
    /* The running time the first waiting reference result waits for (GST_CLOCK_TIME_NONE: none). */
    GstClockTime next_time() const;
    void flush();

    /* Output caps (ResultPublisher::choose_caps) once the labels are known. */
    bool negotiate();

    ResultPublisher results;
    bool negotiated = false;

private:
    /* What leaves, in the reference's order: its segment events and its fused results. */
    struct Output {
        GstEvent* event = nullptr;
        uint64_t sequence = 0;
        std::string id;
        GstClockTime pts = GST_CLOCK_TIME_NONE, end = GST_CLOCK_TIME_NONE;
    };

    GstFlowReturn take_result(size_t input, GstBuffer* buffer);
    bool check_labels(size_t input, const std::vector<std::string>& labels);
    GstFlowReturn publish(const Output& out, const stream::FusedSpan& fused);
    std::string fusion_name() const;
    void clear_queue();

    GstAggregator* element_;
    std::vector<GstAggregatorPad*> pads_;
    stream::ResultFusion fusion_;
    std::vector<std::vector<std::string>> labels_; /* per input, as its results name them */
    std::vector<std::string> models_;
    std::deque<Output> queue_;
    std::map<uint64_t, stream::FusedSpan> fused_;      /* ready, not yet pushed */
    std::map<std::string, std::string> true_emotions_; /* open reference segments' labels */
};

} // namespace emotion::gst
