#include "nn/context.h"

#include <omp.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace emotion::nn {

namespace {

int checked_threads(int threads) {
    if (threads < 1)
        throw std::invalid_argument("nn::Context: threads must be >= 1, got " + std::to_string(threads));
    return threads;
}

// oneDNN keeps up to 1024 primitives with their JIT code in a process-wide cache by default; with
// inputs of every length (apcnn on utterances) that raised the EmoDB evaluation of apcnn from
// 775 to 842-876 MB peak RSS. Our layers keep the primitives they reuse (per-shape plans), so a
// small cache costs little: EmoDB training epochs of stl and alstm (bench_training) 2.7-3.2 CPU s
// with either. ONEDNN_PRIMITIVE_CACHE_CAPACITY set by the user wins.
constexpr int kPrimitiveCacheCapacity = 128;

void bound_primitive_cache() {
    static const bool done = [] {
        if (std::getenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY") == nullptr &&
            std::getenv("DNNL_PRIMITIVE_CACHE_CAPACITY") == nullptr)
            dnnl::set_primitive_cache_capacity(kPrimitiveCacheCapacity);
        return true;
    }();
    (void)done;
}

} // namespace

Context::Context(int threads)
    : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_), threads_(checked_threads(threads)) {
    bound_primitive_cache();
}

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
