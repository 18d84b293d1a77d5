#include "nn/context.h"

namespace emotion::nn {

Context::Context() : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {}

void Context::execute(const dnnl::primitive& primitive,
                      const std::unordered_map<int, dnnl::memory>& args) {
    primitive.execute(stream_, args);
    stream_.wait();
}

} // namespace emotion::nn
