/* Timestamp bookkeeping for elements that cut a sample-counted audio stream into frames
 * (lldextract, mulawspec): sample positions of the current stream part map to timestamps. */
#pragma once

#include <gst/gst.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace emotion::gst {

/* Maps sample positions, counted from the last reset, to timestamps.
 *
 * Timestamps are sample-accurate ("perfect", as GstAudioEncoder makes them): the time of sample
 * n is the PTS of the first buffer plus n samples, so input jitter does not reach the frames.
 * When a buffer's PTS differs from that count by more than the tolerance (a timestamp gap or
 * overlap that upstream did not flag DISCONT), the mapping is re-anchored at that buffer, so
 * frames after the gap carry the times of the audio they describe. The samples themselves stay
 * contiguous: only a DISCONT (or flush) resets the framing. */
class SampleClock {
public:
    explicit SampleClock(int rate, GstClockTime tolerance = kDefaultTolerance);

    static constexpr GstClockTime kDefaultTolerance = 40 * GST_MSECOND;

    /* Forgets every anchor: the next observe() starts the mapping. */
    void reset();
    /* Restarts the sample count at `position` (the new sample 0), keeping its time. */
    void rebase(uint64_t position);
    /* Called for every input buffer before its samples are counted: `pts` is the buffer's PTS
     * (GST_CLOCK_TIME_NONE allowed), `position` the number of samples counted before it. */
    void observe(GstClockTime pts, uint64_t position);
    /* Time of sample `sample`, GST_CLOCK_TIME_NONE while no timestamp is known. */
    GstClockTime time_at(uint64_t sample) const;
    /* Drops anchors that no sample >= `sample` needs (keeps memory bounded). */
    void discard_before(uint64_t sample);
    /* Duration of `samples` samples. */
    GstClockTime duration(uint64_t samples) const;
    int rate() const { return rate_; }

private:
    struct Anchor {
        uint64_t sample;
        GstClockTime pts;
    };
    std::vector<Anchor> anchors_; /* ascending sample */
    int rate_;
    GstClockTime tolerance_;
};

/* Replaces every non-finite value of v[0..n) by `with`; returns how many were replaced. */
size_t replace_nonfinite(float* v, size_t n, float with);
/* Copies src[0..n) to dst, non-finite values replaced by `with`; returns how many were. */
size_t copy_finite(float* dst, const float* src, size_t n, float with);

/* Hands the F32 samples of an input buffer to `process`: zeros for a GAP buffer (in chunks of at
 * most `gap_chunk` samples), an aligned copy in `scratch` when the memory is misaligned. On an
 * unmappable buffer or one that is not a whole number of samples it posts an element error and
 * returns false. Does not take ownership of `buffer`. */
bool feed_f32_samples(GstElement* element, GstBuffer* buffer, std::vector<float>& scratch, size_t gap_chunk,
                      const std::function<void(const float*, size_t)>& process);

/* Sink caps of an extractor: accepts F32LE mono audio at `rate` and announces `out_caps`
 * (taken) on `srcpad`; anything else is a negotiation error that names the fix. */
bool accept_speech_caps(GstElement* element, GstPad* srcpad, GstCaps* caps, int rate, GstCaps* out_caps);

} // namespace emotion::gst
