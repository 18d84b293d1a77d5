/* ksmmtransformer's processing for one streaming session (start() to stop()): the audio's
 * segments (stream::SegmentCollector), the text stream (KsmmText) and, between them, the queue
 * of segments waiting for their text. A segment is classified (mode=train: learnt from) once its
 * text is known, the text stream has ended or, live, text-timeout after its end; the segment and
 * epoch events of the audio pad go out behind the results before them. The element hands it what
 * its pads receive. Internal to the plugin. */
#pragma once

#include <gst/base/gstaggregator.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "classifier-properties.h"
#include "classifier-results.h"
#include "classifier-training.h"
#include "ksmm-text.h"
#include "speech-gate.h"
#include "models/classifier.h"
#include "stream/segment_collector.h"
#include "text/vocabulary.h"

namespace emotion::gst {

class KsmmProcessing {
public:
    /* `element` publishes through its src pad; `settings` are the element's as streaming starts
     * (`threads` is read again from `threads_setting`, under the element's lock). */
    KsmmProcessing(GstAggregator* element, GstAggregatorPad* audio_pad, const ClassifierSettings& settings,
                   const gint* threads_setting, double text_timeout);
    KsmmProcessing(const KsmmProcessing&) = delete;
    KsmmProcessing& operator=(const KsmmProcessing&) = delete;
    ~KsmmProcessing();

    /* The model to classify with. */
    void use_classifier(std::unique_ptr<models::Classifier> c, const std::string& name);
    /* The words and output of `c`: the model to classify with, or the one being trained. */
    void name_model(const models::Classifier& c, const std::string& name);
    /* A model to classify with, or (mode=train) the one being trained. */
    bool has_model() const;
    /* The latency the element adds: a result leaves when its segment ends (one window, at most
     * max-duration) and waits up to text-timeout for the segment's text. */
    GstClockTime min_latency() const { return own_latency_; }
    GstClockTime max_latency() const { return max_latency_; }

    /* ---- the audio pad ---- */
    /* LLD frames: the segments, parts and windows they complete are queued. */
    GstFlowReturn take_audio(GstBuffer* buffer);
    /* An emotion-segment-start/end or epoch event, queued behind the results before it. */
    void take_event(GstEvent* event);
    /* EOS: the open segments end, and the last fallback window. */
    void end_of_audio();
    /* A new stream; a flush. Either way what was collected or waits is dropped. */
    void start_stream();
    void flush();
    /* The running time of the audio taken so far. */
    GstClockTime audio_position() const { return audio_rt_; }

    /* ---- output ---- */
    /* Publishes the queued segments whose text is complete (all once `text_done`: the text
     * stream is absent or has ended) and the events behind them. */
    GstFlowReturn publish_ready(bool text_done);
    bool waiting() const { return !queue_.empty(); }
    /* Live: the next look for audio (soon when some was found, else at the poll interval). */
    void schedule_poll(bool took_audio);
    /* The stream running time at which GstAggregator should call aggregate at the latest. */
    GstClockTime next_time() const;
    /* mode=train: the end of the run (once). */
    void finish_training();

    ResultPublisher results;
    bool negotiated = false;
    KsmmText text;
    std::unique_ptr<TrainingState> training; /* mode=train only */

private:
    /* What waits for its text: a segment to classify, or an event to forward behind it. */
    struct Output {
        GstEvent* event = NULL;
        std::string id;
        stream::SegmentLabels labels;
        std::vector<float> frames;
        int count = 0;
        GstClockTime pts = GST_CLOCK_TIME_NONE, end_pts = GST_CLOCK_TIME_NONE;
        GstClockTime rt_start = GST_CLOCK_TIME_NONE, rt_end = GST_CLOCK_TIME_NONE;
    };

    GstClockTime running_time(GstClockTime pts) const;
    GstClockTime live_position() const;
    GstClockTime oldest_needed() const;
    void queue_parts();
    GstFlowReturn push_event(GstEvent* event);
    GstFlowReturn learn(Output& out);
    GstFlowReturn publish(Output& out);
    GstFlowReturn publish_no_speech(const Output& out, double speech);
    void clear_queue();
    void drop_waiting();

    GstAggregator* element_;
    GstAggregatorPad* audio_pad_;
    const gint* threads_;
    const int item_size_; /* floats per LLD frame */
    std::unique_ptr<models::Classifier> classifier_;
    std::unique_ptr<text::Vocabulary> vocabulary_;
    size_t text_len_ = 20;
    stream::SegmentCollector segments_;
    bool warned_short_ = false;
    SpeechGate speech_; /* min-speech / no-speech */
    std::deque<Output> queue_;
    GstClockTime audio_rt_ = 0; /* running time of the audio consumed */
    GstClockTime text_timeout_;
    GstClockTime own_latency_, max_latency_;
    GstClockTime poll_at_ = 0; /* live: stream running time of the next look for audio */
    bool training_finished_ = false;
};

} // namespace emotion::gst
