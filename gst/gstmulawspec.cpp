/* GStreamer mulawspec: mu-law spectrogram segments of speech.
 *
 * This library is free software; you can redistribute it and/or modify it under the terms of
 * the GNU Library General Public License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-mulawspec
 * @title: mulawspec
 *
 * Cuts 16 kHz mono speech into the mu-law spectrogram segments of the attention-pooling CNN
 * (Interspeech 2018): 640-sample (40 ms) Hamming frames at a 160-sample (10 ms) hop, the
 * magnitudes of a 1600-point FFT for bins 0..399 (0..3990 Hz), segments of 200 frames (2 s),
 * each scaled to [-1, 1] by its own minimum and maximum and mu-law compressed (mu = 255). One
 * output buffer holds one segment, 400 rows (frequency bin) of 200 values (frames), row-major,
 * as NNStreamer tensor caps
 * `other/tensors,format=static,num_tensors=1,types=float32,dimensions=200:400,framerate=0/1`
 * (time innermost).
 *
 * Utterances: segment j of an utterance holds its frames [hop j, hop j + 200) (hop in frames,
 * #GstMulawSpec:hop); segments are pushed as soon as their frames exist. When the utterance
 * ends, the segments up to and including the first one that reaches its last frame are
 * completed with zero magnitudes (before scaling, so padded columns come out as -1): every
 * frame is in a segment, and an utterance shorter than 2 s gives exactly one segment; one
 * shorter than a frame (40 ms) gives none.
 *
 * An utterance is an upstream segment: `emotion-segment-start` begins one and
 * `emotion-segment-end` ends it, and both events are forwarded in order around the segment
 * buffers, so a classifier can average the segments of one utterance. Overlapping upstream
 * segments are not supported: every start begins a new utterance, every end finishes the
 * current one. Once upstream segment events have arrived, audio outside upstream segments makes
 * no output. Without upstream segment events the whole stream is one utterance, cut every
 * #GstMulawSpec:hop seconds (segmentation=none, the default).
 *
 * Speech segments: with #GstMulawSpec:segmentation `vad` the element finds the stretches of
 * speech itself, with the energy VAD of lldextract (the energies of its 25 ms frames every 10 ms,
 * so both elements cut the same segments from the same audio, with the same ids "vad0", "vad1",
 * ...): each stretch is one utterance, between an `emotion-segment-start` and an
 * `emotion-segment-end` event of its own, exactly as an upstream segment, and audio outside speech
 * makes no output. The utterance of the speech frames k0 .. k1 - 1 is the audio of the mu-law
 * frames k0 .. k1 - 1 (samples [160 k0, 160 k1 + 480)), so its segments span the time lldextract's
 * frames of the segment span; a stretch that a discontinuity or EOS cuts is completed with silence
 * to its last frame. The audio is held back by the VAD lookahead until it is decided. Upstream
 * segment events take precedence, as in lldextract: the first one ends the element's own speech
 * segment at once (the held audio is decided, the open utterance ends with its end event before
 * the upstream event) and the VAD stays off for the rest of the stream; from then on the upstream
 * segments are the utterances.
 *
 * Discontinuities: a DISCONT buffer, GAP event, new segment or EOS finishes the current
 * utterance (its padded tail segments are pushed, nothing is dropped) and ends an open upstream
 * segment there (its later upstream end is dropped: a segment never spans a discontinuity);
 * audio after a discontinuity starts a new utterance, or, in a stream with upstream segments,
 * waits for the next segment start. A flush drops the utterance without output.
 *
 * Timestamps: the PTS of a segment is the time of its first frame, counted in samples from the
 * first buffer of the utterance (of the stream part with segmentation=vad; re-anchored on input
 * timestamp gaps over 40 ms), its duration the real frames it covers times 10 ms, offset its
 * first frame and offset-end the first frame plus its real frames (frames counted in the
 * utterance).
 *
 * Non-finite input samples (NaN, Inf) are replaced by 0 and the output is always finite; the
 * element posts one warning per stream when that happens.
 *
 * Latency: one segment, 2.03 s (200 frames at a 10 ms hop, the last one 40 ms long), plus the
 * VAD lookahead (0.7 s) with segmentation=vad.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=speech.wav ! decodebin ! audioconvert ! audioresample ! \
 *     mulawspec hop=0.4 segmentation=vad ! fakesink
 * ]| Makes a 2 s mu-law spectrogram segment every 0.4 s of each stretch of speech.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmulawspec.h"

#include <cstdint>
#include <memory>
#include <vector>

#include "audio-framing.h"
#include "dsp/lld.h"
#include "dsp/mulaw.h"
#include "elements.h"
#include "segmentation.h"
#include "speech-utterances.h"

GST_DEBUG_CATEGORY_STATIC(gst_mulaw_spec_debug);
#define GST_CAT_DEFAULT gst_mulaw_spec_debug

#define MULAW_RATE emotion::dsp::kSampleRate
#define MULAW_BINS emotion::dsp::kMulawBins
#define MULAW_FRAMES emotion::dsp::kMulawSegmentFrames
#define MULAW_HOP emotion::dsp::kMulawHop
#define SEGMENT_VALUES (MULAW_BINS * MULAW_FRAMES)

/* the window is the model's input size, 200 frames of 10 ms */
#define WINDOW_SECONDS (MULAW_FRAMES * (double)MULAW_HOP / MULAW_RATE)
#define DEFAULT_HOP 1.0
#define MIN_HOP 0.1
#define MAX_HOP WINDOW_SECONDS
#define DEFAULT_SEGMENTATION GST_EMOTION_SEGMENTATION_NONE

