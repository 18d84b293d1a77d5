#include "nn/folded_conv_plan.h"

#include <cstring>
#include <stdexcept>

#include "nn/dnnl_compat.h"
#include "nn/layout.h"

namespace emotion::nn {

using dnnl::memory;

void fold_batch_norm(const Conv2d& conv, const std::vector<float>& scale, const std::vector<float>& shift,
                     int first, Tensor& weight, Tensor& bias) {
    const int64_t out = conv.out_channels();
    const int64_t per = conv.weight.value.size() / out;
    weight.resize(conv.weight.value.shape());
    bias.resize({out});
    for (int64_t o = 0; o < out; ++o) {
        const float s = scale[first + o];
        const float* w = conv.weight.value.data() + o * per;
        float* fw = weight.data() + o * per;
        for (int64_t i = 0; i < per; ++i) fw[i] = w[i] * s;
        const float b = conv.has_bias() ? conv.bias.value[o] : 0.0f;
        bias[o] = b * s + shift[first + o];
    }
}

namespace {

// Where a later stage's convolution reads its input: oneDNN picks (brgconv, channels last), except
// on large maps with channels in blocks of 16, where its direct kernel on the blocked layout
// nChw16c ran M3's two largest convolutions 10 % faster and the first stage (one input channel,
// which writes nChw16c) needs no reorder to it.
memory::desc source_desc(const memory::dims& dims) {
    constexpr int64_t kLargeMap = 512; // pixels (M3: 225 x 18 and 112 x 9, not 56 x 4)
    if (dims[1] % 16 != 0 || dims[2] * dims[3] < kLargeMap) return any_desc(dims);
    return memory::desc(dims, memory::data_type::f32, memory::format_tag::nChw16c);
}

} // namespace

// One convolution with its BatchNorm folded in and the activation as a post-op.
struct FoldedConvPlan::Conv {
    memory::dims weight_dims, dst_dims;
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward primitive;
    Stage weights; // plain folded weights -> the convolution's layout
    Tensor folded_weight, folded_bias;
    memory dst;

    Conv(const dnnl::engine& engine, const Conv2d& conv, ConvActivation activation, const memory::desc& src) {
        const auto& o = conv.options();
        const memory::dims s = src.dims();
        weight_dims = {conv.out_channels(), conv.in_channels(), o.kernel_h, o.kernel_w};
        dst_dims = {s[0], conv.out_channels(), conv.output_height(s[2]), conv.output_width(s[3])};
        dnnl::post_ops ops;
        if (activation == ConvActivation::ReLU)
            compat::append_eltwise(ops, dnnl::algorithm::eltwise_relu);
        else
            compat::append_eltwise(ops, dnnl::algorithm::eltwise_elu, 1.0f);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        auto describe = [&](const memory::desc& source) {
            return compat::convolution_forward_pd(
                engine, dnnl::prop_kind::forward_inference, source, any_desc(weight_dims),
                memory::desc({conv.out_channels()}, memory::data_type::f32, memory::format_tag::x),
                any_desc(dst_dims), {o.stride_h, o.stride_w}, {o.pad_top, o.pad_left},
                {o.pad_bottom, o.pad_right}, attr);
        };
        pd = describe(src);
        // Without AVX-512 no optimised kernel reads the nChw16c that source_desc asks for: oneDNN's
        // reference convolution took 2000-5000 times as long (M2 on AVX2). The primitive picks then.
        if (compat::is_reference(pd) && src != plain_desc(s)) pd = describe(any_desc(s));
        primitive = dnnl::convolution_forward(pd);
        weights.init(engine, plain_desc(weight_dims), pd.weights_desc());
        dst = memory(pd.dst_desc(), engine);
    }

    void run(Context& context, const memory& src) {
        const auto& engine = context.engine();
        context.execute(
            primitive,
            {{DNNL_ARG_SRC, src},
             {DNNL_ARG_WEIGHTS, weights.in(context, folded_weight.memory(engine, plain_desc(weight_dims)))},
             {DNNL_ARG_BIAS, folded_bias.memory(engine)},
             {DNNL_ARG_DST, dst}});
    }
};

// Max or average pooling (floor mode: a negative right padding drops the trailing rows /
// columns, as PyTorch's ceil_mode=False).
struct FoldedConvPlan::Pool {
    dnnl::pooling_forward primitive;
    memory dst;

    Pool(const dnnl::engine& engine, const Pool2dOptions& o, const memory::desc& src) {
        const memory::dims s = src.dims();
        const memory::dims d = {s[0], s[1], pooled_size(s[2], o.kernel_h, o.stride_h),
                                pooled_size(s[3], o.kernel_w, o.stride_w)};
        const memory::dims padding_r = {(d[2] - 1) * o.stride_h + o.kernel_h - s[2],
                                        (d[3] - 1) * o.stride_w + o.kernel_w - s[3]};
        const auto algorithm =
            o.op == PoolOp::Max ? dnnl::algorithm::pooling_max : dnnl::algorithm::pooling_avg_exclude_padding;
        auto pd = compat::pooling_forward_pd(engine, dnnl::prop_kind::forward_inference, algorithm, src,
                                             any_desc(d), {o.stride_h, o.stride_w}, {o.kernel_h, o.kernel_w},
                                             {0, 0}, padding_r);
        primitive = dnnl::pooling_forward(pd);
        dst = memory(pd.dst_desc(), engine);
    }

    void run(Context& context, const memory& src) {
        context.execute(primitive, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    }
};

// From a stage's branch outputs to the layout the next convolution (or the NCHW output) wants:
// nothing when one output already has it, a reorder, or a concatenation of several outputs.
struct FoldedConvPlan::Link {
    enum class Kind { Same, Reorder, Concat } kind = Kind::Same;
    dnnl::primitive primitive;

