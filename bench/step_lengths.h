// Per-item frame counts of the training benchmarks' batches: drawn uniformly from a seeded Rng
// (the default: new lengths every step, as an epoch's batches have), or the same list every step
// (--lengths a,b,c), so that bench/pytorch_peer.py can train on exactly the same shapes.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "bench_common.h"
#include "nn/rng.h"

namespace bench {

// "300,212,397" -> {300, 212, 397}; empty when any item is not a positive whole number.
inline std::vector<int> parse_lengths(const std::string& list) {
    std::vector<int> lengths;
    for (const std::string& item : split_list(list)) {
        char* end = nullptr;
        const long value = std::strtol(item.c_str(), &end, 10);
        if (*end != '\0' || value < 1 || value > 1000000) return {};
        lengths.push_back(static_cast<int>(value));
    }
    return lengths;
}

// The lengths of the warm-up batch (index 0) and of steps 1..steps: `given` for every batch when
// it is not empty; else `batch` draws uniform in [low, high] from `rng` per step, and for the
// warm-up batch `warmup_length` each when > 0 (so buffers reach their steady-state sizes first).
inline std::vector<std::vector<int>> step_lengths(int steps, int batch, const std::vector<int>& given,
                                                  int low, int high, emotion::nn::Rng& rng,
                                                  int warmup_length = 0) {
    std::vector<std::vector<int>> lengths;
    for (int s = 0; s <= steps; ++s) {
        if (!given.empty()) {
            lengths.push_back(given);
            continue;
        }
        std::vector<int> step(batch, warmup_length);
        if (s > 0 || warmup_length <= 0)
            for (int& L : step) L = low + static_cast<int>(rng.next() % (high - low + 1));
        lengths.push_back(step);
    }
    return lengths;
}

} // namespace bench
