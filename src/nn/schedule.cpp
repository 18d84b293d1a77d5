#include "nn/schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace emotion::nn {

CosineAnnealing::CosineAnnealing(double base_lr, int t_max, double eta_min)
    : base_(base_lr), eta_min_(eta_min), t_max_(t_max) {
    if (t_max <= 0)
        throw std::invalid_argument("CosineAnnealing: T_max must be positive, got " + std::to_string(t_max));
}

double CosineAnnealing::lr(int epoch) const {
    const double pi = std::acos(-1.0);
    return eta_min_ + (base_ - eta_min_) * (1.0 + std::cos(pi * epoch / t_max_)) / 2.0;
}

MultiStep::MultiStep(double base_lr, std::vector<int> milestones, double gamma)
    : base_(base_lr), gamma_(gamma), milestones_(std::move(milestones)) {
    std::sort(milestones_.begin(), milestones_.end());
}

double MultiStep::lr(int epoch) const {
    const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin();
    return base_ * std::pow(gamma_, static_cast<double>(passed));
}

} // namespace emotion::nn
