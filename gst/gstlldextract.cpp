/* GStreamer lldextract: the 36 low-level descriptors of A-LSTM per 10 ms frame.
 *
 * This library is free software; you can redistribute it and/or modify it under the terms of
 * the GNU Library General Public License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-lldextract
 * @title: lldextract
 *
 * Computes the 36 low-level descriptors (LLDs) of the A-LSTM emotion model for every 25 ms frame
 * of 16 kHz mono speech at a 10 ms hop: zero-crossing rate, energy, energy entropy, spectral
 * centroid, spread, entropy, flux and rolloff, 13 MFCCs, 12 chroma values and their standard
 * deviation (features 0-33, exactly as pyAudioAnalysis defines them), harmonic ratio and F0 in Hz
 * (34-35). Each output buffer holds one frame, 36 float32 values, as NNStreamer tensor caps
 * `other/tensors,format=static,num_tensors=1,types=float32,dimensions=36:1,framerate=100/1`.
 * There is no whole-file normalisation: every frame only depends on its own 400 samples (and on
 * the previous frame, for the spectral flux).
 *
 * Framing: frame i covers samples [160 i, 160 i + 400) of the current stream part, which starts
 * at the first buffer, after every DISCONT buffer, flush, GAP event or new segment, and at every
 * upstream `emotion-segment-start` event. Frames are emitted as soon as their last sample
 * arrives, so the output does not depend on how the input is cut into buffers. Samples that do
 * not complete a frame before a discontinuity or EOS are dropped (no padding).
 *
 * Timestamps: the PTS of frame i is the time of its first sample, counted in samples from the
 * first buffer of the stream part (jitter-free), re-anchored on a buffer whose PTS is off that
 * count by more than 40 ms (a timestamp gap upstream did not flag as DISCONT: the features
 * treat the samples as contiguous, the PTS follow the input). The duration is the hop, 10 ms, so
 * consecutive frames tile the timeline; offset is the frame index i and offset-end i + 1. The
 * first frame of each stream part is flagged DISCONT. GAP buffers count as silence.
 *
 * Segments: `emotion-segment-start`/`-end` events from upstream are forwarded unchanged and in
 * order: an event that arrives after input sample n goes out after every frame that ends at or
 * before n. An upstream start also restarts the framing, so the frames of a segment start at its
 * first sample and frame i belongs to it when its samples lie inside it. Without upstream
 * segment events, #GstLldExtract:segmentation makes the element mark segments itself: `vad`
 * around each stretch of speech (ids "vad0", "vad1", ...; frames are delayed by the VAD
 * lookahead so that a start precedes the first speech frame), or `window`: windows of
 * #GstLldExtract:window seconds every #GstLldExtract:hop seconds (ids "w0", "w1", ...;
 * overlapping windows interleave their start and end events). The first upstream segment event
 * switches the own segmentation off for the rest of the stream. A segment never spans a
 * discontinuity: the element ends every open segment (its own and upstream ones, whose later
 * upstream end is then dropped) before a DISCONT, GAP event, new segment or EOS. A flush voids
 * open segments without an end event (serialized events cannot pass a flushing pad; downstream
 * flushes its segment state as well).
 *
 * Non-finite input samples (NaN, Inf) are replaced by 0 and the output is always finite; the
 * element posts one warning per stream when that happens.
 *
 * Latency: 25 ms (the frame), plus the VAD lookahead when #GstLldExtract:segmentation is `vad`.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! \
 *     lldextract segmentation=vad ! fakesink
 * ]| Extracts the LLDs of a speech file and marks its speech segments.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstlldextract.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "audio-framing.h"
#include "dsp/lld.h"
#include "elements.h"

GST_DEBUG_CATEGORY_STATIC(gst_lld_extract_debug);
#define GST_CAT_DEFAULT gst_lld_extract_debug

#define DEFAULT_SEGMENTATION GST_EMOTION_SEGMENTATION_NONE
#define DEFAULT_WINDOW emotion::gst::kSegmentWindowDefault
#define DEFAULT_HOP emotion::gst::kSegmentHopDefault

enum {
    PROP_0,
    PROP_SEGMENTATION,
    PROP_WINDOW,
    PROP_HOP,
};

#define LLD_RATE emotion::dsp::kSampleRate
#define LLD_FEATURES emotion::dsp::kLldFeatures
#define LLD_WINDOW emotion::dsp::kLldWindow
#define LLD_HOP emotion::dsp::kLldHop
#define FRAME_BYTES (LLD_FEATURES * sizeof(float))

namespace {

/* The LLD frames of the stream parts, routed through the own segmentation (windows, or the VAD
 * that holds frames until it has decided them) while upstream sends no segment events. */
