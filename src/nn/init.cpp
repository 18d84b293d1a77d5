#include "nn/init.h"

#include <cmath>
#include <stdexcept>

namespace emotion::nn {

void compute_fans(const Shape& shape, int64_t& fan_in, int64_t& fan_out) {
    if (shape.empty()) throw std::invalid_argument("compute_fans: scalar tensor has no fans");
    if (shape.size() == 1) {
        fan_in = fan_out = shape[0];
        return;
    }
    int64_t receptive = 1;
    for (size_t i = 2; i < shape.size(); ++i) receptive *= shape[i];
    fan_in = shape[1] * receptive;
    fan_out = shape[0] * receptive;
}

void uniform(Tensor& tensor, float low, float high, Rng& rng) {
    for (int64_t i = 0; i < tensor.size(); ++i) tensor[i] = rng.uniform(low, high);
}

void xavier_uniform(Tensor& weight, int64_t fan_in, int64_t fan_out, Rng& rng, float gain) {
    if (fan_in + fan_out <= 0)
        throw std::invalid_argument("xavier_uniform: fan_in + fan_out must be positive");
    const float bound = gain * static_cast<float>(std::sqrt(6.0 / static_cast<double>(fan_in + fan_out)));
    uniform(weight, -bound, bound, rng);
}

void xavier_uniform(Tensor& weight, Rng& rng, float gain) {
    int64_t fan_in = 0, fan_out = 0;
    compute_fans(weight.shape(), fan_in, fan_out);
    xavier_uniform(weight, fan_in, fan_out, rng, gain);
}

} // namespace emotion::nn
