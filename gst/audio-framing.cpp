#include "audio-framing.h"

#include <gst/audio/audio.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace emotion::gst {

SampleClock::SampleClock(int rate, GstClockTime tolerance) : rate_(rate), tolerance_(tolerance) {}

void SampleClock::reset() { anchors_.clear(); }

void SampleClock::rebase(uint64_t position) {
    GstClockTime t = time_at(position);
    anchors_.clear();
    if (GST_CLOCK_TIME_IS_VALID(t)) anchors_.push_back({0, t});
}

void SampleClock::observe(GstClockTime pts, uint64_t position) {
    if (!GST_CLOCK_TIME_IS_VALID(pts)) return;
    GstClockTime expected = time_at(position);
    if (GST_CLOCK_TIME_IS_VALID(expected)) {
        GstClockTime diff = pts > expected ? pts - expected : expected - pts;
        if (diff <= tolerance_) return;
    }
    while (!anchors_.empty() && anchors_.back().sample >= position) anchors_.pop_back();
    anchors_.push_back({position, pts});
}

GstClockTime SampleClock::time_at(uint64_t sample) const {
    /* the last anchor at or before `sample` */
    auto after = std::upper_bound(anchors_.begin(), anchors_.end(), sample,
                                  [](uint64_t s, const Anchor& a) { return s < a.sample; });
    if (after == anchors_.begin()) return GST_CLOCK_TIME_NONE;
    const Anchor& a = *(after - 1);
    return a.pts + gst_util_uint64_scale_int_round(sample - a.sample, GST_SECOND, rate_);
}

void SampleClock::discard_before(uint64_t sample) {
    size_t keep = 0; /* index of the last anchor at or before `sample` */
    while (keep + 1 < anchors_.size() && anchors_[keep + 1].sample <= sample) ++keep;
    if (keep > 0) anchors_.erase(anchors_.begin(), anchors_.begin() + static_cast<ptrdiff_t>(keep));
}

GstClockTime SampleClock::duration(uint64_t samples) const {
    return gst_util_uint64_scale_int_round(samples, GST_SECOND, rate_);
}

size_t replace_nonfinite(float* v, size_t n, float with) {
    size_t replaced = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(v[i])) {
            v[i] = with;
            ++replaced;
        }
    }
    return replaced;
}

size_t copy_finite(float* dst, const float* src, size_t n, float with) {
    size_t replaced = 0;
    for (size_t i = 0; i < n; ++i) {
        const float v = src[i];
        const bool ok = std::isfinite(v);
        dst[i] = ok ? v : with;
        replaced += ok ? 0 : 1;
    }
    return replaced;
}

bool feed_f32_samples(GstElement* element, GstBuffer* buffer, std::vector<float>& scratch, size_t gap_chunk,
                      const std::function<void(const float*, size_t)>& process) {
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) {
        GST_ELEMENT_ERROR(element, RESOURCE, READ, (NULL), ("Could not map an input buffer"));
        return false;
    }
    if (map.size % sizeof(float) != 0) {
        gst_buffer_unmap(buffer, &map);
        GST_ELEMENT_ERROR(
            element, STREAM, FORMAT, (NULL),
            ("An F32LE buffer of %" G_GSIZE_FORMAT " bytes is not a whole number of samples", map.size));
        return false;
    }
    const size_t count = map.size / sizeof(float);
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP)) {
        /* a GAP buffer is silence whatever its memory holds */
        scratch.assign(std::min(count, gap_chunk), 0.0f);
        for (size_t done = 0; done < count;) {
            size_t n = std::min(count - done, gap_chunk);
            process(scratch.data(), n);
            done += n;
        }
    } else if (reinterpret_cast<uintptr_t>(map.data) % alignof(float) != 0) {
        scratch.resize(count);
        std::memcpy(scratch.data(), map.data, map.size);
        process(scratch.data(), count);
    } else {
        process(reinterpret_cast<const float*>(map.data), count);
    }
    gst_buffer_unmap(buffer, &map);
    return true;
}

bool accept_speech_caps(GstElement* element, GstPad* srcpad, GstCaps* caps, int rate, GstCaps* out_caps) {
    GstAudioInfo info;
    if (!gst_audio_info_from_caps(&info, caps) || GST_AUDIO_INFO_FORMAT(&info) != GST_AUDIO_FORMAT_F32LE ||
        GST_AUDIO_INFO_RATE(&info) != rate || GST_AUDIO_INFO_CHANNELS(&info) != 1) {
        GST_ELEMENT_ERROR(element, CORE, NEGOTIATION, (NULL),
                          ("%s takes F32LE mono audio at %d Hz, got %" GST_PTR_FORMAT
                           "; put audioconvert ! audioresample in front of it",
                           GST_OBJECT_NAME(gst_element_get_factory(element)), rate, caps));
        gst_caps_unref(out_caps);
        return false;
    }
    bool pushed = gst_pad_push_event(srcpad, gst_event_new_caps(out_caps));
    gst_caps_unref(out_caps);
    return pushed;
}

} // namespace emotion::gst