class LldProcessing final : public emotion::gst::ExtractorProcessing {
public:
    LldProcessing(GstEmotionExtractor* element, GstEmotionSegmentation mode, double window, double hop)
        : element_(element), mode_(mode) {
        if (mode == GST_EMOTION_SEGMENTATION_WINDOW)
            windows_.reset(new emotion::gst::WindowSegmenter(emotion::gst::seconds_to_frames(window),
                                                             emotion::gst::seconds_to_frames(hop)));
        else if (mode == GST_EMOTION_SEGMENTATION_VAD)
            vad_.reset(new emotion::gst::VadSegmenter());
        features_.reserve((size_t)(GST_EMOTION_EXTRACTOR_MAX_CHUNK / LLD_HOP + 1) * LLD_FEATURES);
        stream_start();
    }

    ~LldProcessing() override {
        for (GstBuffer* frame : held_) gst_buffer_unref(frame);
    }

    void stream_start() override {
        if (windows_) windows_->start();
        if (vad_) vad_->start();
    }

    void process(const float* samples, size_t count) override {
        size_t frames, replaced;

        features_.clear();
        frames = stream_.push(samples, count, features_);
        replaced = emotion::gst::replace_nonfinite(features_.data(), features_.size(), 0.0f);
        for (size_t f = 0; f < frames; f++) {
            const float* values = features_.data() + f * LLD_FEATURES;
            route_frame(make_frame(values), values[1]);
        }
        gst_emotion_extractor_report_nonfinite(element_, stream_.nonfinite_samples(), replaced,
                                               "feature values by 0");
    }

    /* the own segments end; samples that do not complete a frame are dropped */
    void drain() override {
        if (own_segmentation_active()) close_own_segments();
        restart_framing();
    }

    void flush() override {
        void_own_segments();
        restart_framing();
    }

    /* upstream segments switch the own segmentation off; a start restarts the framing, so the
     * segment's frames start at its first sample */
    void upstream_segment(bool start, bool first) override {
        if (first && mode_ != GST_EMOTION_SEGMENTATION_NONE) {
            GST_INFO_OBJECT(element_, "upstream segment events: own segmentation off");
            close_own_segments();
        }
        if (start) {
            gst_emotion_extractor_restart(element_);
            restart_framing();
        }
    }

private:
    void restart_framing() {
        stream_.reset();
        frames_ = 0;
    }

    GstBuffer* make_frame(const float* features) {
        GstBuffer* frame = gst_emotion_extractor_new_buffer(element_);

        gst_buffer_fill(frame, 0, features, FRAME_BYTES);
        gst_emotion_extractor_stamp(element_, frame, frames_, 1);
        frames_++;
        return frame;
    }

    bool own_segmentation_active() const {
        return mode_ != GST_EMOTION_SEGMENTATION_NONE &&
               !gst_emotion_extractor_upstream_segments_seen(element_);
    }

    /* Routes one frame (with its energy, LLD feature 1) through the segmentation. */
    void route_frame(GstBuffer* frame, float energy) {
        if (!own_segmentation_active()) {
            gst_emotion_extractor_queue(element_, frame);
        } else if (mode_ == GST_EMOTION_SEGMENTATION_WINDOW) {
            windows_->frame(before_, after_);
            gst_emotion_extractor_push_events(element_, before_);
            gst_emotion_extractor_queue(element_, frame);
            gst_emotion_extractor_push_events(element_, after_);
        } else {
            held_.push_back(frame);
            vad_->push(energy, marks_);
            release_decided();
        }
    }

