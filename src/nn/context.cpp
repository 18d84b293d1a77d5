#include "nn/context.h"

#include <omp.h>
#include <stdexcept>
#include <string>

namespace emotion::nn {

namespace {

int checked_threads(int threads) {
    if (threads < 1)
        throw std::invalid_argument("nn::Context: threads must be >= 1, got " + std::to_string(threads));
    return threads;
}

} // namespace

Context::Context(int threads)
    : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_), threads_(checked_threads(threads)) {}

void Context::set_threads(int threads) { threads_ = checked_threads(threads); }

void Context::execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args) {
    primitive.execute(stream_, args);
    stream_.wait();
}

ThreadScope::ThreadScope(const Context& context) : previous_(omp_get_max_threads()) {
    omp_set_num_threads(context.threads());
}

ThreadScope::~ThreadScope() { omp_set_num_threads(previous_); }

} // namespace emotion::nn
