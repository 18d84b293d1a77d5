// Paced live input for the live benchmarks (bench_multimodal, bench_soak): speech pushed into an
// appsrc in 20 ms buffers at the pipeline clock's pace, as a capture card delivers them, and
// transcripts pushed into a text appsrc some time after their utterance ends, as a speech-to-text
// element would; the latency a pipeline reports and percentiles of result delays.
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <cstdint>
#include <string>
#include <vector>

#include "looped_speech.h"

namespace bench {

// Blocks until the pipeline's running time reaches `running_time`.
void wait_until(GstElement* pipeline, GstClockTime running_time);

// Pushes `pcm` (16 kHz mono) as F32LE buffers of 20 ms, each once the clock has passed its end,
// then EOS. With `utterances`, each is also marked by emotion-segment-start/-end events (ids
// "u0", "u1", ...) around its buffers, as an upstream voice activity detector would.
void feed_audio(GstElement* pipeline, GstAppSrc* src, const std::vector<int16_t>& pcm,
                const std::vector<Utterance>* utterances = nullptr);

// Pushes each transcript ending before `until` seconds `delay` seconds after its end, then EOS.
void feed_text(GstElement* pipeline, GstAppSrc* src, const std::vector<Utterance>& lines, double until,
               double delay);

// The minimum latency a query on `element`'s src pad reports (seconds), and whether it is live.
double reported_latency(GstElement* pipeline, const char* element, bool* live);

// The `p` quantile (0..1) of `v`, nearest rank; v must not be empty.
double percentile(std::vector<double> v, double p);

} // namespace bench
