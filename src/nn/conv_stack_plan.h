// What the two plans of a ConvStack (nn/folded_conv_plan.h for inference, nn/blocked_train_plan.h
// for training) share: the stages they run, which the stack owns; the input shape their
// primitives were made for; and the walk that plans one stage after the other, each on the shape
// the one before it gives.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/conv_stage.h"
#include "nn/tensor.h"

namespace emotion::nn {

class ConvStackPlan {
public:
    const Shape& input_shape() const { return input_shape_; }

protected:
    // `stages` must outlive the plan.
    ConvStackPlan(Context& context, const std::vector<std::unique_ptr<ConvStage>>& stages, const Shape& input)
        : context_(context), stages_(stages), input_shape_(input) {}

    // plan_stage(s, stage, dims) plans stage s for an input of `dims` and returns its output's
    // dims; the result is the last stage's.
    template <class F> dnnl::memory::dims plan_stages(F&& plan_stage) const {
        dnnl::memory::dims dims = to_dims(input_shape_);
        for (size_t s = 0; s < stages_.size(); ++s) dims = plan_stage(s, *stages_[s], dims);
        return dims;
    }

    // std::logic_error, naming `who`, unless x has the planned input shape.
    void check_input(const char* who, const Tensor& x) const {
        if (x.shape() != input_shape_)
            throw std::logic_error(std::string(who) + ": input " + shape_to_string(x.shape()) +
                                   ", planned for " + shape_to_string(input_shape_));
    }

    Context& context_;
    const std::vector<std::unique_ptr<ConvStage>>& stages_;
    Shape input_shape_;
};

} // namespace emotion::nn
