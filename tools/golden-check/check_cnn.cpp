// Golden kinds of the convolutional layers and M2: conv_pair1, conv2d, batchnorm2d_train,
// batchnorm2d_eval, pool2d, attention_pool_2d, model_apcnn.
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "golden.h"
#include "models/apcnn_model.h"
#include "nn/attention_pool2d.h"
#include "nn/batchnorm.h"
#include "nn/context.h"
#include "nn/conv2d.h"
#include "nn/loss.h"
#include "nn/pool2d.h"

namespace {

using namespace emotion;

std::pair<int, int> pair_of(const nlohmann::json& j) {
    if (j.is_array()) return {j.at(0).get<int>(), j.at(1).get<int>()};
    return {j.get<int>(), j.get<int>()};
}

// Layer files: loss = sum(out.y * in.probe), so d loss / d y = probe.

GOLDEN_KIND("conv_pair1") {
    nn::Context context;
    const auto& cfg = c.config();
    const int in = cfg.at("in_ch").get<int>(), ch = cfg.at("ch").get<int>();
    const auto ka = pair_of(cfg.at("kernels").at(0)), kb = pair_of(cfg.at("kernels").at(1));
    nn::Conv2d conv1a(context, in, ch, nn::Conv2dOptions::same(ka.first, ka.second));
    nn::Conv2d conv1b(context, in, ch, nn::Conv2dOptions::same(kb.first, kb.second));
    c.load_params(conv1a.parameters(), "conv1a");
    c.load_params(conv1b.parameters(), "conv1b");
    const nn::Tensor x = c.in("x");
    const nn::Tensor& a = conv1a.forward(x, nn::Mode::Train);
    const nn::Tensor& b = conv1b.forward(x, nn::Mode::Train);
    // Concatenate channels (1a first) and split the probe the same way.
    const int64_t B = x.dim(0), plane = a.dim(2) * a.dim(3), per = ch * plane;
    nn::Tensor y({B, 2 * ch, a.dim(2), a.dim(3)});
    const nn::Tensor probe = c.in("probe");
    nn::Tensor pa(a.shape()), pb(b.shape());
    for (int64_t i = 0; i < B; ++i) {
        std::memcpy(y.data() + i * 2 * per, a.data() + i * per, sizeof(float) * per);
        std::memcpy(y.data() + i * 2 * per + per, b.data() + i * per, sizeof(float) * per);
        std::memcpy(pa.data() + i * per, probe.data() + i * 2 * per, sizeof(float) * per);
        std::memcpy(pb.data() + i * per, probe.data() + i * 2 * per + per, sizeof(float) * per);
    }
    c.compare("out.y", y);
    nn::Tensor dx;
    dx.copy_from(conv1a.backward(pa));
    const nn::Tensor& dxb = conv1b.backward(pb);
    for (int64_t i = 0; i < dx.size(); ++i) dx[i] += dxb[i];
    c.compare("grad.in.x", dx);
    c.compare("grad.param.conv1a.weight", conv1a.weight.grad);
    c.compare("grad.param.conv1a.bias", conv1a.bias.grad);
    c.compare("grad.param.conv1b.weight", conv1b.weight.grad);
    c.compare("grad.param.conv1b.bias", conv1b.bias.grad);
}

GOLDEN_KIND("conv2d") {
    nn::Context context;
    const auto& cfg = c.config();
    const auto k = pair_of(cfg.at("k"));
    const auto stride = pair_of(cfg.value("stride", nlohmann::json(1)));
    const auto pad = pair_of(cfg.value("padding", nlohmann::json(0)));
    nn::Conv2dOptions o;
    o.kernel_h = k.first;
    o.kernel_w = k.second;
    o.stride_h = stride.first;
    o.stride_w = stride.second;
    o.pad_top = o.pad_bottom = pad.first;
    o.pad_left = o.pad_right = pad.second;
    nn::Conv2d conv(context, cfg.at("cin").get<int>(), cfg.at("cout").get<int>(), o);
    c.load_params(conv.parameters());
    c.compare("out.y", conv.forward(c.in("x"), nn::Mode::Train));
    c.compare("grad.in.x", conv.backward(c.in("probe")));
    c.compare("grad.param.weight", conv.weight.grad);
    c.compare("grad.param.bias", conv.bias.grad);
}

void check_batchnorm(golden::Case& c, nn::Mode mode) {
    const auto& cfg = c.config();
    nn::BatchNorm2d bn(cfg.at("C").get<int>(), cfg.at("eps").get<float>(), cfg.at("momentum").get<float>());
    c.load_params(bn.parameters());
    c.compare("out.y", bn.forward(c.in("x"), mode));
    c.compare("grad.in.x", bn.backward(c.in("probe")));
    c.compare("grad.param.weight", bn.weight.grad);
    c.compare("grad.param.bias", bn.bias.grad);
    if (mode == nn::Mode::Train) {
        c.compare("out.running_mean.bn", bn.running_mean.value);
        c.compare("out.running_var.bn", bn.running_var.value);
    }
}

GOLDEN_KIND("batchnorm2d_train") { check_batchnorm(c, nn::Mode::Train); }
GOLDEN_KIND("batchnorm2d_eval") { check_batchnorm(c, nn::Mode::Infer); }

GOLDEN_KIND("pool2d") {
    nn::Context context;
    const auto& cfg = c.config();
    if (cfg.value("ceil_mode", false))
        throw std::runtime_error("pool2d: ceil_mode is not implemented (MODELS.md uses floor)");
    const std::string op = cfg.at("op").get<std::string>();
    if (op != "max" && op != "avg") throw std::runtime_error("pool2d: unknown op '" + op + "'");
    const auto kernel = pair_of(cfg.at("kernel"));
    const auto stride = pair_of(cfg.value("stride", cfg.at("kernel")));
    nn::Pool2d pool(context, {op == "max" ? nn::PoolOp::Max : nn::PoolOp::Average, kernel.first,
                              kernel.second, stride.first, stride.second});
    c.compare("out.y", pool.forward(c.in("x"), nn::Mode::Train));
    c.compare("grad.in.x", pool.backward(c.in("probe")));
}

GOLDEN_KIND("attention_pool_2d") {
    const auto& cfg = c.config();
    nn::AttentionPool2d att(cfg.at("C").get<int>(), cfg.at("K").get<int>());
    c.load_params(att.parameters());
    c.compare("out.logits", att.forward(c.in("x"), nn::Mode::Train));
    c.compare("out.att_map", att.attention_map());
    c.compare("grad.in.x", att.backward(c.in("probe")));
    c.compare("grad.param.top.weight", att.top_weight.grad);
    c.compare("grad.param.bottom.weight", att.bottom_weight.grad);
}

// M2: eval outputs first (they use the running statistics of param.*), then the train-mode
// forward / backward, whose BatchNorms update those statistics.
GOLDEN_KIND("model_apcnn") {
    nn::Context context;
    auto model = models::ApcnnModel::from_config(context, c.config());
    const nn::ParameterTable table = model->parameters();
    c.load_params(table);
    const nn::Tensor x = c.in("x");

    const nn::Tensor& eval_logits = model->forward(x, nn::Mode::Infer);
    c.compare("out.eval.logits", eval_logits);
    nn::Tensor probs(eval_logits.shape());
    nn::softmax_rows(eval_logits.data(), probs.data(), eval_logits.dim(0), eval_logits.dim(1));
    c.compare("out.eval.probs", probs);
    c.compare("out.eval.utterance_probs", models::ApcnnModel::utterance_probabilities(eval_logits));

    models::Batch batch;
    batch.features.copy_from(x);
    for (int64_t t : c.in_i64("target")) batch.targets["emotion"].push_back(static_cast<int>(t));
    model->set_input_gradient(true);
    c.compare("out.logits", model->forward(batch, nn::Mode::Train));
    c.compare("out.conv5", model->conv5_output());
    if (c.has("out.att_map")) c.compare("out.att_map", model->attention_map());
    const float loss = model->backward(batch);
    c.compare("out.loss", &loss, 1);
    c.compare("grad.in.x", model->input_gradient());

    for (const auto& entry : table) {
        const std::string& name = entry.name;
        if (entry.parameter->trainable) {
            c.compare("grad.param." + name, entry.parameter->grad);
        } else if (name.size() > 13 && name.compare(name.size() - 13, 13, ".running_mean") == 0) {
            c.compare("out.running_mean." + name.substr(0, name.size() - 13), entry.parameter->value);
        } else if (name.size() > 12 && name.compare(name.size() - 12, 12, ".running_var") == 0) {
            c.compare("out.running_var." + name.substr(0, name.size() - 12), entry.parameter->value);
        }
    }
}

} // namespace
