#include "models/alstm_model.h"

#include <cmath>
#include <stdexcept>

#include "models/config_limits.h"
#include "nn/activations.h"
#include "nn/features.h"
#include "nn/init.h"
#include "nn/padded_sequences.h"
#include "nn/rnn_kernels.h"

namespace emotion::models {

namespace {

std::invalid_argument config_error(const std::string& what) {
    return std::invalid_argument("alstm config: " + what);
}

// PyTorch's nn.Linear.reset_parameters: weight and bias U(-1/sqrt(in), 1/sqrt(in)).
void init_linear(nn::Linear& linear, nn::Rng& rng) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(linear.in_features()));
    nn::uniform(linear.weight.value, -bound, bound, rng);
    nn::uniform(linear.bias.value, -bound, bound, rng);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Configuration

AlstmConfig AlstmConfig::from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw config_error("expected a JSON object, got " + j.dump());
    AlstmConfig c;
    try {
        if (j.contains("model") && j.at("model").get<std::string>() != "alstm")
            throw config_error("'model' is '" + j.at("model").get<std::string>() + "', expected 'alstm'");
        c.n_in = j.value("n_in", c.n_in);
        c.fc = j.value("fc", c.fc);
        c.hidden = j.value("hidden", c.hidden);
        c.cell = j.value("cell", c.cell);
        c.offsets = j.value("offsets", c.offsets);
        c.period = j.value("period", c.period);
        c.dropout = j.value("dropout", c.dropout);
        c.input_normalization = models::input_normalization(j);
        c.speaker_statistics = SpeakerStatisticsConfig::from_json(j);
        if (j.contains("heads")) {
            const auto& h = j.at("heads");
            if (!h.is_object() || h.empty())
                throw config_error("heads must be a non-empty object {task: classes}, got " + h.dump());
            c.heads.clear();
            if (h.contains("emotion")) c.heads.emplace_back("emotion", h.at("emotion").get<int>());
            for (auto it = h.begin(); it != h.end(); ++it)
                if (it.key() != "emotion") c.heads.emplace_back(it.key(), it.value().get<int>());
        }
        if (j.contains("loss_weights")) {
            for (auto it = j.at("loss_weights").begin(); it != j.at("loss_weights").end(); ++it)
                c.loss_weights[it.key()] = it.value().get<float>();
        }
    } catch (const nlohmann::json::exception& e) {
        throw config_error(std::string("wrong type of a key: ") + e.what());
    }
    if (c.n_in < 1 || c.fc < 1 || c.hidden < 1) throw config_error("n_in, fc and hidden must be >= 1");
    check_at_most("alstm", "n_in", c.n_in, kMaxLayerWidth);
    check_at_most("alstm", "fc", c.fc, kMaxLayerWidth);
    check_at_most("alstm", "hidden", c.hidden, kMaxLayerWidth);
    check_at_most("alstm", "period", c.period, kMaxSequence);
    check_at_most("alstm", "offsets", static_cast<int64_t>(c.offsets.size()), kMaxLayerCount);
    check_at_most("alstm", "heads", static_cast<int64_t>(c.heads.size()), kMaxLayerCount);
    nn::parse_alstm_cell(c.cell); // throws on an unknown cell
    if (c.cell == "lstm") c.offsets = {1};
    if (c.offsets.empty()) throw config_error("offsets must not be empty");
    for (int o : c.offsets)
        if (o < 1) throw config_error("offsets must be >= 1, got " + std::to_string(o));
    for (int o : c.offsets) check_at_most("alstm", "offsets", o, kMaxSequence);
    if (c.period < 1) throw config_error("period must be >= 1, got " + std::to_string(c.period));
    if (!(c.dropout >= 0.0f && c.dropout < 1.0f))
        throw config_error("dropout must be in [0, 1), got " + std::to_string(c.dropout));
    if (c.heads.empty() || c.heads.front().first != "emotion")
        throw config_error("heads must include 'emotion'");
    for (const auto& [task, K] : c.heads) {
        if (K < 1) throw config_error("head '" + task + "' needs >= 1 classes, got " + std::to_string(K));
        check_at_most("alstm", "heads", K, kMaxClasses);
        if (!c.loss_weights.count(task)) throw config_error("no loss weight for head '" + task + "'");
    }
    return c;
}