enum {
    PROP_0,
    PROP_WINDOW,
    PROP_HOP,
    PROP_SEGMENTATION,
};

namespace {

/* The segments of the utterances: the whole stream part without upstream segment events (or
 * each stretch of speech with segmentation=vad), else each upstream segment (audio outside them
 * is not used). */
class MulawProcessing final : public emotion::gst::ExtractorProcessing {
public:
    MulawProcessing(GstEmotionExtractor* element, int hop_frames, bool vad)
        : element_(element), segmenter_(MULAW_FRAMES, hop_frames) {
        emit_ = [this](const emotion::dsp::MulawSegmenter::Segment& segment) { push_segment(segment); };
        if (vad)
            speech_.reset(new emotion::gst::SpeechUtterances(speech_output(), emotion::dsp::kMulawFrame));
    }

    void stream_start() override {
        cutting_ = true;
        if (speech_) speech_->start();
    }

    void process(const float* samples, size_t count) override {
        if (vad_active())
            speech_->push(samples, count);
        else if (cutting_)
            segmenter_.push(samples, count, emit_);
        check_nonfinite();
    }

    /* the utterance ends there (its padded tail is pushed); in a stream with upstream segments,
     * audio waits for the next segment start */
    void drain() override {
        if (vad_active()) {
            speech_->close();
            check_nonfinite();
            return;
        }
        finish_utterance();
        cutting_ = !gst_emotion_extractor_upstream_segments_seen(element_);
    }

    void flush() override {
        segmenter_.reset();
        if (vad_active()) speech_->drop();
        cutting_ = !gst_emotion_extractor_upstream_segments_seen(element_);
    }

    /* an upstream start begins an utterance, an end finishes it; the first one ends the own
     * speech segmentation (its open utterance ends before the upstream event) */
    void upstream_segment(bool start, bool first) override {
        if (first && speech_) {
            GST_INFO_OBJECT(element_, "upstream segment events: own segmentation off");
            speech_->close();
            utterance_frame_ = 0;
            cutting_ = false;
        }
        if (start) {
            /* audio before the first upstream segment was one utterance; audio between upstream
             * segments is dropped */
            if (cutting_)
                finish_utterance();
            else
                restart_utterance();
            cutting_ = true;
        } else {
            finish_utterance();
            cutting_ = false;
        }
    }

private:
    bool vad_active() const { return speech_ && !gst_emotion_extractor_upstream_segments_seen(element_); }

    /* a speech stretch is an utterance: its events go around its segments, its frames count
     * from its first one (the timestamps from the stream part's start) */
    emotion::gst::SpeechUtterances::Output speech_output() {
        emotion::gst::SpeechUtterances::Output output;
        output.begin = [this](GstEvent* start, uint64_t first_frame) {
            segmenter_.reset();
            utterance_frame_ = first_frame;
            gst_emotion_extractor_push_event(element_, start);
        };
        output.audio = [this](const float* samples, size_t count) { segmenter_.push(samples, count, emit_); };
        output.end = [this](GstEvent* end) {
            segmenter_.finish(emit_);
            gst_emotion_extractor_push_event(element_, end);
        };
        return output;
    }

    void push_segment(const emotion::dsp::MulawSegmenter::Segment& segment) {
        GstBuffer* buffer = gst_emotion_extractor_new_buffer(element_);
        GstMapInfo map;

        gst_buffer_map(buffer, &map, GST_MAP_WRITE);
        nonfinite_values_ += emotion::gst::copy_finite(reinterpret_cast<float*>(map.data), segment.values,
                                                       SEGMENT_VALUES, -1.0f);
        gst_buffer_unmap(buffer, &map);

        gst_emotion_extractor_stamp(element_, buffer, utterance_frame_ + (guint64)segment.first_frame,
                                    (guint64)segment.real_frames);
        GST_BUFFER_OFFSET(buffer) = (guint64)segment.first_frame;
        GST_BUFFER_OFFSET_END(buffer) = (guint64)(segment.first_frame + segment.real_frames);
        GST_LOG_OBJECT(element_, "segment %" G_GINT64_FORMAT ": %" GST_PTR_FORMAT, segment.index, buffer);
        gst_emotion_extractor_push(element_, buffer);
    }

