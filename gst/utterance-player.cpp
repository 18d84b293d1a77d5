#include "utterance-player.h"

#include <gst/emotion/emotion.h>

#include "file-decoder.h"

namespace emotion::gst {

namespace {

constexpr int kRate = 16000;

GstEvent* segment_start(const io::Utterance& u, const std::string& id, train::Split split) {
    auto optional = [](const std::string& value) {
        return value.empty() ? (const char*)nullptr : value.c_str();
    };
    return gst_emotion_event_new_segment_start(id.c_str(), "emotion", optional(u.emotion), "speaker",
                                               optional(u.speaker), "gender", optional(u.gender), "text",
                                               optional(u.text), "split", train::split_name(split), NULL);
}

} // namespace

UtterancePlayer::UtterancePlayer(GstPad* audio, std::function<GstPad*()> text_pad,
                                 const std::atomic<bool>& cancel)
    : audio_(audio), text_pad_(std::move(text_pad)), cancel_(cancel) {}

UtterancePlayer::Played UtterancePlayer::play(const io::Utterance& u, const std::string& id,
                                              train::Split split) {
    Played played;
    GstFlowReturn& flow = played.flow;
    bool started = false;
    guint64 samples = 0;

    auto on_start = [&](GstClockTime duration) {
        gst_pad_push_event(audio_, segment_start(u, id, split));
        started = true;
        if (GstPad* pad = text_pad_()) {
            if (u.text.empty()) {
                gst_pad_push_event(pad, gst_event_new_gap(offset_, duration));
            } else {
                GstBuffer* text = gst_buffer_new_memdup(u.text.data(), u.text.size());
                GST_BUFFER_PTS(text) = offset_;
                GST_BUFFER_DURATION(text) = duration;
                GstFlowReturn text_flow = gst_pad_push(pad, text);
                if (text_flow != GST_FLOW_OK && text_flow != GST_FLOW_NOT_LINKED) flow = text_flow;
            }
            gst_object_unref(pad);
        }
    };
    auto on_samples = [&](const float* data, size_t count) {
        GstBuffer* buffer = gst_buffer_new_memdup(data, count * sizeof(float));
        GST_BUFFER_PTS(buffer) = offset_ + gst_util_uint64_scale(samples, GST_SECOND, kRate);
        GST_BUFFER_DURATION(buffer) =
            offset_ + gst_util_uint64_scale(samples + count, GST_SECOND, kRate) - GST_BUFFER_PTS(buffer);
        GST_BUFFER_OFFSET(buffer) = samples;
        samples += count;
        if (flow == GST_FLOW_OK)
            flow = gst_pad_push(audio_, buffer);
        else
            gst_buffer_unref(buffer);
        return flow == GST_FLOW_OK;
    };

    const bool decoded = FileDecoder::decode(u.path, on_start, on_samples, cancel_, &played.error);
    played.skipped = !decoded && flow == GST_FLOW_OK && !cancel_.load();
    if (started) {
        gst_pad_push_event(audio_, gst_emotion_event_new_segment_end(id.c_str()));
        played.emitted = samples > 0;
    }
    offset_ += gst_util_uint64_scale(samples, GST_SECOND, kRate);
    if (cancel_.load()) flow = GST_FLOW_FLUSHING;
    return played;
}

} // namespace emotion::gst
