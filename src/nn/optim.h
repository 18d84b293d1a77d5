// Optimisers with PyTorch 1.13 semantics (torch.optim.Adam / SGD, single-tensor path) over a list
// of parameters, gradient clipping by global norm, and optimizer state export/import for
// checkpoints.
//
//   auto params = trainable_parameters(model.parameters());
//   nn::AdamOptions options;
//   options.lr = 5e-4;
//   Adam adam(params, options);
//   zero_grads(...); forward; backward; clip_grad_norm(params, 5.0f); adam.step();
//   adam.set_lr(schedule.lr(epoch));
#pragma once

#include <map>
#include <string>
#include <vector>

#include "nn/parameter.h"
#include "nn/tensor.h"

namespace emotion::nn {

// Named optimizer state tensors ("step", "exp_avg.3", ...), e.g. for a SafetensorsWriter with a
// prefix "optim.". Parameter indices follow the order given to the constructor.
using OptimizerState = std::map<std::string, Tensor>;

class Optimizer {
public:
    Optimizer(std::vector<Parameter*> parameters, double lr);
    virtual ~Optimizer() = default;

    virtual void step() = 0;
    void zero_grad();
    double lr() const { return lr_; }
    void set_lr(double lr) { lr_ = lr; }
    int64_t steps() const { return step_; }
    const std::vector<Parameter*>& parameters() const { return parameters_; }

    // Checkpoint hooks: export copies the state; import validates names and shapes against this
    // optimizer's parameters (std::invalid_argument on a mismatch) before changing anything.
    virtual OptimizerState export_state() const = 0;
    virtual void import_state(const OptimizerState& state) = 0;

protected:
    std::vector<Parameter*> parameters_;
    double lr_;
    int64_t step_ = 0;
};

struct AdamOptions {
    // Hyper-parameters in double, as Python floats are: 1 - beta2 must be 1e-3, not
    // 1 - 0.999f (a 1.3e-5 relative error in exp_avg_sq).
    double lr = 1e-3;
    double beta1 = 0.9, beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0; // L2 added to the gradient (torch.optim.Adam, not AdamW)
};

class Adam : public Optimizer {
public:
    Adam(std::vector<Parameter*> parameters, const AdamOptions& options = {});
    void step() override;
    OptimizerState export_state() const override;
    void import_state(const OptimizerState& state) override;

    const Tensor& exp_avg(size_t i) const { return exp_avg_.at(i); }
    const Tensor& exp_avg_sq(size_t i) const { return exp_avg_sq_.at(i); }

private:
    AdamOptions options_;
    std::vector<Tensor> exp_avg_, exp_avg_sq_;
};

struct SgdOptions {
    double lr = 1e-2;
    double momentum = 0.0;
    double dampening = 0.0;
    bool nesterov = false;
    double weight_decay = 0.0;
};

class Sgd : public Optimizer {
public:
    Sgd(std::vector<Parameter*> parameters, const SgdOptions& options = {});
    void step() override;
    OptimizerState export_state() const override;
    void import_state(const OptimizerState& state) override;

    // Empty until the first step (torch creates the buffer as a copy of the first d_p).
    const Tensor& momentum_buffer(size_t i) const { return buffers_.at(i); }

private:
    SgdOptions options_;
    std::vector<Tensor> buffers_;
    bool has_buffer(size_t k) const;
};

// torch.nn.utils.clip_grad_norm_: total = sqrt(sum of all squared grads); when
// max_norm / (total + 1e-6) < 1 every gradient is scaled by it. Returns the total norm (before
// clipping). Non-trainable / gradient-less parameters are ignored.
float clip_grad_norm(const std::vector<Parameter*>& parameters, float max_norm);

} // namespace emotion::nn
