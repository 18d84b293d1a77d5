#include "nn/parameter.h"

#include <stdexcept>
#include <string>

namespace emotion::nn {

namespace {
thread_local ParameterBudget* current_budget = nullptr;
} // namespace

ParameterBudget::ParameterBudget(int64_t max_elements) : outer_(current_budget), max_elements_(max_elements) {
    current_budget = this;
}

ParameterBudget::~ParameterBudget() { current_budget = outer_; }

Parameter::Parameter(Shape shape, bool is_trainable) : trainable(is_trainable) {
    if (ParameterBudget* budget = current_budget) {
        budget->used_ += shape_elements(shape);
        if (budget->used_ > budget->max_elements_)
            throw std::length_error("the configuration asks for more than " +
                                    std::to_string(budget->max_elements_) + " parameter values");
    }
    value = Tensor(shape);
    if (is_trainable) grad = Tensor(shape);
}

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
