// The oneDNN engine and stream. One Context per model instance: streams are not meant to be
// shared by threads, and two pipelines running the same model must not serialise on one.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>

namespace emotion::nn {

class Context {
public:
    Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    const dnnl::engine& engine() const { return engine_; }
    dnnl::stream& stream() { return stream_; }

    // Runs a primitive and waits for it (the CPU stream is in-order, but callers read results
    // right away).
    void execute(const dnnl::primitive& primitive,
                 const std::unordered_map<int, dnnl::memory>& args);

private:
    dnnl::engine engine_;
    dnnl::stream stream_;
};

} // namespace emotion::nn
