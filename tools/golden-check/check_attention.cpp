// Golden kinds of the attention layers and of M3 / M4: ksmm_layer, stl_layer, model_stl,
// model_ksmm.
#include <algorithm>
#include <string>
#include <vector>

#include "golden.h"
#include "models/ksmm_model.h"
#include "models/stl_model.h"
#include "nn/context.h"
#include "nn/encoder_layer.h"
#include "nn/loss.h"

namespace {

using namespace emotion;

std::vector<int> to_int(const std::vector<int64_t>& values) {
    return std::vector<int>(values.begin(), values.end());
}

// Every parameter gradient of `table` against grad.param.<prefix><name>.
void compare_grads(golden::Case& c, const nn::ParameterTable& table) {
    for (const auto& entry : table)
        if (entry.parameter->trainable) c.compare("grad.param." + entry.name, entry.parameter->grad);
}

// Layer files: dropout is disabled in the references (config gives the training rate).
nn::EncoderLayerOptions layer_options(const nlohmann::json& config) {
    nn::EncoderLayerOptions o;
    o.d = config.at("d").get<int>();
    o.heads = config.at("heads").get<int>();
    o.ffn = config.at("ffn").get<int>();
    o.dropout = 0.0f;
    o.cross = config.value("cross", false);
    o.key_sparse = config.value("key_sparse", false);
    o.keep_rate = config.value("keep_rate", 0.5);
    return o;
}

GOLDEN_KIND("ksmm_layer") {
    nn::Context context;
    const nn::EncoderLayerOptions options = layer_options(c.config());
    nn::KsmmLayer layer(context, options);
    const nn::ParameterTable table = layer.parameters();
    c.load_params(table);
    nn::zero_grads(table);

    const nn::Tensor x = c.in("x");
    nn::Tensor key;
    std::vector<int> lengths;
    const std::vector<int>* mask = nullptr;
    if (options.cross) {
        key = c.in("key");
        lengths = to_int(c.in_i64("key_lengths"));
        mask = &lengths;
    } else if (c.has("in.lengths")) {
        lengths = to_int(c.in_i64("lengths"));
        mask = &lengths;
    }
    const nn::Tensor& y = layer.forward(x, options.cross ? &key : nullptr, mask, nn::Mode::Train);
    c.compare("out.y", y);
    if (c.has("out.attn_weights")) c.compare("out.attn_weights", layer.attention.attention_weights());
    if (c.has("out.keep")) c.compare("out.keep", layer.attention.keep_mask());
    if (c.has("out.col_sums")) c.compare("out.col_sums", layer.attention.column_sums());

    const nn::Tensor& dx = layer.backward(c.in("probe"));
    c.compare("grad.in.x", dx);
    if (options.cross) c.compare("grad.in.key", layer.grad_key());
    compare_grads(c, table);
}

GOLDEN_KIND("stl_layer") {
    nn::Context context;
    nn::StlEncoderLayer layer(context, layer_options(c.config()));
    const nn::ParameterTable table = layer.parameters();
    c.load_params(table);
    nn::zero_grads(table);
    const nn::Tensor x = c.in("x");
    c.compare("out.y", layer.forward(x, nullptr, nn::Mode::Train));
    c.compare("grad.in.x", layer.backward(c.in("probe")));
    compare_grads(c, table);
}

GOLDEN_KIND("model_ksmm") {
    nn::Context context;
    nlohmann::json config = c.config();
    config["dropout"] = 0.0; // the reference disables every dropout
    config["head_dropout"] = 0.0;
    models::KsmmModel model(context, models::KsmmConfig::from_json(config));
    const nn::ParameterTable table = model.parameters();
    c.load_params(table);
    nn::zero_grads(table);

    const nn::Tensor audio = c.in("audio");
    const std::vector<int> audio_lengths = to_int(c.in_i64("audio_lengths"));
    const std::vector<int> text_lengths = to_int(c.in_i64("text_lengths"));
    const std::vector<int64_t> ids = c.in_i64("text_ids");
    const size_t B = audio_lengths.size(), Tt = ids.size() / std::max<size_t>(B, 1);
    std::vector<std::vector<int>> text_ids(B);
    for (size_t b = 0; b < B; ++b) text_ids[b].assign(ids.begin() + b * Tt, ids.begin() + (b + 1) * Tt);

    const nn::Tensor& logits =
        model.forward_prepared(audio, audio_lengths, text_ids, text_lengths, nn::Mode::Train);
    c.compare("out.logits", logits);
    c.compare("out.text_features", model.text_features());
    c.compare("out.audio_enc", model.audio_enc());
    c.compare("out.text_enc", model.text_enc());
    c.compare("out.audio_ccab", model.audio_ccab());
    c.compare("out.text_ccab", model.text_ccab());
    c.compare("out.audio_ks", model.audio_ks());
    c.compare("out.text_ks", model.text_ks());
    c.compare("out.pooled", model.pooled());
    for (const auto& [name, attention] : model.key_sparse_attentions())
        c.compare("out.keep." + name, attention->keep_mask());

    nn::SoftmaxCrossEntropy loss;
    const float value = loss.forward(logits, to_int(c.in_i64("target")));
    c.compare("out.loss", &value, 1);
    model.backward_prepared(loss.backward());
    c.compare("grad.in.audio", model.grad_audio());
    compare_grads(c, table);
}

GOLDEN_KIND("model_stl") {
    nn::Context context;
    nlohmann::json config = c.config();
    config["dropout"] = 0.0; // the reference disables every dropout
    models::StlModel model(context, models::StlConfig::from_json(config));
    const nn::ParameterTable table = model.parameters();
    c.load_params(table);
    nn::zero_grads(table);
    const nn::Tensor x = c.in("x");

    // Eval first: BatchNorm with the running statistics of param.* (before the train update).
    const nn::Tensor eval_logits = model.forward_normalized(x, {}, nn::Mode::Infer);
    c.compare("out.eval.logits", eval_logits);

    const nn::Tensor& logits = model.forward_normalized(x, {}, nn::Mode::Train);
    c.compare("out.logits", logits);
    c.compare("out.cnn", model.cnn_output());
    c.compare("out.rnn", model.rnn_output());
    c.compare("out.proj", model.proj_output());
    c.compare("out.stl", model.stl_output());
    c.compare("out.pooled", model.pooled());
    for (const auto& entry : table) {
        const std::string& name = entry.name;
        for (const std::string stat : {"running_mean", "running_var"}) {
            const std::string suffix = "." + stat;
            if (name.size() > suffix.size() &&
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
                c.compare("out." + stat + "." + name.substr(0, name.size() - suffix.size()),
                          entry.parameter->value);
        }
    }

    nn::SoftmaxCrossEntropy loss;
    const float value = loss.forward(logits, to_int(c.in_i64("target")));
    c.compare("out.loss", &value, 1);
    model.set_input_gradient(true);
    model.backward_logits(loss.backward());
    c.compare("grad.in.x", model.input_gradient());
    compare_grads(c, table);
}

} // namespace
