// Every difference between the oneDNN 2.x API (Debian 12 ships 2.6) and 3.x lives here, as small
// factories that build primitive descriptors. Layers call these and never `dnnl::*::desc`
// directly, so a 3.x port touches this file only.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#if DNNL_VERSION_MAJOR >= 3
#define EMOTION_DNNL_V3 1
#else
#define EMOTION_DNNL_V3 0
#endif

namespace emotion::nn::compat {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;

inline dnnl::matmul::primitive_desc matmul_pd(const dnnl::engine& engine, const memory::desc& src,
                                              const memory::desc& weights, const memory::desc& dst,
                                              const dnnl::primitive_attr& attr = {}) {
#if EMOTION_DNNL_V3
    return dnnl::matmul::primitive_desc(engine, src, weights, dst, attr);
#else
    return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, weights, dst), attr, engine);
#endif
}

inline dnnl::matmul::primitive_desc matmul_pd(const dnnl::engine& engine, const memory::desc& src,
                                              const memory::desc& weights, const memory::desc& bias,
                                              const memory::desc& dst,
                                              const dnnl::primitive_attr& attr) {
#if EMOTION_DNNL_V3
    return dnnl::matmul::primitive_desc(engine, src, weights, bias, dst, attr);
#else
    return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, weights, bias, dst), attr, engine);
#endif
}

// Appends an elementwise post-op (2.x takes an extra output scale, fixed at 1 here).
inline void append_eltwise(dnnl::post_ops& ops, algorithm alg, float alpha = 0.f, float beta = 0.f) {
#if EMOTION_DNNL_V3
    ops.append_eltwise(alg, alpha, beta);
#else
    ops.append_eltwise(1.0f, alg, alpha, beta);
#endif
}

inline dnnl::eltwise_forward::primitive_desc eltwise_forward_pd(const dnnl::engine& engine,
                                                                prop_kind prop, algorithm alg,
                                                                const memory::desc& data,
                                                                float alpha = 0.f, float beta = 0.f) {
#if EMOTION_DNNL_V3
    return dnnl::eltwise_forward::primitive_desc(engine, prop, alg, data, data, alpha, beta);
#else
    return dnnl::eltwise_forward::primitive_desc(
        dnnl::eltwise_forward::desc(prop, alg, data, alpha, beta), engine);
#endif
}

// Backward from the forward *source* (alg must be a non-`_use_dst_for_bwd` algorithm).
inline dnnl::eltwise_backward::primitive_desc eltwise_backward_pd(
    const dnnl::engine& engine, algorithm alg, const memory::desc& data,
    const dnnl::eltwise_forward::primitive_desc& hint, float alpha = 0.f, float beta = 0.f) {
#if EMOTION_DNNL_V3
    return dnnl::eltwise_backward::primitive_desc(engine, alg, data, data, data, alpha, beta, hint);
#else
    return dnnl::eltwise_backward::primitive_desc(
        dnnl::eltwise_backward::desc(alg, data, data, alpha, beta), engine, hint);
#endif
}

} // namespace emotion::nn::compat
