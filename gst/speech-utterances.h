/* The speech stretches of a stream part as whole utterances, for an extractor whose output spans
 * many frames (mulawspec segmentation=vad). The VAD is lldextract's (VadSegmenter over the energies
 * of its 25 ms frames every 10 ms, dsp::LldEnergyStream), so both elements cut the same segments
 * from the same audio. The audio is held back until the VAD has decided it (lookahead_frames());
 * a stretch of speech frames [k0, k1) becomes the utterance of samples [160 k0, 160 (k1 - 1) +
 * utterance_tail): with mulawspec's 640-sample tail its 40 ms mu-law frames at a 10 ms hop are
 * exactly the frames k0 .. k1 - 1, so the utterance spans the time of the VAD segment. */
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "dsp/lld.h"
#include "segmentation.h"

namespace emotion::gst {

class SpeechUtterances {
public:
    struct Output {
        /* an utterance starts at frame `first_frame` of the stream part (10 ms frames) */
        std::function<void(GstEvent* start, uint64_t first_frame)> begin;
        /* its next samples (finite) */
        std::function<void(const float* samples, size_t count)> audio;
        /* it ends */
        std::function<void(GstEvent* end)> end;
    };

    /* `utterance_tail`: samples an utterance runs past the start of its last frame (the
     * extractor's frame length). */
    SpeechUtterances(Output output, size_t utterance_tail);
    ~SpeechUtterances();

    int lookahead_frames() const { return vad_.lookahead_frames(); }
    /* New stream: ids restart at "vad0". */
    void start() { vad_.start(); }
    /* The next samples of the stream part (non-finite ones count as 0). */
    void push(const float* samples, size_t count);
    /* End of the stream part: decides the held audio, ends the open utterance (completed with
     * silence to its last frame's end when the part stops earlier) and starts afresh. */
    void close();
    /* Flush: drops the held audio and the open utterance without output. */
    void drop();
    /* non-finite samples replaced, since construction */
    uint64_t nonfinite_samples() const { return energies_.nonfinite_samples(); }

private:
    void on_decided();
    void feed_to(uint64_t end_sample);
    void restart();

    Output output_;
    size_t tail_;
    emotion::dsp::LldEnergyStream energies_;
    VadSegmenter vad_;
    std::vector<float> energy_;
    std::vector<GstEvent*> marks_;

    std::vector<float> held_; /* samples [held_begin_, held_begin_ + size) of the part, finite */
    uint64_t held_begin_ = 0;
    uint64_t decided_ = 0; /* frames the VAD has decided */
    uint64_t fed_ = 0;     /* samples of the part handed to the open utterance */
    bool speech_ = false;  /* an utterance is open */
};

} // namespace emotion::gst
