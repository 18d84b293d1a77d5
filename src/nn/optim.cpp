#include "nn/optim.h"

#include <cmath>
#include <stdexcept>

#include "nn/parallel.h"

namespace emotion::nn {

namespace {

void check_parameters(const std::vector<Parameter*>& parameters) {
    for (size_t i = 0; i < parameters.size(); ++i) {
        const Parameter* p = parameters[i];
        if (!p || !p->trainable || p->grad.shape() != p->value.shape())
            throw std::invalid_argument("optimizer: parameter " + std::to_string(i) +
                                        " is not a trainable parameter with a gradient");
    }
}

const Tensor& state_tensor(const OptimizerState& state, const std::string& name, const Shape& shape) {
    auto it = state.find(name);
    if (it == state.end()) throw std::invalid_argument("optimizer state: missing '" + name + "'");
    if (it->second.shape() != shape)
        throw std::invalid_argument("optimizer state '" + name + "': shape " +
                                    shape_to_string(it->second.shape()) + ", expected " +
                                    shape_to_string(shape));
    return it->second;
}

int64_t state_step(const OptimizerState& state) {
    const Tensor& t = state_tensor(state, "step", {1});
    if (!(t[0] >= 0.0f) || t[0] != std::floor(t[0]))
        throw std::invalid_argument("optimizer state 'step': " + std::to_string(t[0]) +
                                    ", expected a non-negative integer");
    return static_cast<int64_t>(t[0]);
}

} // namespace

Optimizer::Optimizer(std::vector<Parameter*> parameters, double lr)
    : parameters_(std::move(parameters)), lr_(lr) {
    check_parameters(parameters_);
}

void Optimizer::zero_grad() {
    for (Parameter* p : parameters_) p->grad.zero();
}

// ---------------------------------------------------------------------------------------------
// Adam (torch.optim.Adam, amsgrad off):
//   g = grad + wd * param
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   param -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

Adam::Adam(std::vector<Parameter*> parameters, const AdamOptions& options)
    : Optimizer(std::move(parameters), options.lr), options_(options) {
    for (Parameter* p : parameters_) {
        exp_avg_.emplace_back(p->value.shape());
        exp_avg_sq_.emplace_back(p->value.shape());
    }
}

void Adam::step() {
    ++step_;
    const double b1 = options_.beta1, b2 = options_.beta2;
    const double bias_correction1 = 1.0 - std::pow(b1, static_cast<double>(step_));
    const double bias_correction2 = 1.0 - std::pow(b2, static_cast<double>(step_));
    const float step_size = static_cast<float>(lr_ / bias_correction1);
    const float bc2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
    const float fb1 = static_cast<float>(b1), fb2 = static_cast<float>(b2);
    const float one_minus_b1 = static_cast<float>(1.0 - b1), one_minus_b2 = static_cast<float>(1.0 - b2);
    const float eps = static_cast<float>(options_.eps), wd = static_cast<float>(options_.weight_decay);
    for (size_t k = 0; k < parameters_.size(); ++k) {
        float* w = parameters_[k]->value.data();
        const float* grad = parameters_[k]->grad.data();
        float* m = exp_avg_[k].data();
        float* v = exp_avg_sq_[k].data();
        const int64_t n = parameters_[k]->value.size();
        parallel_ranges(n, 4 * n, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                const float g = wd != 0.0f ? grad[i] + wd * w[i] : grad[i];
                m[i] = m[i] * fb1 + one_minus_b1 * g;
                v[i] = v[i] * fb2 + one_minus_b2 * g * g;
                const float denom = std::sqrt(v[i]) / bc2_sqrt + eps;
                w[i] -= step_size * m[i] / denom;
            }
        });
    }
}

OptimizerState Adam::export_state() const {
    OptimizerState state;
    state["step"] = Tensor({1}, {static_cast<float>(step_)});
    for (size_t k = 0; k < parameters_.size(); ++k) {
        state["exp_avg." + std::to_string(k)].copy_from(exp_avg_[k]);
        state["exp_avg_sq." + std::to_string(k)].copy_from(exp_avg_sq_[k]);
    }
    return state;
}

