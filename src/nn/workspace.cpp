#include "nn/workspace.h"

namespace emotion::nn {

size_t Workspace::bytes() const {
    size_t sum = 0;
    for (const Tensor& t : slots_) sum += static_cast<size_t>(t.size()) * sizeof(float);
    return sum;
}

} // namespace emotion::nn
