/* ResultPublisher: see the header. */
#include "classifier-results.h"

#include <algorithm>
#include <cstring>

#include <gst/emotion/emotion.h>

#include "emotion-tags.h"
#include "train/calibration.h"
#include "tensor-caps.h"

GST_DEBUG_CATEGORY_EXTERN(emotion_classifier_debug);
#define GST_CAT_DEFAULT emotion_classifier_debug

namespace emotion::gst {

ResultPublisher::ResultPublisher() { gst_segment_init(&segment, GST_FORMAT_TIME); }

void ResultPublisher::set_model(const std::vector<std::string>& labels, const std::string& name,
                                double model_temperature) {
    labels_ = labels;
    model_name_ = name;
    model_temperature_ = model_temperature > 0.0 ? model_temperature : 1.0;
    affect_points_ = stream::affect_points(labels);
    label_ptrs_.clear();
    for (const auto& label : labels_) label_ptrs_.push_back(label.c_str());
    label_ptrs_.push_back(NULL);
}

GstCaps* ResultPublisher::caps(OutputFormat format) const {
    if (format == OutputFormat::Text) return gst_caps_from_string("text/x-raw,format=utf8");
    return tensor_caps_new({num_classes(), 1}, 0, 1);
}

GstCaps* ResultPublisher::all_caps() const {
    GstCaps* all = caps(OutputFormat::Tensors);
    gst_caps_append(all, caps(OutputFormat::Text));
    return all;
}

bool negotiate_aggregator_output(GstAggregator* agg, ResultPublisher& results) {
    GstCaps* peer = gst_pad_peer_query_caps(agg->srcpad, NULL);
    GstCaps* caps = results.choose_caps(GST_ELEMENT(agg), peer);
    gst_caps_unref(peer);
    if (!caps) return false;
    gst_aggregator_set_src_caps(agg, caps);
    gst_caps_unref(caps);
    return true;
}

bool take_aggregator_segment(GstAggregator* agg, ResultPublisher& results, GstEvent* event,
                             const char* what) {
    const GstSegment* segment;
    gst_event_parse_segment(event, &segment);
    if (segment->format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR(agg, STREAM, FORMAT, ("The %s are not in a TIME segment.", what),
                          ("segment %" GST_SEGMENT_FORMAT, segment));
        return false;
    }
    results.segment = *segment;
    gst_aggregator_update_segment(agg, segment);
    return true;
}

void set_caps_query_result(GstQuery* query, GstCaps* caps) {
    GstCaps* filter;
    gst_query_parse_caps(query, &filter);
    if (filter) {
        GstCaps* filtered = gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref(caps);
        caps = filtered;
    }
    gst_query_set_caps_result(query, caps);
    gst_caps_unref(caps);
}

GstCaps* ResultPublisher::choose_caps(GstElement* element, GstCaps* peer) {
    GstCaps* tensors = caps(OutputFormat::Tensors);
    GstCaps* text = caps(OutputFormat::Text);
    const bool tensors_ok = !peer || gst_caps_can_intersect(peer, tensors);
    const bool text_ok = !peer || gst_caps_can_intersect(peer, text);
    if (!tensors_ok && !text_ok) {
        gst_caps_unref(tensors);
        gst_caps_unref(text);
        GST_ELEMENT_ERROR(element, CORE, NEGOTIATION,
                          ("Downstream accepts neither emotion tensors nor text."), (NULL));
        return NULL;
    }
    output = tensors_ok ? OutputFormat::Tensors : OutputFormat::Text;
    gst_caps_unref(tensors_ok ? text : tensors);
    return tensors_ok ? tensors : text;
}

void ResultPublisher::reset_dominant() {
    label_counts_.clear();
    dominant_.clear();
}

GstStructure* ResultPublisher::message(const std::string& id, GstClockTime start, GstClockTime duration,
                                       const char* label, bool interim) const {
    GstClockTime stream_time = gst_segment_to_stream_time(&segment, GST_FORMAT_TIME, start);
    GstClockTime running_time = gst_segment_to_running_time(&segment, GST_FORMAT_TIME, start);
    GstStructure* s =
        gst_structure_new("emotion", "timestamp", G_TYPE_UINT64, start, "stream-time", G_TYPE_UINT64,
                          stream_time, "running-time", G_TYPE_UINT64, running_time, "duration", G_TYPE_UINT64,
                          duration, "segment-id", G_TYPE_STRING, id.c_str(), "label", G_TYPE_STRING, label,
                          "model", G_TYPE_STRING, model_name_.c_str(), NULL);
    /* only when true: the messages of final results stay as they were */
    if (interim) gst_structure_set(s, "interim", G_TYPE_BOOLEAN, TRUE, NULL);
    return s;
}

void ResultPublisher::post_message(GstElement* element, const std::string& id, GstClockTime start,
                                   GstClockTime duration, const std::vector<float>& scores, int best,
                                   bool uncertain, const std::string& true_emotion, bool interim) const {
    GValue labels = G_VALUE_INIT, values = G_VALUE_INIT, item = G_VALUE_INIT;

    gst_value_array_init(&labels, scores.size());
    gst_value_array_init(&values, scores.size());
    for (size_t k = 0; k < scores.size(); ++k) {
        g_value_init(&item, G_TYPE_STRING);
        g_value_set_string(&item, label_ptrs_[k]);
        gst_value_array_append_and_take_value(&labels, &item);
        g_value_init(&item, G_TYPE_DOUBLE);
        g_value_set_double(&item, scores[k]);
        gst_value_array_append_and_take_value(&values, &item);
    }
    GstStructure* s = message(id, start, duration, label_ptrs_[best], interim);
    gst_structure_set(s, "confidence", G_TYPE_DOUBLE, (gdouble)scores[best], "uncertain", G_TYPE_BOOLEAN,
                      (gboolean)uncertain, NULL);
    gst_structure_take_value(s, "labels", &labels);
    gst_structure_take_value(s, "scores", &values);
    if (!affect_points_.empty()) {
        stream::Affect a = stream::expected_affect(affect_points_, scores);
        gst_structure_set(s, "arousal", G_TYPE_DOUBLE, (gdouble)a.arousal, "valence", G_TYPE_DOUBLE,
                          (gdouble)a.valence, "arousal-level", G_TYPE_STRING, stream::arousal_level(a), NULL);
    }
    if (!true_emotion.empty())
        gst_structure_set(s, "true-emotion", G_TYPE_STRING, true_emotion.c_str(), NULL);
    gst_element_post_message(element, gst_message_new_element(GST_OBJECT(element), s));
}

GstBuffer* ResultPublisher::publish(GstElement* element, const std::string& id, GstClockTime start,
                                    GstClockTime end, const std::vector<float>& model_scores,
                                    const std::string& true_emotion, GstEvent** tag, bool interim,
                                    const std::string& speaker) {
    std::vector<float> scores = train::apply_temperature(model_scores, effective_temperature());
    if (balance) scores = balance_.apply(speaker, scores, !interim);
    int best = (int)(std::max_element(scores.begin(), scores.end()) - scores.begin());
    GstClockTime duration = GST_CLOCK_TIME_IS_VALID(start) && GST_CLOCK_TIME_IS_VALID(end) && end > start
                                ? end - start
                                : GST_CLOCK_TIME_NONE;
    std::string label = label_ptrs_[best];
    const bool uncertain = scores[best] < threshold;

    GstBuffer* buffer;
    if (output == OutputFormat::Tensors) {
        buffer = gst_buffer_new_memdup(scores.data(), scores.size() * sizeof(float));
    } else {
        const std::string line =
            io::cue_text(cue_format, uncertain ? kUncertainLabel : label, scores[best], id);
        buffer = gst_buffer_new_memdup(line.data(), line.size());
    }
    GST_BUFFER_PTS(buffer) = start;
    GST_BUFFER_DURATION(buffer) = duration;
    GstEmotionMeta* meta = gst_buffer_add_emotion_meta(buffer, scores.size(), label_ptrs_.data(),
                                                       scores.data(), id.c_str(), model_name_.c_str());
    if (!affect_points_.empty()) {
        stream::Affect a = stream::expected_affect(affect_points_, scores);
        gst_emotion_meta_set_affect(meta, a.arousal, a.valence, stream::is_high_arousal(a));
    }
    gst_emotion_meta_set_uncertain(meta, uncertain);
    gst_emotion_meta_set_interim(meta, interim);

    GST_DEBUG_OBJECT(element, "segment %s %" GST_TIME_FORMAT " +%" GST_TIME_FORMAT ": %s %.3f%s%s",
                     id.c_str(), GST_TIME_ARGS(start), GST_TIME_ARGS(duration), label.c_str(), scores[best],
                     uncertain ? " (uncertain)" : "", interim ? " (interim)" : "");
    post_message(element, id, start, duration, scores, best, uncertain, true_emotion, interim);

    /* The dominant emotion changes when a label overtakes it (ties keep the earlier); an uncertain
     * result says too little to count, an interim one is counted by its segment's final result. */
    *tag = NULL;
    if (uncertain || interim) return buffer;
    int count = ++label_counts_[label];
    if (label != dominant_ && (dominant_.empty() || count > label_counts_[dominant_])) {
        dominant_ = label;
        *tag = gst_event_new_tag(dominant_emotion_tags(label.c_str()));
    }
    return buffer;
}

GstBuffer* ResultPublisher::publish_no_speech(GstElement* element, const std::string& id, GstClockTime start,
                                              GstClockTime end, double speech, GstEvent** gap,
                                              bool interim) const {
    GstClockTime duration = GST_CLOCK_TIME_IS_VALID(start) && GST_CLOCK_TIME_IS_VALID(end) && end > start
                                ? end - start
                                : GST_CLOCK_TIME_NONE;
    GST_DEBUG_OBJECT(element, "segment %s %" GST_TIME_FORMAT ": no speech (%.2f)", id.c_str(),
                     GST_TIME_ARGS(start), speech);
    GstStructure* s = message(id, start, duration, kNoSpeechLabel, interim);
    gst_structure_set(s, "speech", G_TYPE_DOUBLE, speech, NULL);
    gst_element_post_message(element, gst_message_new_element(GST_OBJECT(element), s));

    *gap = NULL;
    if (output == OutputFormat::Tensors) {
        if (GST_CLOCK_TIME_IS_VALID(start)) *gap = gst_event_new_gap(start, duration);
        return NULL;
    }
    GstBuffer* buffer = gst_buffer_new_memdup(kNoSpeechLabel, strlen(kNoSpeechLabel));
    GST_BUFFER_PTS(buffer) = start;
    GST_BUFFER_DURATION(buffer) = duration;
    return buffer;
}

} // namespace emotion::gst