nlohmann::json AlstmConfig::to_json() const {
    nlohmann::json h = nlohmann::json::object();
    for (const auto& [task, K] : heads) h[task] = K;
    nlohmann::json w = nlohmann::json::object();
    for (const auto& [task, weight] : loss_weights) w[task] = weight;
    nlohmann::json j = {{"model", "alstm"},   {"n_in", n_in},       {"fc", fc},         {"hidden", hidden},
                        {"cell", cell},       {"offsets", offsets}, {"period", period}, {"heads", h},
                        {"dropout", dropout}, {"loss_weights", w}};
    if (input_normalization != InputNormalization::Segment)
        j["input_normalization"] = input_normalization_name(input_normalization);
    speaker_statistics.add_to(j);
    return j;
}

// ---------------------------------------------------------------------------------------------

struct AlstmModel::Head {
    Head(nn::Context& context, std::string name, int width, int K, float dropout, float weight, nn::Rng& rng)
        : task(std::move(name)), loss_weight(weight), l0(context, width, width), drop(dropout, rng),
          l3(context, width, K) {}

    std::string task;
    float loss_weight;
    nn::Linear l0;
    nn::Tensor hidden; // relu(l0(z))
    nn::Dropout drop;
    nn::Linear l3;
    const nn::Tensor* logits = nullptr;
    nn::SoftmaxCrossEntropy loss;
    nn::Tensor grad_hidden;

    const nn::Tensor& forward(const nn::Tensor& z, nn::Mode mode) {
        hidden.copy_from(l0.forward(z, mode));
        nn::relu_forward(hidden.data(), hidden.data(), hidden.size());
        logits = &l3.forward(drop.forward(hidden, mode), mode);
        return *logits;
    }
    // d (weight * CE) / d z, accumulating the head's parameter grads.
    const nn::Tensor& backward(const nn::Tensor& grad_logits) {
        const nn::Tensor& g = drop.backward(l3.backward(grad_logits));
        grad_hidden.resize(g.shape());
        nn::relu_backward(hidden.data(), g.data(), grad_hidden.data(), g.size());
        return l0.backward(grad_hidden);
    }
};

AlstmModel::AlstmModel(nn::Context& context, const AlstmConfig& config, uint64_t dropout_seed)
    : context_(context), config_(config), dropout_rng_(dropout_seed), fc_in_(context, config.n_in, config.fc),
      drop_in_(config.dropout, dropout_rng_), drop_rnn_(config.dropout, dropout_rng_),
      pool_(2 * config.hidden) {
    nn::AlstmOptions options;
    options.cell = nn::parse_alstm_cell(config_.cell);
    options.offsets = config_.offsets;
    options.period = config_.period;
    options.bidirectional = true;
    rnn_ = std::make_unique<nn::Alstm>(context, config_.fc, config_.hidden, options);
    for (const auto& [task, K] : config_.heads)
        heads_.push_back(std::make_unique<Head>(context, task, 2 * config_.hidden, K, config_.dropout,
                                                config_.loss_weights.at(task), dropout_rng_));
}

AlstmModel::~AlstmModel() = default;

std::unique_ptr<AlstmModel> AlstmModel::from_config(nn::Context& context, const nlohmann::json& j) {
    return std::make_unique<AlstmModel>(context, AlstmConfig::from_json(j));
}

nn::ParameterTable AlstmModel::parameters() {
    nn::ParameterTable table;
    nn::append_with_prefix(table, "fc_in", fc_in_.parameters());
    nn::append_with_prefix(table, "rnn", rnn_->parameters());
    nn::append_with_prefix(table, "pool", pool_.parameters());
    for (auto& head : heads_) {
        nn::append_with_prefix(table, "head_" + head->task + ".0", head->l0.parameters());
        nn::append_with_prefix(table, "head_" + head->task + ".3", head->l3.parameters());
    }
    return table;
}

