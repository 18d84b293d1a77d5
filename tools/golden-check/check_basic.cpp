// Golden kinds of the NN foundation: linear_relu, elu, layernorm, softmax_ce, optim, schedule,
// znorm, sinusoid.
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "golden.h"
#include "nn/activations.h"
#include "nn/context.h"
#include "nn/features.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/optim.h"
#include "nn/schedule.h"

namespace {

using namespace emotion;

// Layer files: loss = sum(out.y * in.probe), so d loss / d y = probe.

GOLDEN_KIND("linear_relu") {
    nn::Context context;
    const int in = c.config().at("in").get<int>(), out = c.config().at("out").get<int>();
    nn::Linear linear(context, in, out);
    c.load_params(linear.parameters());
    nn::ReLU relu;
    const nn::Tensor x = c.in("x");
    const nn::Tensor& y = relu.forward(linear.forward(x, nn::Mode::Train), nn::Mode::Train);
    c.compare("out.y", y);
    const nn::Tensor& dx = linear.backward(relu.backward(c.in("probe")));
    c.compare("grad.in.x", dx);
    c.compare("grad.param.weight", linear.weight.grad);
    c.compare("grad.param.bias", linear.bias.grad);
}

GOLDEN_KIND("elu") {
    nn::ELU elu(c.config().at("alpha").get<float>());
    c.compare("out.y", elu.forward(c.in("x"), nn::Mode::Train));
    c.compare("grad.in.x", elu.backward(c.in("probe")));
}

GOLDEN_KIND("layernorm") {
    nn::LayerNorm norm(c.config().at("d").get<int>(), c.config().at("eps").get<float>());
    c.load_params(norm.parameters());
    c.compare("out.y", norm.forward(c.in("x"), nn::Mode::Train));
    c.compare("grad.in.x", norm.backward(c.in("probe")));
    c.compare("grad.param.weight", norm.weight.grad);
    c.compare("grad.param.bias", norm.bias.grad);
}

GOLDEN_KIND("softmax_ce") {
    const nn::Tensor logits = c.in("logits");
    const int k = c.config().at("K").get<int>();
    if (logits.rank() != 2 || logits.dim(1) != k)
        throw std::runtime_error("in.logits " + nn::shape_to_string(logits.shape()) + ", expected [B, " +
                                 std::to_string(k) + "]");
    std::vector<int> targets;
    for (int64_t t : c.in_i64("target")) targets.push_back(static_cast<int>(t));
    nn::SoftmaxCrossEntropy ce;
    const float loss = ce.forward(logits, targets);
    c.compare("out.loss", &loss, 1);
    c.compare("out.probs", ce.probs());
    c.compare("grad.in.logits", ce.backward());
}

GOLDEN_KIND("optim") {
    const auto& cfg = c.config();
    const std::string kind = cfg.at("optimizer").get<std::string>();
    const int steps = cfg.at("steps").get<int>();
    nn::Parameter param(c.in("param_step0").shape());
    param.value.copy_from(c.in("param_step0"));
    std::unique_ptr<nn::Optimizer> optimizer;
    if (kind == "adam") {
        nn::AdamOptions o;
        o.lr = cfg.at("lr").get<double>();
        o.beta1 = cfg.at("betas").at(0).get<double>();
        o.beta2 = cfg.at("betas").at(1).get<double>();
        o.eps = cfg.at("eps").get<double>();
        o.weight_decay = cfg.at("weight_decay").get<double>();
        optimizer = std::make_unique<nn::Adam>(std::vector<nn::Parameter*>{&param}, o);
    } else if (kind == "sgd") {
        nn::SgdOptions o;
        o.lr = cfg.at("lr").get<double>();
        o.momentum = cfg.at("momentum").get<double>();
        o.nesterov = cfg.at("nesterov").get<bool>();
        o.weight_decay = cfg.at("weight_decay").get<double>();
        optimizer = std::make_unique<nn::Sgd>(std::vector<nn::Parameter*>{&param}, o);
    } else {
        throw std::runtime_error("unknown optimizer '" + kind + "'");
    }
    for (int s = 1; s <= steps; ++s) {
        const std::string suffix = "_step" + std::to_string(s);
        param.grad.copy_from(c.in("grad" + suffix));
        optimizer->step();
        c.compare("out.param" + suffix, param.value);
        if (kind == "adam") {
            auto* adam = static_cast<nn::Adam*>(optimizer.get());
            c.compare("out.exp_avg" + suffix, adam->exp_avg(0));
            c.compare("out.exp_avg_sq" + suffix, adam->exp_avg_sq(0));
        } else {
            c.compare("out.momentum_buffer" + suffix,
                      static_cast<nn::Sgd*>(optimizer.get())->momentum_buffer(0));
        }
    }
}

GOLDEN_KIND("schedule") {
    const auto& cfg = c.config();
    const std::string kind = cfg.at("schedule").get<std::string>();
    const double base = cfg.at("lr").get<double>();
    const std::vector<int64_t> epochs = c.in_i64("epoch");
    auto table = [&](const nn::LrSchedule& schedule) {
        std::vector<float> lrs;
        for (int64_t e : epochs) lrs.push_back(static_cast<float>(schedule.lr(static_cast<int>(e))));
        return lrs;
    };
    if (kind == "cosine") {
        const int t_max = cfg.at("T_max").get<int>();
        auto lrs = table(nn::CosineAnnealing(base, t_max, cfg.at("eta_min").get<double>()));
        c.compare("out.lr", lrs.data(), lrs.size());
        if (cfg.contains("eta_min_alt")) {
            auto alt = table(nn::CosineAnnealing(base, t_max, cfg.at("eta_min_alt").get<double>()));
            c.compare("out.lr_eta_min_alt", alt.data(), alt.size());
        }
    } else if (kind == "multistep") {
        auto lrs = table(
            nn::MultiStep(base, cfg.at("milestones").get<std::vector<int>>(), cfg.at("gamma").get<double>()));
        c.compare("out.lr", lrs.data(), lrs.size());
    } else {
        throw std::runtime_error("unknown schedule '" + kind + "'");
    }
}

GOLDEN_KIND("znorm") {
    std::vector<int> lengths;
    for (int64_t l : c.in_i64("lengths")) lengths.push_back(static_cast<int>(l));
    nn::Tensor out;
    nn::znormalize(c.in("raw"), lengths, out, c.config().at("floor").get<float>());
    c.compare("out.x", out);
}

GOLDEN_KIND("sinusoid") {
    const int T = c.config().at("T").get<int>(), d = c.config().at("d").get<int>();
    const std::vector<int64_t> positions = c.in_i64("positions");
    const nn::Tensor table = nn::sinusoidal_positions(T, d);
    if (static_cast<int64_t>(positions.size()) != T)
        throw std::runtime_error("in.positions has " + std::to_string(positions.size()) +
                                 " entries, expected " + std::to_string(T));
    for (size_t i = 0; i < positions.size(); ++i)
        if (positions[i] != static_cast<int64_t>(i)) throw std::runtime_error("in.positions is not 0 .. T-1");
    c.compare("out.pe", table);
}

} // namespace
