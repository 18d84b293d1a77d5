// The seeded generator of the augmentation draws. SplitMix64 with its own uniform and normal
// mappings: std:: distributions may give other numbers under another libstdc++, and an
// augmented epoch must replay bit for bit on resume.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

namespace emotion::dsp {

class AugmentRng {
public:
    explicit AugmentRng(uint64_t seed) : state_(seed) {}

    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    // In [0, 1), 53 random bits.
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double low, double high) { return low + (high - low) * uniform(); }
    bool chance(double probability) { return uniform() < probability; }
    // In [0, count); count > 0.
    size_t below(size_t count) { return static_cast<size_t>(uniform() * static_cast<double>(count)); }
    // Standard normal (Box-Muller, one value per call).
    float normal() {
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    }

private:
    uint64_t state_;
};

// The seed of one utterance's augmentation in one epoch: the same (run seed, epoch, utterance)
// always gives the same seed, so a resumed run augments as the uninterrupted one would.
inline uint64_t augment_seed(uint64_t run_seed, uint64_t epoch, const std::string& utterance) {
    uint64_t hash = 0xcbf29ce484222325ull; // FNV-1a of the utterance id
    for (unsigned char c : utterance) hash = (hash ^ c) * 0x100000001b3ull;
    AugmentRng mix(run_seed);
    uint64_t seed = mix.next() ^ epoch;
    seed = AugmentRng(seed).next() ^ hash;
    return AugmentRng(seed).next();
}

} // namespace emotion::dsp