void Adam::import_state(const OptimizerState& state) {
    const int64_t step = state_step(state);
    for (size_t k = 0; k < parameters_.size(); ++k) { // validate everything first
        state_tensor(state, "exp_avg." + std::to_string(k), parameters_[k]->value.shape());
        state_tensor(state, "exp_avg_sq." + std::to_string(k), parameters_[k]->value.shape());
    }
    step_ = step;
    for (size_t k = 0; k < parameters_.size(); ++k) {
        exp_avg_[k].copy_from(state.at("exp_avg." + std::to_string(k)));
        exp_avg_sq_[k].copy_from(state.at("exp_avg_sq." + std::to_string(k)));
    }
}

// ---------------------------------------------------------------------------------------------
// SGD (torch.optim.SGD):
//   d = grad + wd * param
//   momentum: buf = d on the first step, else buf = momentum buf + (1 - dampening) d;
//             d = nesterov ? d + momentum buf : buf
//   param -= lr d

Sgd::Sgd(std::vector<Parameter*> parameters, const SgdOptions& options)
    : Optimizer(std::move(parameters), options.lr), options_(options), buffers_(parameters_.size()) {
    if (options.nesterov && (options.momentum <= 0.0 || options.dampening != 0.0))
        throw std::invalid_argument("SGD: Nesterov momentum requires a momentum and zero dampening");
}

bool Sgd::has_buffer(size_t k) const {
    return buffers_[k].size() == parameters_[k]->value.size() &&
           buffers_[k].shape() == parameters_[k]->value.shape();
}

void Sgd::step() {
    ++step_;
    const float lr = static_cast<float>(lr_), mu = static_cast<float>(options_.momentum);
    const float wd = static_cast<float>(options_.weight_decay);
    const float damp = static_cast<float>(1.0 - options_.dampening);
    for (size_t k = 0; k < parameters_.size(); ++k) {
        float* w = parameters_[k]->value.data();
        const float* grad = parameters_[k]->grad.data();
        const int64_t n = parameters_[k]->value.size();
        Tensor& buffer = buffers_[k];
        const bool first = !has_buffer(k);
        if (mu != 0.0f && first) buffer.resize(parameters_[k]->value.shape());
        float* buf = buffer.data();
        const bool nesterov = options_.nesterov;
        parallel_ranges(n, 3 * n, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i) {
                float d = wd != 0.0f ? grad[i] + wd * w[i] : grad[i];
                if (mu != 0.0f) {
                    buf[i] = first ? d : mu * buf[i] + damp * d;
                    d = nesterov ? d + mu * buf[i] : buf[i];
                }
                w[i] -= lr * d;
            }
        });
    }
}

OptimizerState Sgd::export_state() const {
    OptimizerState state;
    state["step"] = Tensor({1}, {static_cast<float>(step_)});
    for (size_t k = 0; k < parameters_.size(); ++k)
        if (has_buffer(k)) state["momentum_buffer." + std::to_string(k)].copy_from(buffers_[k]);
    return state;
}

void Sgd::import_state(const OptimizerState& state) {
    const int64_t step = state_step(state);
    for (size_t k = 0; k < parameters_.size(); ++k) {
        const std::string name = "momentum_buffer." + std::to_string(k);
        if (state.count(name))
            state_tensor(state, name, parameters_[k]->value.shape());
        else if (options_.momentum != 0.0 && step > 0)
            throw std::invalid_argument("optimizer state: missing '" + name + "'");
    }
    step_ = step;
    for (size_t k = 0; k < parameters_.size(); ++k) {
        auto it = state.find("momentum_buffer." + std::to_string(k));
        if (it != state.end())
            buffers_[k].copy_from(it->second);
        else
            buffers_[k] = Tensor();
    }
}

float clip_grad_norm(const std::vector<Parameter*>& parameters, float max_norm) {
    double sum = 0.0;
    for (const Parameter* p : parameters) {
        if (!p || !p->trainable) continue;
        for (int64_t i = 0; i < p->grad.size(); ++i) sum += static_cast<double>(p->grad[i]) * p->grad[i];
    }
    const double total = std::sqrt(sum);
    const double coef = static_cast<double>(max_norm) / (total + 1e-6);
    if (coef < 1.0) {
        const float c = static_cast<float>(coef);
        for (Parameter* p : parameters) {
            if (!p || !p->trainable) continue;
            for (int64_t i = 0; i < p->grad.size(); ++i) p->grad[i] *= c;
        }
    }
    return static_cast<float>(total);
}

} // namespace emotion::nn