    void check_nonfinite() {
        const uint64_t held_nonfinite = speech_ ? speech_->nonfinite_samples() : 0;
        gst_emotion_extractor_report_nonfinite(element_, segmenter_.nonfinite_samples() + held_nonfinite,
                                               nonfinite_values_, "output values by -1");
        nonfinite_values_ = 0;
    }

    /* Starts a new utterance at the current position (its sample 0), dropping unused audio. */
    void restart_utterance() {
        segmenter_.reset();
        gst_emotion_extractor_restart(element_);
    }

    /* Ends the current utterance: pushes its padded tail segments. */
    void finish_utterance() {
        if (cutting_ && gst_emotion_extractor_position(element_) > 0) segmenter_.finish(emit_);
        check_nonfinite();
        restart_utterance();
    }

    GstEmotionExtractor* element_;
    emotion::dsp::MulawSegmenter segmenter_;
    std::unique_ptr<emotion::gst::SpeechUtterances> speech_; /* segmentation=vad */
    uint64_t utterance_frame_ = 0;                /* first frame of the utterance in the stream part (vad) */
    emotion::dsp::MulawSegmenter::Callback emit_; /* push_segment */
    bool cutting_ = true;                         /* false: outside upstream segments, audio is not used */
    size_t nonfinite_values_ = 0;                 /* non-finite output values replaced since the last check */
};

} // namespace

G_DEFINE_TYPE(GstMulawSpec, gst_mulaw_spec, GST_TYPE_EMOTION_EXTRACTOR);
GST_ELEMENT_REGISTER_DEFINE(mulawspec, "mulawspec", GST_RANK_NONE, GST_TYPE_MULAW_SPEC);

static void gst_mulaw_spec_set_property(GObject* object, guint prop_id, const GValue* value,
                                        GParamSpec* pspec);
static void gst_mulaw_spec_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec);

static emotion::gst::ExtractorProcessing* gst_mulaw_spec_start(GstEmotionExtractor* base) {
    GstMulawSpec* self = GST_MULAW_SPEC(base);
    GstEmotionSegmentation segmentation;
    double hop;

    GST_OBJECT_LOCK(self);
    hop = self->hop;
    segmentation = self->segmentation;
    GST_OBJECT_UNLOCK(self);
    /* the segments are already windows of the model's input size */
    if (segmentation == GST_EMOTION_SEGMENTATION_WINDOW) {
        GST_ELEMENT_ERROR(self, LIBRARY, SETTINGS, ("mulawspec does not support segmentation=window."),
                          ("use segmentation=none (2 s segments every hop seconds) or vad"));
        return NULL;
    }
    return new MulawProcessing(base, (int)emotion::gst::seconds_to_frames(hop),
                               segmentation == GST_EMOTION_SEGMENTATION_VAD);
}

/* The VAD's delay in samples: audio is held until it is decided. */
static guint vad_lookahead_samples() {
    emotion::gst::VadSegmenter vad;
    return (guint)vad.lookahead_frames() * MULAW_HOP;
}

/* a segment goes out when the last sample of its last frame has arrived (and been decided by the
 * VAD with segmentation=vad) */
static GstClockTime gst_mulaw_spec_latency(GstEmotionExtractor* base) {
    GstMulawSpec* self = GST_MULAW_SPEC(base);
    guint samples = (MULAW_FRAMES - 1) * MULAW_HOP + emotion::dsp::kMulawFrame;

    GST_OBJECT_LOCK(self);
    if (self->segmentation == GST_EMOTION_SEGMENTATION_VAD) samples += vad_lookahead_samples();
    GST_OBJECT_UNLOCK(self);
    return gst_util_uint64_scale_int(samples, GST_SECOND, MULAW_RATE);
}

