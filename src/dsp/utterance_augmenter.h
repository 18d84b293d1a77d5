// Augments a stream of whole utterances as a training run plays them: each utterance's draw is
// seeded by (run seed, epoch, utterance id), and babble is made from the last few utterances of
// the same split. The GStreamer element emoaugment is a thin shell around this.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "dsp/augment.h"

namespace emotion::dsp {

class UtteranceAugmenter {
public:
    // `pool_size` recent utterances per split are kept for babble, each cut to `pool_seconds`.
    UtteranceAugmenter(Recipe recipe, int rate, size_t pool_size = 8, double pool_seconds = 4.0);

    // A new epoch: later draws depend on (run_seed, epoch), and the babble pools start empty so
    // that an epoch replays the same whether or not the run was resumed before it.
    void start_epoch(uint64_t run_seed, uint64_t epoch);

    // The utterance `id` of split `split` augmented; its clean samples then join that split's
    // babble pool. last() tells what was done.
    std::vector<float> augment(const std::string& id, const std::string& split, std::vector<float> samples);
    const Augmentation& last() const { return last_; }

private:
    Recipe recipe_;
    int rate_;
    size_t pool_size_, pool_samples_;
    uint64_t run_seed_ = 0, epoch_ = 0;
    std::map<std::string, std::deque<std::vector<float>>> pools_;
    std::vector<std::vector<float>> talkers_; // scratch: the pool as apply() takes it
    Augmentation last_;
};

} // namespace emotion::dsp