void AlstmModel::init(nn::Rng& rng) {
    init_linear(fc_in_, rng);
    rnn_->init_pytorch(rng);
    pool_.init_pytorch(rng);
    for (auto& head : heads_) {
        init_linear(head->l0, rng);
        init_linear(head->l3, rng);
    }
}

const nn::Tensor& AlstmModel::forward(const Batch& batch, nn::Mode mode) {
    const nn::Tensor& f = batch.features;
    nn::check_padded_batch("alstm", f, config_.n_in, batch.lengths, "features");
    if (config_.input_normalization == InputNormalization::Speaker) return forward(f, batch.lengths, mode);
    nn::detail::resize_rounded(normalised_, f.shape(), 1, 64);
    nn::znormalize(f, batch.lengths, normalised_);
    return forward(normalised_, batch.lengths, mode);
}

const nn::Tensor& AlstmModel::forward(const nn::Tensor& x, const std::vector<int>& lengths, nn::Mode mode) {
    lengths_ = lengths;
    trained_forward_ = mode == nn::Mode::Train;
    // fc_in, ReLU and dropout in place in fc_out_ (backward reads the ReLU's pattern from the
    // dropped output: a dropped unit has gradient 0 either way).
    if (trained_forward_) fc_input_.copy_from(x);
    fc_in_.forward_into(x, fc_out_);
    nn::relu_forward(fc_out_.data(), fc_out_.data(), fc_out_.size());
    drop_in_.forward_in_place(fc_out_.data(), fc_out_.size(), mode);
    const nn::Tensor& y = rnn_->forward(fc_out_, lengths, mode);
    rnn_out_ = &drop_rnn_.forward(y, mode);
    // The pool keeps no copy of its input: backward gives it rnn_out_ again.
    pooled_ = &pool_.forward(*rnn_out_, lengths, nn::Mode::Infer);
    // Inference needs the emotion head only.
    for (auto& head : heads_) {
        head->logits = nullptr;
        if (mode == nn::Mode::Train || head == heads_.front()) head->forward(*pooled_, mode);
    }
    return *heads_.front()->logits;
}

const nn::Tensor& AlstmModel::logits(const std::string& task) const {
    for (const auto& head : heads_)
        if (head->task == task) {
            if (!head->logits) throw std::logic_error("alstm: head '" + task + "' was not run");
            return *head->logits;
        }
    throw std::invalid_argument("alstm: no head '" + task + "'");
}

float AlstmModel::backward(const Batch& batch) {
    if (!trained_forward_) throw std::logic_error("alstm: backward without a Train-mode forward");
    float loss = 0.0f;
    grad_pooled_.resize(pooled_->shape(), true);
    bool any = false;
    for (auto& head : heads_) {
        auto it = batch.targets.find(head->task);
        if (it == batch.targets.end()) continue;
        if (static_cast<int64_t>(it->second.size()) != head->logits->dim(0))
            throw std::invalid_argument("alstm: " + std::to_string(it->second.size()) + " '" + head->task +
                                        "' targets for a batch of " + std::to_string(head->logits->dim(0)));
        loss += head->loss_weight * head->loss.forward(*head->logits, it->second);
        const nn::Tensor& dz = head->backward(head->loss.backward(head->loss_weight));
        for (int64_t i = 0; i < dz.size(); ++i) grad_pooled_[i] += dz[i];
        any = true;
    }
    if (!any) throw std::invalid_argument("alstm: the batch has no targets for any head");
    pool_.backward_into(*rnn_out_, grad_pooled_, grad_rnn_);
    drop_rnn_.backward_in_place(grad_rnn_.data(), grad_rnn_.size());
    const nn::Tensor& da = rnn_->backward(grad_rnn_);
    grad_fc_.resize(da.shape());
    nn::relu_backward(fc_out_.data(), da.data(), grad_fc_.data(), da.size());
    drop_in_.backward_in_place(grad_fc_.data(), grad_fc_.size());
    grad_input_.copy_from(fc_in_.backward(fc_input_, grad_fc_));
    return loss;
}

} // namespace emotion::models