static void gst_mulaw_spec_class_init(GstMulawSpecClass* klass) {
    GObjectClass* gobject_class = G_OBJECT_CLASS(klass);
    GstElementClass* element_class = GST_ELEMENT_CLASS(klass);
    GstEmotionExtractorClass* extractor_class = GST_EMOTION_EXTRACTOR_CLASS(klass);

    gobject_class->set_property = gst_mulaw_spec_set_property;
    gobject_class->get_property = gst_mulaw_spec_get_property;

    /**
     * GstMulawSpec:window:
     *
     * Length of a segment in seconds: always 2.0 (200 frames), the input size of the model, so
     * the property is read-only.
     */
    g_object_class_install_property(
        gobject_class, PROP_WINDOW,
        g_param_spec_double("window", "Window",
                            "Segment length in seconds (fixed: the model's input is 200 frames of 10 ms)",
                            WINDOW_SECONDS, WINDOW_SECONDS, WINDOW_SECONDS,
                            (GParamFlags)(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

    /**
     * GstMulawSpec:hop:
     *
     * Distance between the starts of consecutive segments of an utterance in seconds, rounded to
     * 10 ms frames, from 0.1 to 2.0 (at most the window, so every frame lies in a segment).
     * Default: 1.0, the training setting of the paper; the paper uses 0.4 at inference. Read when
     * the element starts streaming.
     */
    g_object_class_install_property(
        gobject_class, PROP_HOP,
        g_param_spec_double(
            "hop", "Hop", "Distance between segment starts in seconds", MIN_HOP, MAX_HOP, DEFAULT_HOP,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

    /**
     * GstMulawSpec:segmentation:
     *
     * How to find the utterances when upstream sends no `emotion-segment-start/end` events:
     * `none` (the whole stream is one utterance) or `vad` (one utterance per stretch of speech,
     * found by lldextract's energy VAD, with its own segment events "vad0", "vad1", ...; no output
     * outside speech). `window` is refused at start: the segments are already 2 s windows every
     * #GstMulawSpec:hop seconds. Upstream segment events take precedence: the first one switches
     * the VAD off for the rest of the stream. Read when the element starts streaming. Default:
     * `none`.
     */
    g_object_class_install_property(
        gobject_class, PROP_SEGMENTATION,
        g_param_spec_enum(
            "segmentation", "Segmentation",
            "How to find utterances when upstream sends no segment events (none or vad)",
            GST_TYPE_EMOTION_SEGMENTATION, DEFAULT_SEGMENTATION,
            (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));

    extractor_class->start = gst_mulaw_spec_start;
    extractor_class->latency = gst_mulaw_spec_latency;
    /* a segment's time is needed until the segment is complete (generously: two segments), and
     * with the VAD until held audio (the lookahead and one chunk) is decided */
    gst_emotion_extractor_class_set_output(extractor_class, {MULAW_FRAMES, MULAW_BINS}, 0, 1, 2, MULAW_HOP,
                                           MULAW_FRAMES * MULAW_HOP * 2 + vad_lookahead_samples() +
                                               GST_EMOTION_EXTRACTOR_MAX_CHUNK);

    gst_element_class_set_static_metadata(
        element_class, "Mu-law spectrogram segments", "Filter/Analyzer/Audio",
        "Cuts 16 kHz speech into 2 s mu-law spectrogram segments (400 bins x 200 frames)",
        "gst-emotion developers");
    /* Shown by gst-inspect-1.0. */
    gst_element_class_add_static_metadata(
        element_class, "example-launch-line",
        "gst-launch-1.0 filesrc location=speech.wav ! decodebin ! "
        "audioconvert ! audioresample ! mulawspec hop=0.4 segmentation=vad ! fakesink");

    GST_DEBUG_CATEGORY_INIT(gst_mulaw_spec_debug, "mulawspec", 0, "mu-law spectrogram segments");
    gst_type_mark_as_plugin_api(GST_TYPE_EMOTION_SEGMENTATION, (GstPluginAPIFlags)0);
}

static void gst_mulaw_spec_init(GstMulawSpec* self) {
    self->hop = DEFAULT_HOP;
    self->segmentation = DEFAULT_SEGMENTATION;
}

static void gst_mulaw_spec_set_property(GObject* object, guint prop_id, const GValue* value,
                                        GParamSpec* pspec) {
    GstMulawSpec* self = GST_MULAW_SPEC(object);

    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_HOP: self->hop = g_value_get_double(value); break;
    case PROP_SEGMENTATION: self->segmentation = (GstEmotionSegmentation)g_value_get_enum(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}

static void gst_mulaw_spec_get_property(GObject* object, guint prop_id, GValue* value, GParamSpec* pspec) {
    GstMulawSpec* self = GST_MULAW_SPEC(object);

    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_WINDOW: g_value_set_double(value, WINDOW_SECONDS); break;
    case PROP_HOP: g_value_set_double(value, self->hop); break;
    case PROP_SEGMENTATION: g_value_set_enum(value, self->segmentation); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
    }
    GST_OBJECT_UNLOCK(self);
}
