// One machine-readable line per measurement, which bench/compare-pytorch reads from the benchmark
// programs and, in the same format, from bench/pytorch_peer.py:
//   RESULT model=m3 phase=train threads=1 batch=32 frames=400 best_s=0.101 median_s=0.105
//          audio_s_per_s=3040.5 peak_rss_mb=210
// (one line). best_s and median_s are wall seconds per inference run or per training step;
// audio_s_per_s is the mean seconds of audio per run or step over median_s.
#pragma once

#include <cstdio>
#include <string>

#include "bench_common.h"

namespace bench {

struct Result {
    std::string model; // m1-lstm, m1-alstm, m1-mean, m2, m3, m4
    std::string phase; // infer, train
    int threads, batch, frames;
    double best_s, median_s, audio_s;
};

inline void print_result(const Result& r) {
    std::printf("RESULT model=%s phase=%s threads=%d batch=%d frames=%d best_s=%.6f median_s=%.6f "
                "audio_s_per_s=%.1f peak_rss_mb=%.0f\n",
                r.model.c_str(), r.phase.c_str(), r.threads, r.batch, r.frames, r.best_s, r.median_s,
                r.audio_s / r.median_s, peak_rss_mb());
}

} // namespace bench