    /* Pushes the held frames the VAD has decided, each after its segment event. */
    void release_decided() {
        for (GstEvent* mark : marks_) {
            gst_emotion_extractor_push_event(element_, mark);
            if (!held_.empty()) {
                gst_emotion_extractor_queue(element_, held_.front());
                held_.pop_front();
            }
        }
        marks_.clear();
    }

    /* Ends the open own segments, releasing the frames the VAD still holds. */
    void close_own_segments() {
        if (windows_) {
            windows_->close(before_);
            gst_emotion_extractor_push_events(element_, before_);
        }
        if (vad_) {
            GstEvent* end = NULL;
            vad_->close(marks_, &end);
            release_decided();
            /* the VAD decides every frame it was given; anything left is released as it is */
            while (!held_.empty()) {
                gst_emotion_extractor_queue(element_, held_.front());
                held_.pop_front();
            }
            gst_emotion_extractor_push_event(element_, end);
        }
    }

    /* Drops the held frames and the open own segments without output. */
    void void_own_segments() {
        std::vector<GstEvent*> voided;
        GstEvent* end = NULL;

        for (GstBuffer* frame : held_) gst_buffer_unref(frame);
        held_.clear();
        if (windows_) windows_->close(voided);
        if (vad_) {
            vad_->close(voided, &end);
            voided.push_back(end);
        }
        for (GstEvent* event : voided)
            if (event) gst_event_unref(event);
    }

    GstEmotionExtractor* element_;
    GstEmotionSegmentation mode_;
    emotion::dsp::LldStream stream_;
    std::unique_ptr<emotion::gst::WindowSegmenter> windows_;
    std::unique_ptr<emotion::gst::VadSegmenter> vad_;

    std::deque<GstBuffer*> held_; /* frames waiting for their VAD decision */
    std::vector<float> features_;
    std::vector<GstEvent*> before_, after_, marks_;
    uint64_t frames_ = 0; /* frames since the stream part (or upstream segment) started */
};

} // namespace

G_DEFINE_TYPE(GstLldExtract, gst_lld_extract, GST_TYPE_EMOTION_EXTRACTOR);
GST_ELEMENT_REGISTER_DEFINE(lldextract, "lldextract", GST_RANK_NONE, GST_TYPE_LLD_EXTRACT);

static void gst_lld_extract_set_property(GObject* object, guint prop_id, const GValue* value,
                                         GParamSpec* pspec);
static void gst_lld_extract_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);

static emotion::gst::ExtractorProcessing* gst_lld_extract_start(GstEmotionExtractor* base) {
    GstLldExtract* self = GST_LLD_EXTRACT(base);
    emotion::gst::ExtractorProcessing* processing;

    GST_OBJECT_LOCK(self);
    processing = new LldProcessing(base, self->segmentation, self->window, self->hop);
    GST_OBJECT_UNLOCK(self);
    return processing;
}

/* the frame, plus the VAD lookahead with segmentation=vad */
static GstClockTime gst_lld_extract_latency(GstEmotionExtractor* base) {
    GstLldExtract* self = GST_LLD_EXTRACT(base);
    GstClockTime latency = gst_util_uint64_scale_int(LLD_WINDOW, GST_SECOND, LLD_RATE);
    GstEmotionSegmentation mode;

    GST_OBJECT_LOCK(self);
    mode = self->segmentation;
    GST_OBJECT_UNLOCK(self);
    if (mode == GST_EMOTION_SEGMENTATION_VAD) {
        emotion::gst::VadSegmenter vad;
        latency += gst_util_uint64_scale_int((guint64)vad.lookahead_frames() * LLD_HOP, GST_SECOND, LLD_RATE);
    }
    return latency;
}

