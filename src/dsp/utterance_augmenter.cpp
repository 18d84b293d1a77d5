#include "dsp/utterance_augmenter.h"

#include <algorithm>
#include <utility>

#include "dsp/augment_rng.h"

namespace emotion::dsp {

UtteranceAugmenter::UtteranceAugmenter(Recipe recipe, int rate, size_t pool_size, double pool_seconds)
    : recipe_(std::move(recipe)), rate_(rate), pool_size_(pool_size),
      pool_samples_(static_cast<size_t>(pool_seconds * rate)) {}

void UtteranceAugmenter::start_epoch(uint64_t run_seed, uint64_t epoch) {
    run_seed_ = run_seed;
    epoch_ = epoch;
    pools_.clear();
}

std::vector<float> UtteranceAugmenter::augment(const std::string& id, const std::string& split,
                                               std::vector<float> samples) {
    std::deque<std::vector<float>>& pool = pools_[split];
    last_ = draw(recipe_, augment_seed(run_seed_, epoch_, id));
    std::vector<float> clean(samples.begin(), samples.begin() + std::min(samples.size(), pool_samples_));
    if (last_.any()) {
        talkers_.assign(pool.begin(), pool.end());
        samples = apply(last_, std::move(samples), rate_, talkers_);
    }
    if (pool_size_ > 0 && !clean.empty()) {
        pool.push_back(std::move(clean));
        if (pool.size() > pool_size_) pool.pop_front();
    }
    return samples;
}

} // namespace emotion::dsp
