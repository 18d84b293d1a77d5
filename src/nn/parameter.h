// A named model tensor: a trainable parameter with its gradient, or a buffer (BatchNorm running
// statistics) that is saved with the model but not optimised. Names are PyTorch state_dict names.
#pragma once

#include <string>
#include <vector>

#include "nn/tensor.h"

namespace emotion::nn {

struct Parameter {
    Parameter() = default;
    Parameter(Shape shape, bool is_trainable = true)
        : value(shape), grad(is_trainable ? Tensor(shape) : Tensor()), trainable(is_trainable) {}

    Tensor value;
    Tensor grad; // empty for buffers
    bool trainable = true;
};

// One entry of a module's state_dict-like table.
struct NamedParameter {
    std::string name;
    Parameter* parameter;
};
using ParameterTable = std::vector<NamedParameter>;

// Prefixes every name of `table` with `prefix` + "." and appends it to `out`.
void append_with_prefix(ParameterTable& out, const std::string& prefix, const ParameterTable& table);
void zero_grads(const ParameterTable& table);
std::vector<Parameter*> trainable_parameters(const ParameterTable& table);

enum class Mode { Infer, Train };

} // namespace emotion::nn
