// A named model tensor: a trainable parameter with its gradient, or a buffer (BatchNorm running
// statistics) that is saved with the model but not optimised. Names are PyTorch state_dict names.
#pragma once

#include <string>
#include <vector>

#include "nn/tensor.h"

namespace emotion::nn {

struct Parameter {
    Parameter() = default;
    // Charges the shape's elements to this thread's ParameterBudget, if one is set.
    Parameter(Shape shape, bool is_trainable = true);

    Tensor value;
    Tensor grad; // empty for buffers
    bool trainable = true;
};

// While it lives, the Parameters constructed on this thread may hold at most `max_elements`
// values together; one more throws std::length_error. A model file's few bytes of configuration
// could otherwise make the loader allocate gigabytes (and take minutes) before its tensors are
// compared with the model: models::load_model sets the budget to the elements the file holds.
class ParameterBudget {
public:
    explicit ParameterBudget(int64_t max_elements);
    ~ParameterBudget();
    ParameterBudget(const ParameterBudget&) = delete;
    ParameterBudget& operator=(const ParameterBudget&) = delete;

private:
    ParameterBudget* outer_;
    int64_t max_elements_, used_ = 0;
    friend struct Parameter;
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
