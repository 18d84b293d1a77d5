#include "nn/blocked_train_plan.h"

#include <cstring>
#include <stdexcept>

#include "nn/bn_act_pool.h"
#include "nn/conv2d_step.h"

namespace emotion::nn {

using dnnl::memory;

namespace {

// Channel block of a layout the fused kernels handle (nChw16c, nChw8c, NCHW), 0 for others.
int block_of(const memory::desc& desc) {
    const memory::dims d = desc.dims();
    for (auto [tag, block] :
         {std::pair{memory::format_tag::aBcd16b, 16}, std::pair{memory::format_tag::aBcd8b, 8},
          std::pair{memory::format_tag::abcd, 1}})
        if (desc == memory::desc(d, memory::data_type::f32, tag)) return block;
    return 0;
}

BlockedMap map_of(const memory& m) {
    const memory::desc desc = m.get_desc();
    const memory::dims d = desc.dims();
    return {static_cast<float*>(m.get_data_handle()), d[0], d[1], d[2], d[3], block_of(desc)};
}

BlockedMap map_of(const Tensor& t) {
    return {const_cast<float*>(t.data()), t.dim(0), t.dim(1), t.dim(2), t.dim(3), 1};
}

// The steps of a stage's convolutions, all writing one map (nn/conv2d_step.h ChannelSlot) in a
// layout the fused kernels can read: the first convolution's choice, or plain NCHW when it picked
// another layout. The first convolution also picks the source layout; the others read the same
// buffer.
std::vector<std::unique_ptr<Conv2dStep>> make_steps(Context& context, const ConvStage& stage,
                                                    const memory::dims& src) {
    const int total = stage.options.out_channels();
    auto first = [&](const memory::desc& src_desc, memory::format_tag dst) {
        return std::make_unique<Conv2dStep>(context, *stage.convs[0], src_desc, dst,
                                            ChannelSlot{0, total, false});
    };
    std::vector<std::unique_ptr<Conv2dStep>> steps;
    steps.push_back(first(any_desc(src), memory::format_tag::any));
    if (!block_of(steps[0]->dst_desc()) || !block_of(steps[0]->src_desc()))
        steps[0] = first(plain_desc(src), memory::format_tag::abcd);
    for (size_t j = 1; j < stage.convs.size(); ++j) {
        steps.push_back(std::make_unique<Conv2dStep>(context, *stage.convs[j], steps[0]->src_desc(),
                                                     steps[0]->dst_desc(),
                                                     ChannelSlot{stage.first_channel(j), total, true}));
        if (steps[j]->src_desc() != steps[0]->src_desc() || steps[j]->dst_desc() != steps[0]->dst_desc())
            throw std::logic_error("conv stack: a stage's convolutions chose different layouts");
    }
    return steps;
}

} // namespace

struct BlockedTrainPlan::StagePlan {
    std::vector<std::unique_ptr<Conv2dStep>> steps; // one per convolution
    memory src;                                     // stages after the first: the source, then its gradient
    memory y;                                       // the convolutions' output, then its gradient
    std::vector<uint8_t> codes;                     // max-pooling decisions for backward
    BatchStatistics stats;
    StageEpilogue epilogue;
    std::vector<Tensor> grad_src; // first stage, input gradient: one per convolution
};

BlockedTrainPlan::BlockedTrainPlan(Context& context, const std::vector<std::unique_ptr<ConvStage>>& stages,
                                   const Shape& input)
    : ConvStackPlan(context, stages, input), plans_(stages.size()) {
    const auto& engine = context.engine();
    plan_stages([&](size_t s, const ConvStage& stage, const memory::dims& dims) -> memory::dims {
        if (s > 0 && stage.convs.size() > 1)
            throw std::logic_error("BlockedTrainPlan: only the first stage may have several convolutions");
        stage.check_branch_sizes(dims[2], dims[3]);
        StagePlan& plan = plans_[s];
        plan.epilogue = stage.epilogue();
        plan.steps = make_steps(context, stage, dims);
        if (s == 0) {
            x_.init(engine, plain_desc(dims), plan.steps[0]->src_desc());
        } else {
            plan.src = memory(plan.steps[0]->src_desc(), engine);
            // Padding lanes of a partial channel block must read as zeros; nothing writes them.
            std::memset(plan.src.get_data_handle(), 0, plan.steps[0]->src_desc().get_size());
        }
        plan.y = memory(plan.steps[0]->dst_desc(), engine);
        plan.codes.resize(pooled_code_count(map_of(plan.y), plan.epilogue));
        const memory::dims d = plan.steps[0]->dst_desc().dims();
        return {d[0], stage.options.out_channels(), d[2] / plan.epilogue.kernel_h,
                d[3] / plan.epilogue.kernel_w};
    });
}

BlockedTrainPlan::~BlockedTrainPlan() = default;

void BlockedTrainPlan::forward(const Tensor& x, Tensor& y) {
    check_input("BlockedTrainPlan", x);
    const auto& engine = context_.engine();
    input_.copy_from(x);
    const memory x_mem = x_.in(context_, input_.memory(engine, plain_desc(to_dims(x.shape()))));
    for (size_t s = 0; s < plans_.size(); ++s) {
        ConvStage& stage = *stages_[s];
        StagePlan& plan = plans_[s];
        const memory& src = s == 0 ? x_mem : plan.src;
        for (const auto& step : plan.steps) step->forward(src, plan.y);
        bn_batch_statistics(stage.bn, map_of(plan.y), 0, plan.stats);
        stage.bn.num_batches_tracked.value[0] += 1.0f;
        BlockedMap out;
        if (s + 1 < plans_.size()) {
            out = map_of(plans_[s + 1].src);
        } else {
            const BlockedMap last = map_of(plan.y);
            y.resize({last.N, stage.options.out_channels(), last.H / plan.epilogue.kernel_h,
                      last.W / plan.epilogue.kernel_w});
            out = map_of(y);
        }
        bn_act_pool_forward(stage.bn, plan.stats, map_of(plan.y), 0, plan.epilogue, out, 0,
                            plan.codes.data());
    }
}

void BlockedTrainPlan::backward(const Tensor& dy, Tensor* dx) {
    for (size_t s = plans_.size(); s-- > 0;) {
        ConvStage& stage = *stages_[s];
        StagePlan& plan = plans_[s];
        const BlockedMap grad_out = s + 1 < plans_.size() ? map_of(plans_[s + 1].src) : map_of(dy);
        bn_act_pool_backward(stage.bn, plan.stats, map_of(plan.y), 0, plan.epilogue, grad_out, 0,
                             plan.codes.data());
        if (s > 0) {
            plan.steps[0]->backward_weights(plan.src, plan.y);
            plan.steps[0]->backward_data(plan.y, plan.src);
        }
    }

    StagePlan& first = plans_[0];
    const auto& engine = context_.engine();
    const memory::desc plain_x = plain_desc(to_dims(input_.shape()));
    const memory x_mem = x_.needed() ? x_.buffer() : input_.memory(engine, plain_x);
    for (const auto& step : first.steps) step->backward_weights(x_mem, first.y);
    if (!dx) return;
    // oneDNN has only a reference kernel for this (one input channel); fine for the small inputs
    // of gradient checks.
    const memory::desc& src = first.steps[0]->src_desc();
    first.grad_src.resize(first.steps.size());
    for (size_t j = 0; j < first.steps.size(); ++j) {
        first.grad_src[j].resize({static_cast<int64_t>(src.get_size() / sizeof(float))});
        first.steps[j]->backward_data(first.y, first.grad_src[j].memory(engine, src));
    }
    Tensor& sum = first.grad_src[0];
    for (size_t j = 1; j < first.steps.size(); ++j)
        for (int64_t i = 0; i < sum.size(); ++i) sum[i] += first.grad_src[j][i];
    dx->resize(input_.shape());
    const memory user_dx = dx->memory(engine, plain_x);
    if (x_.needed())
        context_.execute(dnnl::reorder(sum.memory(engine, src), user_dx),
                         {{DNNL_ARG_FROM, sum.memory(engine, src)}, {DNNL_ARG_TO, user_dx}});
    else
        std::memcpy(dx->data(), sum.data(), sizeof(float) * dx->size());
}

} // namespace emotion::nn
