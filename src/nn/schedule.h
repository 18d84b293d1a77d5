// Learning-rate schedules as a function of the 0-based epoch (the lr used during that epoch,
// scheduler stepped once per epoch, as PyTorch's schedulers).
#pragma once

#include <memory>
#include <vector>

namespace emotion::nn {

class LrSchedule {
public:
    virtual ~LrSchedule() = default;
    virtual double lr(int epoch) const = 0;
};

// CosineAnnealingLR, closed form: eta_min + (base - eta_min) (1 + cos(pi epoch / T_max)) / 2.
class CosineAnnealing : public LrSchedule {
public:
    CosineAnnealing(double base_lr, int t_max, double eta_min = 0.0);
    double lr(int epoch) const override;

private:
    double base_, eta_min_;
    int t_max_;
};

// MultiStepLR: base * gamma^(number of milestones <= epoch).
class MultiStep : public LrSchedule {
public:
    MultiStep(double base_lr, std::vector<int> milestones, double gamma = 0.1);
    double lr(int epoch) const override;

private:
    double base_, gamma_;
    std::vector<int> milestones_;
};

// A constant learning rate.
class ConstantLr : public LrSchedule {
public:
    explicit ConstantLr(double lr) : lr_(lr) {}
    double lr(int) const override { return lr_; }

private:
    double lr_;
};

} // namespace emotion::nn