static void gst_lld_extract_class_init(GstLldExtractClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstEmotionExtractorClass* extractor_class = GST_EMOTION_EXTRACTOR_CLASS(klass);

    gobject_class->set_property = gst_lld_extract_set_property;
    gobject_class->get_property = gst_lld_extract_get_property;

    /**
     * GstLldExtract:segmentation:
     *
     * How to mark segments when upstream sends no `emotion-segment-start/end` events: `none`
     * (frames only), `vad` (one segment per stretch of speech) or `window` (fixed windows, see
     * #GstLldExtract:window and #GstLldExtract:hop). Read when the element starts streaming.
     * Default: `none` (classifiers cut their own windows when no segment events arrive).
     */
    g_object_class_install_property(
        gobject_class, PROP_SEGMENTATION,
        g_param_spec_enum(
            "segmentation", "Segmentation", "How to mark segments when upstream sends no segment events",
            GST_TYPE_EMOTION_SEGMENTATION, DEFAULT_SEGMENTATION,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

    /**
     * GstLldExtract:window:
     *
     * Length of a window in seconds with segmentation=window (rounded to 10 ms frames), from 0.1
     * to 3600. Windows that a discontinuity or EOS cuts short end there. Default: 3.0 (a
     * sentence-length span for one prediction).
     */
    g_object_class_install_property(
        gobject_class, PROP_WINDOW,
        g_param_spec_double(
            "window", "Window", "Window length in seconds for segmentation=window",
            emotion::gst::kSegmentWindowMin, emotion::gst::kSegmentWindowMax, DEFAULT_WINDOW,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

    /**
     * GstLldExtract:hop:
     *
     * Distance between the starts of consecutive windows in seconds with segmentation=window
     * (rounded to 10 ms frames), from 0.01 to 3600. A hop shorter than the window makes
     * overlapping windows, a longer one leaves frames outside every window. Default: 1.5 (half a
     * window: every frame lies in two windows).
     */
    g_object_class_install_property(
        gobject_class, PROP_HOP,
        g_param_spec_double(
            "hop", "Hop", "Distance between window starts in seconds for segmentation=window",
            emotion::gst::kSegmentHopMin, emotion::gst::kSegmentHopMax, DEFAULT_HOP,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

    extractor_class->start = gst_lld_extract_start;
    extractor_class->latency = gst_lld_extract_latency;
    /* a frame's time is needed until the frame is complete */
    gst_emotion_extractor_class_set_output(extractor_class, {LLD_FEATURES, 1}, 100, 1, 16, LLD_HOP,
                                           LLD_WINDOW);

    gst_element_class_set_static_metadata(
        element_class, "Speech low-level descriptors", "Filter/Analyzer/Audio",
        "Computes the 36 A-LSTM low-level descriptors per 10 ms frame of 16 kHz speech",
        "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        element_class, "example-launch-line",
        "gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! lldextract "
        "segmentation=vad ! fakesink");

    GST_DEBUG_CATEGORY_INIT(gst_lld_extract_debug, "lldextract", 0, "speech low-level descriptors");
    gst_type_mark_as_plugin_api(GST_TYPE_EMOTION_SEGMENTATION, (GstPluginAPIFlags)0);
}

static void gst_lld_extract_init(GstLldExtract* self) {
    self->segmentation = DEFAULT_SEGMENTATION;
    self->window = DEFAULT_WINDOW;
    self->hop = DEFAULT_HOP;
}

static void gst_lld_extract_set_property(GObject* object, guint prop_id, const GValue* value,
                                         GParamSpec* pspec) {
    GstLldExtract* self = GST_LLD_EXTRACT(object);

    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_SEGMENTATION: self->segmentation = (GstEmotionSegmentation)g_value_get_enum(value); break;
    case PROP_WINDOW: self->window = g_value_get_double(value); break;
    case PROP_HOP: self->hop = g_value_get_double(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_lld_extract_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
    GstLldExtract* self = GST_LLD_EXTRACT(object);

    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_SEGMENTATION: g_value_set_enum(value, self->segmentation); break;
    case PROP_WINDOW: g_value_set_double(value, self->window); break;
    case PROP_HOP: g_value_set_double(value, self->hop); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}
