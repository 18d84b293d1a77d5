// Every difference between the oneDNN 2.x API (Debian 12 ships 2.6) and 3.x lives here, as small
// factories that build primitive descriptors. Layers call these and never `dnnl::*::desc`
// directly, so a 3.x port touches this file only.
#pragma once

#include <string>
#include <vector>

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
                                              const memory::desc& dst, const dnnl::primitive_attr& attr) {
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

inline dnnl::eltwise_forward::primitive_desc eltwise_forward_pd(const dnnl::engine& engine, prop_kind prop,
                                                                algorithm alg, const memory::desc& data,
                                                                float alpha = 0.f, float beta = 0.f) {
#if EMOTION_DNNL_V3
    return dnnl::eltwise_forward::primitive_desc(engine, prop, alg, data, data, alpha, beta);
#else
    return dnnl::eltwise_forward::primitive_desc(dnnl::eltwise_forward::desc(prop, alg, data, alpha, beta),
                                                 engine);
#endif
}

// Backward from the forward *source* (alg must be a non-`_use_dst_for_bwd` algorithm).
inline dnnl::eltwise_backward::primitive_desc
eltwise_backward_pd(const dnnl::engine& engine, algorithm alg, const memory::desc& data,
                    const dnnl::eltwise_forward::primitive_desc& hint, float alpha = 0.f, float beta = 0.f) {
#if EMOTION_DNNL_V3
    return dnnl::eltwise_backward::primitive_desc(engine, alg, data, data, data, alpha, beta, hint);
#else
    return dnnl::eltwise_backward::primitive_desc(dnnl::eltwise_backward::desc(alg, data, data, alpha, beta),
                                                  engine, hint);
#endif
}

// ---- Convolution and pooling (Conv2d, Pool2d, the M2 inference plan) ----

// Forward convolution; `bias` may be a zero descriptor (no bias).
inline dnnl::convolution_forward::primitive_desc
convolution_forward_pd(const dnnl::engine& engine, prop_kind prop, const memory::desc& src,
                       const memory::desc& weights, const memory::desc& bias, const memory::desc& dst,
                       const memory::dims& strides, const memory::dims& padding_l,
                       const memory::dims& padding_r, const dnnl::primitive_attr& attr = {}) {
    const bool has_bias = bias.get_size() != 0;
#if EMOTION_DNNL_V3
    if (has_bias)
        return dnnl::convolution_forward::primitive_desc(engine, prop, algorithm::convolution_direct, src,
                                                         weights, bias, dst, strides, padding_l, padding_r,
                                                         attr);
    return dnnl::convolution_forward::primitive_desc(engine, prop, algorithm::convolution_direct, src,
                                                     weights, dst, strides, padding_l, padding_r, attr);
#else
    if (has_bias)
        return dnnl::convolution_forward::primitive_desc(
            dnnl::convolution_forward::desc(prop, algorithm::convolution_direct, src, weights, bias, dst,
                                            strides, padding_l, padding_r),
            attr, engine);
    return dnnl::convolution_forward::primitive_desc(
        dnnl::convolution_forward::desc(prop, algorithm::convolution_direct, src, weights, dst, strides,
                                        padding_l, padding_r),
        attr, engine);
#endif
}

inline dnnl::convolution_backward_data::primitive_desc convolution_backward_data_pd(
    const dnnl::engine& engine, const memory::desc& diff_src, const memory::desc& weights,
    const memory::desc& diff_dst, const memory::dims& strides, const memory::dims& padding_l,
    const memory::dims& padding_r, const dnnl::convolution_forward::primitive_desc& hint,
    const dnnl::primitive_attr& attr = {}) {
#if EMOTION_DNNL_V3
    return dnnl::convolution_backward_data::primitive_desc(engine, algorithm::convolution_direct, diff_src,
                                                           weights, diff_dst, strides, padding_l, padding_r,
                                                           hint, attr);
#else
    return dnnl::convolution_backward_data::primitive_desc(
        dnnl::convolution_backward_data::desc(algorithm::convolution_direct, diff_src, weights, diff_dst,
                                              strides, padding_l, padding_r),
        attr, engine, hint);
#endif
}

// Backward weights; `diff_bias` may be a zero descriptor (no bias).
inline dnnl::convolution_backward_weights::primitive_desc convolution_backward_weights_pd(
    const dnnl::engine& engine, const memory::desc& src, const memory::desc& diff_weights,
    const memory::desc& diff_bias, const memory::desc& diff_dst, const memory::dims& strides,
    const memory::dims& padding_l, const memory::dims& padding_r,
    const dnnl::convolution_forward::primitive_desc& hint, const dnnl::primitive_attr& attr = {}) {
    const bool has_bias = diff_bias.get_size() != 0;
#if EMOTION_DNNL_V3
    if (has_bias)
        return dnnl::convolution_backward_weights::primitive_desc(engine, algorithm::convolution_direct, src,
                                                                  diff_weights, diff_bias, diff_dst, strides,
                                                                  padding_l, padding_r, hint, attr);
    return dnnl::convolution_backward_weights::primitive_desc(engine, algorithm::convolution_direct, src,
                                                              diff_weights, diff_dst, strides, padding_l,
                                                              padding_r, hint, attr);
#else
    if (has_bias)
        return dnnl::convolution_backward_weights::primitive_desc(
            dnnl::convolution_backward_weights::desc(algorithm::convolution_direct, src, diff_weights,
                                                     diff_bias, diff_dst, strides, padding_l, padding_r),
            attr, engine, hint);
    return dnnl::convolution_backward_weights::primitive_desc(
        dnnl::convolution_backward_weights::desc(algorithm::convolution_direct, src, diff_weights, diff_dst,
                                                 strides, padding_l, padding_r),
        attr, engine, hint);
#endif
}

// Pooling without dilation (alg: pooling_max or pooling_avg_exclude_padding / _include_padding).
inline dnnl::pooling_forward::primitive_desc
pooling_forward_pd(const dnnl::engine& engine, prop_kind prop, algorithm alg, const memory::desc& src,
                   const memory::desc& dst, const memory::dims& strides, const memory::dims& kernel,
                   const memory::dims& padding_l, const memory::dims& padding_r) {
#if EMOTION_DNNL_V3
    const memory::dims dilation(kernel.size(), 0);
    return dnnl::pooling_forward::primitive_desc(engine, prop, alg, src, dst, strides, kernel, dilation,
                                                 padding_l, padding_r);
#else
    return dnnl::pooling_forward::primitive_desc(
        dnnl::pooling_forward::desc(prop, alg, src, dst, strides, kernel, padding_l, padding_r), engine);
#endif
}

inline dnnl::pooling_backward::primitive_desc
pooling_backward_pd(const dnnl::engine& engine, algorithm alg, const memory::desc& diff_src,
                    const memory::desc& diff_dst, const memory::dims& strides, const memory::dims& kernel,
                    const memory::dims& padding_l, const memory::dims& padding_r,
                    const dnnl::pooling_forward::primitive_desc& hint) {
#if EMOTION_DNNL_V3
    const memory::dims dilation(kernel.size(), 0);
    return dnnl::pooling_backward::primitive_desc(engine, alg, diff_src, diff_dst, strides, kernel, dilation,
                                                  padding_l, padding_r, hint);
#else
    return dnnl::pooling_backward::primitive_desc(
        dnnl::pooling_backward::desc(alg, diff_src, diff_dst, strides, kernel, padding_l, padding_r), engine,
        hint);
#endif
}

// Softmax over `axis` (accurate variant; 3.x names the algorithm explicitly).
inline dnnl::softmax_forward::primitive_desc softmax_forward_pd(const dnnl::engine& engine, prop_kind prop,
                                                                const memory::desc& data, int axis) {
#if EMOTION_DNNL_V3
    return dnnl::softmax_forward::primitive_desc(engine, prop, algorithm::softmax_accurate, data, data, axis);
#else
    return dnnl::softmax_forward::primitive_desc(dnnl::softmax_forward::desc(prop, data, axis), engine);
#endif
}

// Vanilla LSTM (gate order i, f, c~, o), no peephole / projection. An empty memory::desc for
// src_iter / src_iter_c means zero initial states.
inline dnnl::lstm_forward::primitive_desc
lstm_forward_pd(const dnnl::engine& engine, prop_kind prop, dnnl::rnn_direction direction,
                const memory::desc& src_layer, const memory::desc& src_iter, const memory::desc& src_iter_c,
                const memory::desc& weights_layer, const memory::desc& weights_iter, const memory::desc& bias,
                const memory::desc& dst_layer, const memory::desc& dst_iter, const memory::desc& dst_iter_c) {
#if EMOTION_DNNL_V3
    return dnnl::lstm_forward::primitive_desc(engine, prop, direction, src_layer, src_iter, src_iter_c,
                                              weights_layer, weights_iter, bias, dst_layer, dst_iter,
                                              dst_iter_c);
#else
    return dnnl::lstm_forward::primitive_desc(
        dnnl::lstm_forward::desc(prop, direction, src_layer, src_iter, src_iter_c, weights_layer,
                                 weights_iter, bias, dst_layer, dst_iter, dst_iter_c),
        engine);
#endif
}

// Backward of the above. Diff weights / bias ACCUMULATE into their buffers (zero them first).
inline dnnl::lstm_backward::primitive_desc lstm_backward_pd(
    const dnnl::engine& engine, dnnl::rnn_direction direction, const memory::desc& src_layer,
    const memory::desc& src_iter, const memory::desc& src_iter_c, const memory::desc& weights_layer,
    const memory::desc& weights_iter, const memory::desc& bias, const memory::desc& dst_layer,
    const memory::desc& dst_iter, const memory::desc& dst_iter_c, const memory::desc& diff_src_layer,
    const memory::desc& diff_src_iter, const memory::desc& diff_src_iter_c,
    const memory::desc& diff_weights_layer, const memory::desc& diff_weights_iter,
    const memory::desc& diff_bias, const memory::desc& diff_dst_layer, const memory::desc& diff_dst_iter,
    const memory::desc& diff_dst_iter_c, const dnnl::lstm_forward::primitive_desc& hint) {
#if EMOTION_DNNL_V3
    return dnnl::lstm_backward::primitive_desc(
        engine, prop_kind::backward, direction, src_layer, src_iter, src_iter_c, weights_layer, weights_iter,
        bias, dst_layer, dst_iter, dst_iter_c, diff_src_layer, diff_src_iter, diff_src_iter_c,
        diff_weights_layer, diff_weights_iter, diff_bias, diff_dst_layer, diff_dst_iter, diff_dst_iter_c,
        hint);
#else
    return dnnl::lstm_backward::primitive_desc(
        dnnl::lstm_backward::desc(
            prop_kind::backward, direction, src_layer, src_iter, src_iter_c, weights_layer, weights_iter,
            bias, dst_layer, dst_iter, dst_iter_c, diff_src_layer, diff_src_iter, diff_src_iter_c,
            diff_weights_layer, diff_weights_iter, diff_bias, diff_dst_layer, diff_dst_iter, diff_dst_iter_c),
        engine, hint);
#endif
}

// Concatenation of `srcs` along `axis` into `dst` (dst may be format_tag::any).
inline dnnl::concat::primitive_desc concat_pd(const dnnl::engine& engine, const memory::desc& dst, int axis,
                                              const std::vector<memory::desc>& srcs) {
#if EMOTION_DNNL_V3
    return dnnl::concat::primitive_desc(engine, dst, axis, srcs);
#else
    return dnnl::concat::primitive_desc(dst, axis, srcs, engine);
#endif
}

// Whether oneDNN fell back to its reference implementation ("ref:any"), which is orders of
// magnitude slower than its JIT kernels: a layout asked of a primitive that no kernel of this
// CPU reads.
template <typename PrimitiveDesc> bool is_reference(const PrimitiveDesc& pd) {
    return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
}

} // namespace emotion::nn::compat
