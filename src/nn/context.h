// The oneDNN engine and stream, and the number of threads the model's work may use. One Context
// per model instance: streams are not meant to be shared by threads, and two pipelines running
// the same model must not serialise on one.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>

#include "nn/workspace.h"

namespace emotion::nn {

class Context {
public:
    // threads >= 1: OpenMP threads of primitives created and run under a ThreadScope of this
    // context (and of the layers' own parallel loops).
    explicit Context(int threads = 1);
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    const dnnl::engine& engine() const { return engine_; }
    dnnl::stream& stream() { return stream_; }

    int threads() const { return threads_; }
    // Takes effect at the next ThreadScope; primitives created earlier keep the count they were
    // created with (oneDNN fixes it at creation).
    void set_threads(int threads);

    // Runs a primitive and waits for it (the CPU stream is in-order, but callers read results
    // right away).
    void execute(const dnnl::primitive& primitive, const std::unordered_map<int, dnnl::memory>& args);

    // Scratch buffers the model's layers share (nn/workspace.h).
    Workspace& workspace() { return workspace_; }

private:
    Workspace workspace_;
    dnnl::engine engine_;
    dnnl::stream stream_;
    int threads_ = 1;
};

// Sets the calling thread's OpenMP thread count to the context's for the guard's lifetime and
// restores the previous count after. Hold one around whatever creates or runs a model's
// primitives (loading, forward, backward, optimiser steps): oneDNN fixes a primitive's thread
// count when it is created and our own loops read it at every parallel region.
//
//   nn::ThreadScope threads(context);
//   model.forward(batch, nn::Mode::Infer);
class ThreadScope {
public:
    explicit ThreadScope(const Context& context);
    ~ThreadScope();
    ThreadScope(const ThreadScope&) = delete;
    ThreadScope& operator=(const ThreadScope&) = delete;

private:
    int previous_;
};

} // namespace emotion::nn
