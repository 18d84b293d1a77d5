#include "nn/conv_stack.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "nn/blocked_train_plan.h"
#include "nn/folded_conv_plan.h"

namespace emotion::nn {

ConvStack::ConvStack(Context& context, const ConvStackOptions& options)
    : context_(context), max_plans_(std::max<size_t>(1, options.max_inference_plans)),
      max_plan_bytes_(options.max_inference_bytes) {
    if (options.stages.empty()) throw std::invalid_argument("conv stack: no stage");
    int in = options.in_channels;
    for (const auto& stage_options : options.stages) {
        stages_.push_back(std::make_unique<ConvStage>(context, in, stage_options));
        in = stage_options.out_channels();
    }
    for (size_t s = 1; s < stages_.size(); ++s)
        if (stages_[s]->convs.size() > 1)
            throw std::invalid_argument("conv stack: only the first stage may have several convolutions");
}

ConvStack::~ConvStack() = default;

std::vector<BatchNorm2d*> ConvStack::batch_norms() {
    std::vector<BatchNorm2d*> all;
    for (auto& stage : stages_) all.push_back(&stage->bn);
    return all;
}

void ConvStack::init_default(Rng& rng) {
    for (auto& stage : stages_) {
        for (auto& conv : stage->convs) conv->init_default(rng);
        stage->bn.init_default();
    }
}

const Tensor& ConvStack::forward(const Tensor& x, Mode mode) {
    if (x.rank() != 4 || x.dim(1) != stages_[0]->in_channels)
        throw std::invalid_argument("conv stack: input has shape " + shape_to_string(x.shape()) +
                                    ", expected [B, " + std::to_string(stages_[0]->in_channels) + ", H, W]");
    trained_forward_ = mode == Mode::Train;
    if (mode == Mode::Infer) {
        // Backward needs a Train-mode forward after this one anyway: the training activations
        // are dead until then.
        train_plan_.reset();
        return forward_infer(x);
    }
    plans_.clear(); // training and validation alternate by epochs, not by batches
    if (!train_plan_ || train_plan_->input_shape() != x.shape()) {
        train_plan_.reset(); // free the old activations before allocating new ones
        train_plan_ = std::make_unique<BlockedTrainPlan>(context_, stages_, x.shape());
    }
    train_plan_->forward(x, own_output_);
    output_ = &own_output_;
    return own_output_;
}

const Tensor& ConvStack::forward_infer(const Tensor& x) {
    auto found = plans_.find(x.shape());
    if (found == plans_.end()) {
        auto plan = std::make_unique<FoldedConvPlan>(context_, stages_, x.shape());
        make_room_for(plan->bytes());
        found = plans_.emplace(x.shape(), CachedPlan{std::move(plan)}).first;
    }
    found->second.last_use = ++uses_;
    found->second.plan->run(x, own_output_);
    output_ = &own_output_;
    return own_output_;
}

// Drops least recently used plans until one more of `bytes` fits both bounds (a plan larger than
// the byte bound alone is still kept: it is the one in use).
void ConvStack::make_room_for(size_t bytes) {
    auto total = [&] {
        size_t sum = bytes;
        for (const auto& [shape, cached] : plans_) sum += cached.plan->bytes();
        return sum;
    };
    while (!plans_.empty() && (plans_.size() >= max_plans_ || total() > max_plan_bytes_)) {
        auto oldest = plans_.begin();
        for (auto it = plans_.begin(); it != plans_.end(); ++it)
            if (it->second.last_use < oldest->second.last_use) oldest = it;
        plans_.erase(oldest);
    }
}

size_t ConvStack::inference_plan_bytes() const {
    size_t sum = 0;
    for (const auto& [shape, cached] : plans_) sum += cached.plan->bytes();
    return sum;
}

void ConvStack::backward(const Tensor& dy) {
    if (!trained_forward_) throw std::logic_error("conv stack: backward without a Train-mode forward");
    if (dy.shape() != output_->shape())
        throw std::invalid_argument("conv stack: gradient " + shape_to_string(dy.shape()) + ", expected " +
                                    shape_to_string(output_->shape()));
    train_plan_->backward(dy, want_input_grad_ ? &grad_input_ : nullptr);
}

} // namespace emotion::nn
