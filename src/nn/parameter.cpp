#include "nn/parameter.h"

namespace emotion::nn {

void append_with_prefix(ParameterTable& out, const std::string& prefix, const ParameterTable& table) {
    for (const auto& entry : table)
        out.push_back({prefix.empty() ? entry.name : prefix + "." + entry.name, entry.parameter});
}

void zero_grads(const ParameterTable& table) {
    for (const auto& entry : table)
        if (entry.parameter->trainable) entry.parameter->grad.zero();
}

std::vector<Parameter*> trainable_parameters(const ParameterTable& table) {
    std::vector<Parameter*> out;
    for (const auto& entry : table)
        if (entry.parameter->trainable) out.push_back(entry.parameter);
    return out;
}

} // namespace emotion::nn
