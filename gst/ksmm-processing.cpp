/* KsmmProcessing: see the header. */
#include "ksmm-processing.h"

#include <algorithm>

#include <gst/emotion/emotion.h>

#include "collector-input.h"
#include "segmentation.h"
#include "stream-time.h"

GST_DEBUG_CATEGORY_EXTERN(ksmm_transformer_debug);
#define GST_CAT_DEFAULT ksmm_transformer_debug

namespace emotion::gst {

namespace {

/* Live pipelines: how often the element looks for audio while the text stream is silent, and
 * how soon again after it found some (its pad holds only a couple of buffers, so a backlog,
 * such as the one of the wait for the first timeout, drains by many quick looks). */
const GstClockTime kLivePollInterval = 20 * GST_MSECOND;
const GstClockTime kLiveDrainInterval = 1 * GST_MSECOND;

/* ksmmtransformer learns from and classifies fallback windows in either mode. */
stream::CollectorSettings collector_settings(const ClassifierSettings& settings) {
    stream::CollectorSettings c = settings.collector(models::architecture_named("ksmm"));
    c.cover_unsegmented = true;
    return c;
}

} // namespace

KsmmProcessing::KsmmProcessing(GstAggregator* element, GstAggregatorPad* audio_pad,
                               const ClassifierSettings& settings, const gint* threads_setting,
                               double text_timeout)
    : element_(element), audio_pad_(audio_pad), threads_(threads_setting),
      item_size_(models::architecture_named("ksmm").item_size()), segments_(collector_settings(settings)),
      speech_(settings, true), text_timeout_((GstClockTime)(text_timeout * GST_SECOND)),
      own_latency_((GstClockTime)((settings.window + text_timeout) * GST_SECOND)),
      max_latency_((GstClockTime)((settings.max_duration + text_timeout) * GST_SECOND)) {
    results.threshold = settings.threshold;
    results.temperature = settings.temperature;
    results.balance = settings.balance == GST_EMOTION_BALANCE_SPEAKER;
}

KsmmProcessing::~KsmmProcessing() { clear_queue(); }

void KsmmProcessing::use_classifier(std::unique_ptr<models::Classifier> c, const std::string& name) {
    classifier_ = std::move(c);
    name_model(*classifier_, name);
}

void KsmmProcessing::name_model(const models::Classifier& c, const std::string& name) {
    const auto& info = c.info();
    vocabulary_ = std::make_unique<text::Vocabulary>(info.vocabulary);
    text_len_ = (size_t)info.config.value("text_len", 20);
    results.set_model(info.labels, name, info.temperature);
}

bool KsmmProcessing::has_model() const { return classifier_ || (training && training_has_model(*training)); }

void KsmmProcessing::clear_queue() {
    for (auto& item : queue_)
        if (item.event) gst_event_unref(item.event);
    queue_.clear();
}

void KsmmProcessing::drop_waiting() {
    clear_queue();
    text.reset();
    audio_rt_ = 0;
    poll_at_ = 0;
}

void KsmmProcessing::start_stream() {
    segments_.start_stream();
    drop_waiting();
    results.reset_dominant();
    results.forget_speakers();
}

void KsmmProcessing::flush() {
    segments_.flush();
    results.forget_speakers();
    drop_waiting();
}

GstClockTime KsmmProcessing::running_time(GstClockTime pts) const {
    GST_OBJECT_LOCK(audio_pad_);
    GstClockTime rt = gst_segment_to_running_time(&audio_pad_->segment, GST_FORMAT_TIME, pts);
    GST_OBJECT_UNLOCK(audio_pad_);
    return rt;
}

/* ---- input ------------------------------------------------------------------------------ */

/* Copies the ready parts of the collector into the queue (or drops empty ones). */
void KsmmProcessing::queue_parts() {
    stream::Part part;
    while (segments_.next_part(&part)) {
        if (part.frame_count <= 0) {
            if (!warned_short_)
                GST_INFO_OBJECT(element_, "segment %s has no frames: no result", part.id.c_str());
            warned_short_ = true;
            continue;
        }
        Output out;
        out.id = part.id;
        out.labels = std::move(part.segment);
        out.count = (int)part.frame_count;
        out.frames.assign(part.frames, part.frames + (size_t)out.count * item_size_);
        out.pts = clock_time(part.start);
        out.end_pts = clock_time(part.end);
        out.rt_start = running_time(out.pts);
        out.rt_end = running_time(out.end_pts);
        queue_.push_back(std::move(out));
    }
}

GstFlowReturn KsmmProcessing::take_audio(GstBuffer* buffer) {
    if (!add_buffer_items(GST_ELEMENT(element_), buffer, item_size_, segments_)) return GST_FLOW_ERROR;
    GstClockTime pts = GST_BUFFER_PTS(buffer), duration = GST_BUFFER_DURATION(buffer);

    if (GST_CLOCK_TIME_IS_VALID(pts)) {
        GstClockTime end = pts + (GST_CLOCK_TIME_IS_VALID(duration) ? duration : 0);
        GstClockTime rt = running_time(end);
        if (GST_CLOCK_TIME_IS_VALID(rt)) audio_rt_ = std::max(audio_rt_, rt);
        GST_OBJECT_LOCK(element_);
        GST_AGGREGATOR_PAD(element_->srcpad)->segment.position = end;
        GST_OBJECT_UNLOCK(element_);
    }
    queue_parts();
    return GST_FLOW_OK;
}

void KsmmProcessing::take_event(GstEvent* event) {
    if (gst_emotion_event_is_segment_start(event)) {
        stream::SegmentLabels labels = segment_labels(event);
        if (!segments_.start_segment(labels))
            GST_WARNING_OBJECT(element_, "segment %s started twice; restarting it", labels.id.c_str());
    } else if (gst_emotion_event_is_segment_end(event)) {
        const gchar* id = gst_emotion_event_get_segment_id(event);
        if (segments_.end_segment(id ? id : ""))
            queue_parts();
        else
            GST_DEBUG_OBJECT(element_, "end of unknown segment %s", id);
    }
    Output out;
    out.event = event;
    queue_.push_back(std::move(out));
}

void KsmmProcessing::end_of_audio() {
    segments_.finish();
    queue_parts();
}

/* ---- output ----------------------------------------------------------------------------- */

/* mode=train: epoch events drive the training; they are forwarded either way. */
GstFlowReturn KsmmProcessing::push_event(GstEvent* event) {
    if (training && gst_emotion_event_is_epoch_start(event) && !training_epoch_start(*training, event)) {
        gst_event_unref(event);
        return GST_FLOW_ERROR;
    }
    if (training && gst_emotion_event_is_epoch_end(event)) training_epoch_end(*training);
    gst_pad_push_event(element_->srcpad, event);
    return GST_FLOW_OK;
}

/* mode=train: the segment and its words as an example. */
GstFlowReturn KsmmProcessing::learn(Output& out) {
    LabelledSegment labelled;
    labelled.id = out.id;
    labelled.split = out.labels.split;
    labelled.true_emotion = out.labels.true_emotion;
    labelled.speaker = out.labels.speaker;
    labelled.gender = out.labels.gender;
    emotion::train::Example e;
    e.frames = out.count;
    e.features = std::move(out.frames);
    if (vocabulary_) e.tokens = text.words(out.rt_start, out.rt_end, *vocabulary_, text_len_);
    labelled.parts.push_back(std::move(e));
    return training_add(*training, std::move(labelled));
}

GstFlowReturn KsmmProcessing::publish_no_speech(const Output& out, double speech) {
    if (!speech_.tag()) return GST_FLOW_OK;
    GstEvent* gap;
    GstBuffer* buffer =
        results.publish_no_speech(GST_ELEMENT(element_), out.id, out.pts, out.end_pts, speech, &gap);
    if (gap) gst_pad_push_event(element_->srcpad, gap);
    return buffer ? gst_aggregator_finish_buffer(element_, buffer) : GST_FLOW_OK;
}

GstFlowReturn KsmmProcessing::publish(Output& out) {
    if (training) return learn(out);
    double speech = 0.0;
    if (!speech_.passes(out.frames.data(), out.count, item_size_, &speech))
        return publish_no_speech(out, speech);
    std::vector<int> ids = text.words(out.rt_start, out.rt_end, *vocabulary_, text_len_);
    std::vector<float> scores;
    GST_OBJECT_LOCK(element_);
    classifier_->set_threads(*threads_);
    GST_OBJECT_UNLOCK(element_);
    try {
        scores = classifier_->classify_multimodal(out.frames.data(), out.count, ids);
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(element_, STREAM, FAILED, ("Classification failed."), ("%s", e.what()));
        return GST_FLOW_ERROR;
    }
    GST_DEBUG_OBJECT(element_, "segment %s: %zu words", out.id.c_str(), ids.size());
    GstEvent* tag;
    GstBuffer* buffer = results.publish(GST_ELEMENT(element_), out.id, out.pts, out.end_pts, scores,
                                        out.labels.true_emotion, &tag, false, out.labels.speaker);
    GstFlowReturn ret = gst_aggregator_finish_buffer(element_, buffer);
    if (tag) gst_pad_push_event(element_->srcpad, tag);
    return ret;
}

/* The earliest running time a queued or still open segment may need text from. */
GstClockTime KsmmProcessing::oldest_needed() const {
    GstClockTime oldest = audio_rt_;
    for (const auto& out : queue_)
        if (!out.event && GST_CLOCK_TIME_IS_VALID(out.rt_start)) oldest = std::min(oldest, out.rt_start);
    const stream::Time held = segments_.first_needed_start();
    if (stream::has_time(held)) {
        GstClockTime rt = running_time(clock_time(held));
        if (GST_CLOCK_TIME_IS_VALID(rt)) oldest = std::min(oldest, rt);
    }
    return oldest;
}

/* Live pipelines: the running time up to which all input should have arrived by now (the clock
 * less the upstream latency); GST_CLOCK_TIME_NONE when the pipeline is not live. */
GstClockTime KsmmProcessing::live_position() const {
    const GstClockTime latency = gst_aggregator_get_latency(element_);
    GstClock* clock = gst_element_get_clock(GST_ELEMENT(element_));
    if (!GST_CLOCK_TIME_IS_VALID(latency) || !clock) {
        if (clock) gst_object_unref(clock);
        return GST_CLOCK_TIME_NONE;
    }
    const GstClockTime now = gst_clock_get_time(clock);
    gst_object_unref(clock);
    const GstClockTime upstream = latency - std::min(latency, own_latency_);
    const GstClockTime arrived = gst_element_get_base_time(GST_ELEMENT(element_)) + upstream;
    return now > arrived ? now - arrived : 0;
}

GstFlowReturn KsmmProcessing::publish_ready(bool text_done) {
    const GstClockTime now = live_position();
    GstFlowReturn ret = GST_FLOW_OK;
    while (ret == GST_FLOW_OK && !queue_.empty()) {
        Output& out = queue_.front();
        if (out.event) {
            GstEvent* event = out.event;
            out.event = NULL;
            ret = push_event(event);
        } else {
            const bool ready = text_done || !GST_CLOCK_TIME_IS_VALID(out.rt_end) ||
                               out.rt_end <= text.known() ||
                               (GST_CLOCK_TIME_IS_VALID(now) && out.rt_end + text_timeout_ <= now);
            if (!ready) break;
            ret = publish(out);
        }
        queue_.pop_front();
    }
    text.forget_before(oldest_needed());
    return ret;
}

void KsmmProcessing::schedule_poll(bool took_audio) {
    const GstClockTime now = live_position();
    if (GST_CLOCK_TIME_IS_VALID(now)) poll_at_ = now + (took_audio ? kLiveDrainInterval : kLivePollInterval);
}

/* Sparse text must hold back neither the audio (looked for every poll interval) nor a segment
 * waiting for its text (due text-timeout after its end); both are stream running times, so the
 * element's own latency comes off. */
GstClockTime KsmmProcessing::next_time() const {
    GstClockTime wake = poll_at_;
    for (const auto& out : queue_)
        if (!out.event && GST_CLOCK_TIME_IS_VALID(out.rt_end)) {
            wake = std::min(wake, out.rt_end + text_timeout_);
            break;
        }
    return wake - std::min(wake, own_latency_);
}

void KsmmProcessing::finish_training() {
    if (training && !training_finished_) training_finish(*training);
    training_finished_ = true;
}

} // namespace emotion::gst
