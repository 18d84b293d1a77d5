/* FuseProcessing: see the header. */
#include "fuse-processing.h"

#include <gst/emotion/emotion.h>

#include "stream-time.h"

GST_DEBUG_CATEGORY_EXTERN(emotion_fuse_debug);
#define GST_CAT_DEFAULT emotion_fuse_debug

namespace emotion::gst {

FuseProcessing::FuseProcessing(GstAggregator* element, std::vector<GstAggregatorPad*> pads,
                               std::vector<double> weights)
    : element_(element), pads_(std::move(pads)), fusion_(std::move(weights)), labels_(pads_.size()),
      models_(pads_.size()) {}

FuseProcessing::~FuseProcessing() {
    clear_queue();
    for (GstAggregatorPad* pad : pads_) gst_object_unref(pad);
}

int FuseProcessing::input_of(GstAggregatorPad* pad) const {
    for (size_t i = 0; i < pads_.size(); ++i)
        if (pads_[i] == pad) return (int)i;
    return -1;
}

void FuseProcessing::clear_queue() {
    for (auto& out : queue_)
        if (out.event) gst_event_unref(out.event);
    queue_.clear();
    fused_.clear();
}

void FuseProcessing::flush() {
    fusion_.flush();
    clear_queue();
    true_emotions_.clear();
}

/* ---- input ------------------------------------------------------------------------------ */

static GstClockTime running_time(GstAggregatorPad* pad, GstClockTime t) {
    GST_OBJECT_LOCK(pad);
    GstClockTime rt = gst_segment_to_running_time(&pad->segment, GST_FORMAT_TIME, t);
    GST_OBJECT_UNLOCK(pad);
    return rt;
}

GstFlowReturn FuseProcessing::take_queued() {
    /* Everything: a pad left holding a result would stall its classifier's branch. */
    for (size_t i = 0; i < pads_.size(); ++i) {
        GstBuffer* buffer;
        while ((buffer = gst_aggregator_pad_pop_buffer(pads_[i])) != NULL) {
            GstFlowReturn ret = take_result(i, buffer);
            gst_buffer_unref(buffer);
            if (ret != GST_FLOW_OK) return ret;
        }
        if (gst_aggregator_pad_is_eos(pads_[i]) && !gst_aggregator_pad_has_buffer(pads_[i]))
            fusion_.end_input(i);
    }
    return GST_FLOW_OK;
}

bool FuseProcessing::check_labels(size_t input, const std::vector<std::string>& labels) {
    if (labels == labels_[input]) return true;
    try {
        fusion_.set_labels(input, labels);
    } catch (const stream::LabelMismatch& e) {
        GST_ELEMENT_ERROR(element_, STREAM, FORMAT,
                          ("Cannot fuse classifiers of different emotions: %s (input n is the n-th sink pad, "
                           "sink_0 first).",
                           e.what()),
                          ("at pad %s", GST_PAD_NAME(pads_[input])));
        return false;
    }
    labels_[input] = labels;
    return true;
}

/* One result of `input`: its labels checked, its span (running time) handed to the fusion. */
GstFlowReturn FuseProcessing::take_result(size_t input, GstBuffer* buffer) {
    GstAggregatorPad* pad = pads_[input];
    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    const GstClockTime duration = GST_BUFFER_DURATION(buffer);
    const GstClockTime end = GST_CLOCK_TIME_IS_VALID(duration) ? pts + duration : pts;
    const stream::Time rt_start = stream_time(running_time(pad, pts));
    const stream::Time rt_end = stream_time(running_time(pad, end));
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP)) {
        if (input > 0 && stream::has_time(rt_end)) fusion_.advance(input, rt_end);
        return GST_FLOW_OK;
    }
    GstEmotionMeta* meta = gst_buffer_get_emotion_meta(buffer);
    if (!meta) {
        GST_ELEMENT_ERROR(
            element_, STREAM, FORMAT, ("%s received a buffer without emotion result.", GST_PAD_NAME(pad)),
            ("emotionfuse takes the output of emotion classifiers (buffers with GstEmotionMeta)"));
        return GST_FLOW_ERROR;
    }
    if (gst_emotion_meta_get_interim(meta)) {
        /* the fusion pairs final results by time; an interim one is followed by its final one */
        GST_LOG_OBJECT(pad, "interim result of %s: not fused", meta->segment_id);
        return GST_FLOW_OK;
    }
    if (!stream::has_time(rt_start)) {
        GST_WARNING_OBJECT(pad, "result outside the segment or without timestamp: dropped");
        return GST_FLOW_OK;
    }
    if (!check_labels(input, std::vector<std::string>(meta->labels, meta->labels + meta->n_classes)))
        return GST_FLOW_ERROR;
    if (meta->model) models_[input] = meta->model;

    stream::ResultSpan span;
    span.start = rt_start;
    span.end = stream::has_time(rt_end) ? rt_end : rt_start;
    span.posteriors.assign(meta->scores, meta->scores + meta->n_classes);
    const uint64_t sequence = fusion_.add(input, std::move(span));
    if (input == 0) {
        Output out;
        out.sequence = sequence;
        out.id = meta->segment_id ? meta->segment_id : "";
        out.pts = pts;
        out.end = end;
        queue_.push_back(std::move(out));
    }
    return GST_FLOW_OK;
}

