// Golden kinds of the recurrent layers and M1: lstm, alstm, attention_pool_1d, model_alstm.
#include <map>
#include <string>
#include <vector>

#include "golden.h"
#include "models/alstm_model.h"
#include "nn/alstm.h"
#include "nn/attention_pool.h"
#include "nn/context.h"
#include "nn/lstm.h"

namespace {

using namespace emotion;

std::vector<int> lengths_of(const golden::Case& c, const std::string& name = "lengths") {
    std::vector<int> out;
    for (int64_t v : c.in_i64(name)) out.push_back(static_cast<int>(v));
    return out;
}

void compare_grads(golden::Case& c, const nn::ParameterTable& table, const std::string& prefix = "") {
    for (const auto& entry : table) c.compare("grad.param." + prefix + entry.name, entry.parameter->grad);
}

// Layer files: loss = sum(out.y * in.probe), so d loss / d y = probe.

GOLDEN_KIND("lstm") {
    nn::Context context;
    const auto& cfg = c.config();
    nn::Lstm lstm(context, cfg.at("I").get<int>(), cfg.at("H").get<int>(),
                  cfg.at("bidirectional").get<bool>());
    c.load_params(lstm.parameters());
    const nn::Tensor x = c.in("x");
    const auto lengths = lengths_of(c);
    c.compare("out.y", lstm.forward(x, lengths, nn::Mode::Train));
    c.compare("out.h_n", lstm.h_n());
    c.compare("out.c_n", lstm.c_n());
    c.compare("grad.in.x", lstm.backward(c.in("probe")));
    compare_grads(c, lstm.parameters());
}

GOLDEN_KIND("alstm") {
    nn::Context context;
    const auto& cfg = c.config();
    nn::AlstmOptions options;
    options.cell = nn::parse_alstm_cell(cfg.at("cell").get<std::string>());
    options.offsets = cfg.at("offsets").get<std::vector<int>>();
    options.period = cfg.at("period").get<int>();
    options.bidirectional = cfg.at("bidirectional").get<bool>();
    nn::Alstm rnn(context, cfg.at("I").get<int>(), cfg.at("H").get<int>(), options);
    c.load_params(rnn.parameters());
    const nn::Tensor x = c.in("x");
    const auto lengths = lengths_of(c);
    c.compare("out.y", rnn.forward(x, lengths, nn::Mode::Train));
    c.compare("out.h_n", rnn.h_n());
    c.compare("out.c_n", rnn.c_n());
    c.compare("grad.in.x", rnn.backward(c.in("probe")));
    compare_grads(c, rnn.parameters());
}

GOLDEN_KIND("attention_pool_1d") {
    nn::AttentionPool1d pool(c.config().at("D").get<int>());
    c.load_params(pool.parameters());
    c.compare("out.z", pool.forward(c.in("y"), lengths_of(c), nn::Mode::Train));
    c.compare("out.weights", pool.weights());
    c.compare("grad.in.y", pool.backward(c.in("probe")));
    compare_grads(c, pool.parameters());
}

// M1. in.x is already z-normalised (the reference normalises outside the module), so the check
// runs the network part (AlstmModel::forward(x, lengths)); dropout off as in the reference.
GOLDEN_KIND("model_alstm") {
    nn::Context context;
    auto config = models::AlstmConfig::from_json(c.config());
    config.dropout = 0.0f;
    models::AlstmModel model(context, config);
    c.load_params(model.parameters());
    const nn::Tensor x = c.in("x");
    models::Batch batch;
    batch.lengths = lengths_of(c);
    for (const auto& [task, K] : config.heads) {
        std::vector<int> t;
        for (int64_t v : c.in_i64("target_" + task)) t.push_back(static_cast<int>(v));
        batch.targets[task] = t;
    }
    model.forward(x, batch.lengths, nn::Mode::Train);
    for (const auto& [task, K] : config.heads) c.compare("out.logits_" + task, model.logits(task));
    c.compare("out.fc_in", model.fc_in_output());
    c.compare("out.rnn", model.rnn_output());
    c.compare("out.pool_weights", model.pool_weights());
    c.compare("out.pooled", model.pooled());
    const float loss = model.backward(batch);
    c.compare("out.loss", &loss, 1);
    c.compare("grad.in.x", model.input_gradient());
    compare_grads(c, model.parameters());
}

} // namespace
