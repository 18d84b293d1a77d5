// A layout stage between a user tensor (plain row-major) and the layout a oneDNN primitive chose
// for the same logical tensor (`format_tag::any`): when they differ, a buffer in the primitive's
// layout and the reorders to / from it; when they agree, the user memory is passed through and
// nothing is copied.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "nn/context.h"

namespace emotion::nn {

// An f32 descriptor with format_tag::any: the primitive picks the layout.
inline dnnl::memory::desc any_desc(const dnnl::memory::dims& dims) {
    return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, dnnl::memory::format_tag::any);
}

class Stage {
public:
    void init(const dnnl::engine& engine, const dnnl::memory::desc& user, const dnnl::memory::desc& wanted) {
        needed_ = user != wanted;
        if (!needed_) return;
        buffer_ = dnnl::memory(wanted, engine);
        to_ = dnnl::reorder(dnnl::reorder::primitive_desc(engine, user, engine, wanted));
        from_ = dnnl::reorder(dnnl::reorder::primitive_desc(engine, wanted, engine, user));
    }
    bool needed() const { return needed_; }
    // The buffer in the primitive's layout (empty when no reorder is needed).
    const dnnl::memory& buffer() const { return buffer_; }
    // An input: the user memory itself, or the buffer after reordering into it.
    dnnl::memory in(Context& context, const dnnl::memory& user) {
        if (!needed_) return user;
        context.execute(to_, {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, buffer_}});
        return buffer_;
    }
    // An output: where the primitive writes; `out` then moves it to the user memory.
    dnnl::memory target(const dnnl::memory& user) const { return needed_ ? buffer_ : user; }
    void out(Context& context, const dnnl::memory& user) {
        if (needed_) context.execute(from_, {{DNNL_ARG_FROM, buffer_}, {DNNL_ARG_TO, user}});
    }

private:
    bool needed_ = false;
    dnnl::memory buffer_;
    dnnl::reorder to_, from_;
};

} // namespace emotion::nn
