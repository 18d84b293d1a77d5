// Seeded random numbers for initialisation, dropout and shuffling: reproducible runs need one
// explicit generator, never a global one.
#pragma once

#include <cstdint>
#include <random>

namespace emotion::nn {

class Rng {
public:
    explicit Rng(uint64_t seed = 0x5eed) : engine_(seed) {}
    float uniform(float low, float high) { return std::uniform_real_distribution<float>(low, high)(engine_); }
    float normal(float mean, float stddev) { return std::normal_distribution<float>(mean, stddev)(engine_); }
    bool bernoulli(float p) { return std::bernoulli_distribution(p)(engine_); }
    uint64_t next() { return engine_(); }
    std::mt19937_64& engine() { return engine_; }

private:
    std::mt19937_64 engine_;
};

} // namespace emotion::nn