void FuseProcessing::take_reference_event(GstEvent* event) {
    if (gst_emotion_event_is_segment_start(event)) {
        const gchar* id = gst_emotion_event_get_segment_id(event);
        const gchar* emotion = gst_emotion_event_get_field(event, "emotion");
        if (id && emotion) true_emotions_[id] = emotion;
    }
    Output out;
    out.event = event;
    queue_.push_back(std::move(out));
}

/* ---- output ----------------------------------------------------------------------------- */

GstClockTime FuseProcessing::next_time() const { return clock_time(fusion_.first_pending_end()); }

void FuseProcessing::force_first() {
    if (!fusion_.waiting()) return;
    for (stream::FusedSpan& f : fusion_.take_ready(fusion_.first_pending_end()))
        fused_.emplace(f.sequence, std::move(f));
}

bool FuseProcessing::negotiate() {
    if (!has_labels()) return true; /* nothing leaves before the reference's first result */
    if (results.num_classes() == 0) results.set_model(fusion_.labels(), fusion_name());
    negotiated = negotiate_aggregator_output(element_, results);
    return negotiated;
}

/* "fusion(alstm.safetensors+apcnn.safetensors)": the models of the inputs, in pad order. */
std::string FuseProcessing::fusion_name() const {
    std::string name;
    for (const auto& model : models_) name += (name.empty() ? "" : "+") + (model.empty() ? "?" : model);
    return "fusion(" + name + ")";
}

GstFlowReturn FuseProcessing::publish(const Output& out, const stream::FusedSpan& fused) {
    if (!negotiated && !negotiate()) return GST_FLOW_NOT_NEGOTIATED;
    auto truth = true_emotions_.find(out.id);
    GstEvent* tag;
    GstBuffer* buffer = results.publish(GST_ELEMENT(element_), out.id, out.pts, out.end, fused.posteriors,
                                        truth == true_emotions_.end() ? "" : truth->second, &tag);
    GST_LOG_OBJECT(element_, "segment %s fused from %d inputs", out.id.c_str(), fused.inputs);
    GstFlowReturn ret = gst_aggregator_finish_buffer(element_, buffer);
    if (tag) gst_pad_push_event(element_->srcpad, tag);
    return ret;
}

GstFlowReturn FuseProcessing::push_ready() {
    for (stream::FusedSpan& f : fusion_.take_ready()) fused_.emplace(f.sequence, std::move(f));
    GstFlowReturn ret = GST_FLOW_OK;
    while (ret == GST_FLOW_OK && !queue_.empty()) {
        Output& out = queue_.front();
        if (out.event) {
            if (gst_emotion_event_is_segment_end(out.event)) {
                const gchar* id = gst_emotion_event_get_segment_id(out.event);
                true_emotions_.erase(id ? id : "");
            }
            gst_pad_push_event(element_->srcpad, out.event);
        } else {
            auto fused = fused_.find(out.sequence);
            if (fused == fused_.end()) break;
            ret = publish(out, fused->second);
            fused_.erase(fused);
        }
        queue_.pop_front();
    }
    return ret;
}

} // namespace emotion::gst