    Link(const dnnl::engine& engine, const std::vector<memory::desc>& outputs, const memory::desc& wanted) {
        if (outputs.size() > 1) {
            kind = Kind::Concat;
            primitive = dnnl::concat(compat::concat_pd(engine, wanted, 1, outputs));
        } else if (outputs[0] != wanted) {
            kind = Kind::Reorder;
            primitive = dnnl::reorder(dnnl::reorder::primitive_desc(engine, outputs[0], engine, wanted));
        }
    }

    // Whether run() writes `to` (otherwise the single output is the next source as it is).
    bool writes() const { return kind != Kind::Same; }

    void run(Context& context, const std::vector<const memory*>& from, const memory& to) {
        if (kind == Kind::Reorder) {
            context.execute(primitive, {{DNNL_ARG_FROM, *from[0]}, {DNNL_ARG_TO, to}});
        } else if (kind == Kind::Concat) {
            std::unordered_map<int, memory> args{{DNNL_ARG_DST, to}};
            for (size_t j = 0; j < from.size(); ++j)
                args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(j)] = *from[j];
            context.execute(primitive, args);
        }
    }
};

struct FoldedConvPlan::StagePlan {
    std::vector<Conv> convs;
    std::vector<Pool> pools;    // one per convolution when the stage pools
    std::unique_ptr<Link> link; // to the next stage's source, or to the NCHW output
    memory next_src;            // where an intermediate link writes

    const memory& output(size_t j) const { return pools.empty() ? convs[j].dst : pools[j].dst; }
    // Activation bytes this stage holds.
    size_t bytes() const {
        size_t sum = next_src ? next_src.get_desc().get_size() : 0;
        for (const Conv& conv : convs) sum += conv.dst.get_desc().get_size();
        for (const Pool& pool : pools) sum += pool.dst.get_desc().get_size();
        return sum;
    }
    std::vector<memory::desc> output_descs() const {
        std::vector<memory::desc> descs;
        for (size_t j = 0; j < convs.size(); ++j) descs.push_back(output(j).get_desc());
        return descs;
    }
};

FoldedConvPlan::FoldedConvPlan(Context& context, const std::vector<std::unique_ptr<ConvStage>>& stages,
                               const Shape& input)
    : ConvStackPlan(context, stages, input), plans_(stages.size()) {
    const auto& engine = context.engine();
    const memory::dims output = plan_stages([&](size_t s, const ConvStage& stage, const memory::dims& dims) {
        StagePlan& plan = plans_[s];
        // The first convolutions read the user's NCHW input; later ones pick their layout.
        const memory::desc src = s == 0 ? plain_desc(dims) : source_desc(dims);
        stage.check_branch_sizes(dims[2], dims[3]);
        plan.convs.reserve(stage.convs.size()); // built in place, never moved
        plan.pools.reserve(stage.convs.size());
        for (const auto& conv : stage.convs)
            plan.convs.emplace_back(engine, *conv, stage.options.activation, src);
        if (s > 0) {
            StagePlan& prev = plans_[s - 1];
            const memory::desc wanted = plan.convs[0].pd.src_desc();
            prev.link = std::make_unique<Link>(engine, prev.output_descs(), wanted);
            if (prev.link->writes()) prev.next_src = memory(wanted, engine);
        }
        if (stage.options.pool)
            for (const Conv& conv : plan.convs)
                plan.pools.emplace_back(engine, *stage.options.pool, conv.pd.dst_desc());
        memory::dims out = plan.output(0).get_desc().dims();
        out[1] = stage.options.out_channels();
        return out;
    });
    output_shape_ = Shape(output.begin(), output.end());
    for (const StagePlan& plan : plans_) bytes_ += plan.bytes();
    plans_.back().link = std::make_unique<Link>(engine, plans_.back().output_descs(), plain_desc(output));
}

FoldedConvPlan::~FoldedConvPlan() = default;

void FoldedConvPlan::run(const Tensor& x, Tensor& y) {
    check_input("FoldedConvPlan", x);
    const auto& engine = context_.engine();
    const memory x_mem = x.memory(engine, plain_desc(to_dims(x.shape())));
    const memory* src = &x_mem;
    std::vector<const memory*> outputs;
    for (size_t s = 0; s < plans_.size(); ++s) {
        const ConvStage& stage = *stages_[s];
        StagePlan& plan = plans_[s];
        // Fold the running statistics (cheap; parameters may change between calls).
        stage.bn.inference_affine(scale_, shift_);
        outputs.clear();
        for (size_t j = 0; j < plan.convs.size(); ++j) {
            Conv& conv = plan.convs[j];
            fold_batch_norm(*stage.convs[j], scale_, shift_, stage.first_channel(j), conv.folded_weight,
                            conv.folded_bias);
            conv.run(context_, *src);
            if (!plan.pools.empty()) plan.pools[j].run(context_, conv.dst);
            outputs.push_back(&plan.output(j));
        }
        if (s + 1 == plans_.size()) break;
        if (plan.link->writes()) {
            plan.link->run(context_, outputs, plan.next_src);
            src = &plan.next_src;
        } else {
            src = outputs[0];
        }
    }
    y.resize(output_shape_);
    StagePlan& last = plans_.back();
    if (last.link->writes())
        last.link->run(context_, outputs, y.memory(engine, plain_desc(to_dims(output_shape_))));
    else
        std::memcpy(y.data(), outputs[0]->get_data_handle(), sizeof(float) * y.size());
}

} // namespace emotion::nn
