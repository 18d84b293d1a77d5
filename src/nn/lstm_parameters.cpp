#include "nn/lstm_parameters.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/init.h"

namespace emotion::nn {

LstmParameters::LstmParameters(const char* who, int input_size, int hidden_size, bool bidirectional)
    : input_(input_size), hidden_(hidden_size), dirs_(bidirectional ? 2 : 1) {
    if (input_size <= 0 || hidden_size <= 0)
        throw std::invalid_argument(std::string(who) + ": sizes must be positive, got input " +
                                    std::to_string(input_size) + ", hidden " + std::to_string(hidden_size));
    const int64_t G = 4 * static_cast<int64_t>(hidden_);
    for (int d = 0; d < dirs_; ++d) {
        weight_ih[d] = Parameter(Shape{G, input_});
        weight_hh[d] = Parameter(Shape{G, hidden_});
        bias_ih[d] = Parameter(Shape{G});
        bias_hh[d] = Parameter(Shape{G});
    }
}

void LstmParameters::append_lstm_parameters(ParameterTable& table) {
    for (int d = 0; d < dirs_; ++d) {
        const std::string sfx = d ? "_reverse" : "";
        table.push_back({"weight_ih_l0" + sfx, &weight_ih[d]});
        table.push_back({"weight_hh_l0" + sfx, &weight_hh[d]});
        table.push_back({"bias_ih_l0" + sfx, &bias_ih[d]});
        table.push_back({"bias_hh_l0" + sfx, &bias_hh[d]});
    }
}

void LstmParameters::init_uniform(const ParameterTable& table, Rng& rng) const {
    const float bound = 1.0f / std::sqrt(static_cast<float>(hidden_));
    for (const auto& entry : table) uniform(entry.parameter->value, -bound, bound, rng);
}

void LstmParameters::sum_biases(int d, float* out) const {
    for (int64_t j = 0; j < 4 * static_cast<int64_t>(hidden_); ++j)
        out[j] = bias_ih[d].value[j] + bias_hh[d].value[j];
}

} // namespace emotion::nn
