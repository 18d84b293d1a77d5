#include "speech-utterances.h"

#include <gst/emotion/emotion-events.h>

#include <algorithm>
#include <cmath>

namespace emotion::gst {

namespace {
constexpr uint64_t kHop = emotion::dsp::kLldHop;
}

SpeechUtterances::SpeechUtterances(Output output, size_t utterance_tail)
    : output_(std::move(output)), tail_(utterance_tail) {}

SpeechUtterances::~SpeechUtterances() {
    for (GstEvent* mark : marks_)
        if (mark) gst_event_unref(mark);
}

void SpeechUtterances::push(const float* samples, size_t count) {
    const size_t old_size = held_.size();
    held_.resize(old_size + count);
    for (size_t i = 0; i < count; i++) held_[old_size + i] = std::isfinite(samples[i]) ? samples[i] : 0.0f;

    energy_.clear();
    energies_.push(samples, count, energy_);
    for (float e : energy_) {
        vad_.push(e, marks_);
        on_decided();
    }
    /* a later utterance starts at a frame not yet decided */
    const uint64_t keep_from = std::min(decided_ * kHop, held_begin_ + held_.size());
    held_.erase(held_.begin(), held_.begin() + (std::ptrdiff_t)(keep_from - held_begin_));
    held_begin_ = keep_from;
}

/* One mark per newly decided frame k, the event that goes before it: a start makes frame k the
 * first of an utterance, an end closes the utterance at frame k - 1. */
void SpeechUtterances::on_decided() {
    for (GstEvent* mark : marks_) {
        const uint64_t k = decided_++;
        if (mark && gst_emotion_event_is_segment_start(mark)) {
            speech_ = true;
            fed_ = k * kHop;
            output_.begin(mark, k);
        } else if (mark) {
            feed_to((k - 1) * kHop + tail_);
            speech_ = false;
            output_.end(mark);
        }
        if (speech_) feed_to((k + 1) * kHop);
    }
    marks_.clear();
}

/* Hands the open utterance its samples up to `end_sample`, silence past the held ones. */
void SpeechUtterances::feed_to(uint64_t end_sample) {
    if (end_sample <= fed_) return;
    const uint64_t held_end = held_begin_ + held_.size();
    const uint64_t real_end = std::min(end_sample, held_end);
    if (real_end > fed_) output_.audio(held_.data() + (fed_ - held_begin_), (size_t)(real_end - fed_));
    if (end_sample > std::max(real_end, fed_)) {
        const std::vector<float> silence((size_t)(end_sample - std::max(real_end, fed_)), 0.0f);
        output_.audio(silence.data(), silence.size());
    }
    fed_ = end_sample;
}

void SpeechUtterances::close() {
    GstEvent* end = NULL;
    vad_.close(marks_, &end);
    on_decided();
    if (end) {
        feed_to((decided_ - 1) * kHop + tail_);
        output_.end(end);
    }
    restart();
}

void SpeechUtterances::drop() {
    GstEvent* end = NULL;
    vad_.close(marks_, &end);
    for (GstEvent* mark : marks_)
        if (mark) gst_event_unref(mark);
    marks_.clear();
    if (end) gst_event_unref(end);
    restart();
}

void SpeechUtterances::restart() {
    energies_.reset();
    held_.clear();
    held_begin_ = decided_ = fed_ = 0;
    speech_ = false;
}

} // namespace emotion::gst
