#include "models/stl_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "models/config_limits.h"
#include "nn/features.h"

namespace emotion::models {

using nn::Mode;
using nn::Tensor;

using nn::add_into;

// ---------------------------------------------------------------------------------------------
// Config

StlConfig StlConfig::from_json(const nlohmann::json& j) {
    StlConfig c;
    if (!j.is_object()) throw std::invalid_argument("stl config must be a JSON object");
    c.n_feat = j.value("n_feat", c.n_feat);
    c.K = j.value("K", c.K);
    if (j.contains("channels")) c.channels = j.at("channels").get<std::vector<int>>();
    if (j.contains("pools")) {
        c.pools.clear();
        for (const auto& p : j.at("pools")) {
            if (p.is_null())
                c.pools.push_back({0, 0});
            else
                c.pools.push_back(p.get<std::vector<int>>());
        }
    }
    c.rnn_hidden = j.value("rnn_hidden", c.rnn_hidden);
    c.d = j.value("d", c.d);
    c.heads = j.value("heads", c.heads);
    c.ffn = j.value("ffn", c.ffn);
    c.n_layers = j.value("n_layers", c.n_layers);
    c.dropout = j.value("dropout", c.dropout);
    c.input_normalization = models::input_normalization(j);
    c.speaker_statistics = SpeakerStatisticsConfig::from_json(j);

    auto fail = [](const std::string& what) { throw std::invalid_argument("stl config: " + what); };
    if (c.n_feat <= 0 || c.K <= 0 || c.rnn_hidden <= 0 || c.d <= 0 || c.heads <= 0 || c.ffn <= 0 ||
        c.n_layers < 0)
        fail("n_feat, K, rnn_hidden, d, heads, ffn must be positive and n_layers >= 0");
    if (c.channels.empty() || c.channels.size() != c.pools.size())
        fail("channels and pools need one entry per block (got " + std::to_string(c.channels.size()) +
             " and " + std::to_string(c.pools.size()) + ")");
    for (int ch : c.channels)
        if (ch <= 0) fail("channels must be positive");
    for (int width : {c.n_feat, c.rnn_hidden, c.d, c.ffn})
        check_at_most("stl", "n_feat, rnn_hidden, d, ffn", width, kMaxLayerWidth);
    for (int ch : c.channels) check_at_most("stl", "channels", ch, kMaxLayerWidth);
    check_at_most("stl", "channels (blocks)", static_cast<int64_t>(c.channels.size()), kMaxLayerCount);
    check_at_most("stl", "n_layers", c.n_layers, kMaxLayerCount);
    check_at_most("stl", "heads", c.heads, kMaxLayerWidth);
    check_at_most("stl", "K", c.K, kMaxClasses);
    for (const auto& p : c.pools) {
        if (p.size() != 2) fail("each pool is [time, feature] or null");
        const bool none = p[0] == 0 && p[1] == 0;
        if (!none && (p[0] <= 0 || p[1] <= 0)) fail("pool sizes must be positive");
        check_at_most("stl", "pools", std::max(p[0], p[1]), kMaxSequence);
    }
    if (c.d % c.heads != 0) fail("d must be a multiple of heads");
    if (c.feature_out() <= 0)
        fail("the pools reduce the " + std::to_string(c.n_feat) + " features to nothing");
    if (c.dropout < 0 || c.dropout >= 1) fail("dropout must be in [0, 1)");
    return c;
}

nlohmann::json StlConfig::to_json() const {
    nlohmann::json pool_json = nlohmann::json::array();
    for (const auto& p : pools)
        pool_json.push_back(p[0] == 0 && p[1] == 0 ? nlohmann::json(nullptr) : nlohmann::json(p));
    nlohmann::json j = {{"n_feat", n_feat},         {"K", K},
                        {"channels", channels},     {"pools", pool_json},
                        {"rnn_hidden", rnn_hidden}, {"d", d},
                        {"heads", heads},           {"ffn", ffn},
                        {"n_layers", n_layers},     {"dropout", dropout}};
    if (input_normalization != InputNormalization::Segment)
        j["input_normalization"] = input_normalization_name(input_normalization);
    speaker_statistics.add_to(j);
    return j;
}

int StlConfig::time_reduction() const {
    int r = 1;
    for (const auto& p : pools)
        if (p[0] > 0) r *= p[0];
    return r;
}

int StlConfig::feature_out() const {
    int f = n_feat;
    for (const auto& p : pools)
        if (p[1] > 0) f /= p[1];
    return f;
}

// ---------------------------------------------------------------------------------------------
// Model

// cnn.<i>: Conv2d 3x3 pad 1, BatchNorm2d, ELU, average pool {time, feature} or none.
nn::ConvStackOptions StlModel::cnn_options(const StlConfig& config) {
    nn::ConvStackOptions options;
    options.in_channels = 1;
    options.max_inference_plans = kMaxPlans;
    for (size_t i = 0; i < config.channels.size(); ++i) {
        nn::ConvStageOptions stage;
        stage.convs = {{config.channels[i], nn::Conv2dOptions::square(3, 1)}};
        stage.activation = nn::ConvActivation::ELU;
        const std::vector<int>& pool = config.pools.at(i);
        if (pool[0] > 0) stage.pool = nn::Pool2dOptions::of(nn::PoolOp::Average, pool[0], pool[1]);
        options.stages.push_back(stage);
    }
    return options;
}

StlModel::StlModel(nn::Context& context, const StlConfig& config)
    : context_(context), config_(config), dropout_rng_(0x57a1), cnn_(context, cnn_options(config)),
      rnn_(context, config.channels.back() * config.feature_out(), config.rnn_hidden,
           nn::AlstmOptions{nn::AlstmCell::Lstm, {1}, 1, true}),
      proj_(context, 2 * config.rnn_hidden, config.d), fc_(context, config.d, config.K) {
    // The Conv1d weight [d, 2H, 1]: same bytes as the Linear's [d, 2H].
    proj_.weight.value.reshape({config.d, 2 * config.rnn_hidden, 1});
    proj_.weight.grad.reshape({config.d, 2 * config.rnn_hidden, 1});
    nn::EncoderLayerOptions o;
    o.d = config.d;
    o.heads = config.heads;
    o.ffn = config.ffn;
    o.dropout = config.dropout;
    for (int i = 0; i < config.n_layers; ++i)
        layers_.push_back(std::make_unique<nn::StlEncoderLayer>(context, o, &dropout_rng_));
}

StlModel::~StlModel() = default;

std::unique_ptr<StlModel> StlModel::from_config(nn::Context& context, const nlohmann::json& j) {
    return std::make_unique<StlModel>(context, StlConfig::from_json(j));
}

std::vector<nn::BatchNorm2d*> StlModel::batch_norms() { return cnn_.batch_norms(); }

nn::ParameterTable StlModel::parameters() {
    nn::ParameterTable table;
    for (size_t i = 0; i < cnn_.size(); ++i) {
        const std::string p = "cnn." + std::to_string(i);
        nn::append_with_prefix(table, p + ".0", cnn_.stage(i).convs[0]->parameters());
        nn::append_with_prefix(table, p + ".1", cnn_.stage(i).bn.parameters());
    }
    nn::append_with_prefix(table, "rnn", rnn_.parameters());
    nn::append_with_prefix(table, "proj", proj_.parameters());
    for (size_t i = 0; i < layers_.size(); ++i)
        nn::append_with_prefix(table, "stl." + std::to_string(i), layers_[i]->parameters());
    nn::append_with_prefix(table, "fc", fc_.parameters());
    return table;
}

void StlModel::init(nn::Rng& rng) {
    cnn_.init_default(rng);
    rnn_.init_pytorch(rng);
    nn::init_linear_default(proj_, rng); // Conv1d k=1: fan_in = 2H, as a Linear
    for (auto& l : layers_) l->init(rng);
    nn::init_linear_default(fc_, rng);
}

const Tensor& StlModel::forward_normalized(const Tensor& x, const std::vector<int>& lengths, Mode mode) {
    const int64_t F = config_.n_feat;
    if (x.rank() != 3 || x.dim(2) != F)
        throw std::invalid_argument("stl: input " + nn::shape_to_string(x.shape()) + ", expected [B, T, " +
                                    std::to_string(F) + "]");
    const int64_t B = x.dim(0), T = x.dim(1), r = config_.time_reduction();
    if (!lengths.empty() && static_cast<int64_t>(lengths.size()) != B)
        throw std::invalid_argument("stl: " + std::to_string(lengths.size()) + " lengths for a batch of " +
                                    std::to_string(B));
    frames_.assign(B, static_cast<int>(T / r));
    masked_ = false;
    for (int64_t b = 0; b < B; ++b) {
        const int64_t L = lengths.empty() ? T : lengths[b];
        if (L < r || L > T)
            throw std::invalid_argument("stl: item " + std::to_string(b) + " has " + std::to_string(L) +
                                        " frames; the model needs " + std::to_string(r) + ".." +
                                        std::to_string(T));
        frames_[b] = static_cast<int>(L / r);
        masked_ |= frames_[b] != T / r;
    }

    // CNN on [B, 1, T, F] (same bytes as x).
    normalized_.copy_from(x);
    normalized_.reshape({B, 1, T, F});
    const Tensor& cnn_out = cnn_.forward(normalized_, mode);

    // [B, C, T', F'] -> [B, T', C * F'] (index c * F' + f).
    const int64_t C = cnn_out.dim(1), Tp = cnn_out.dim(2), Fp = cnn_out.dim(3);
    sequence_.resize({B, Tp, C * Fp});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t t = 0; t < Tp; ++t) {
                const float* src = cnn_out.data() + ((b * C + c) * Tp + t) * Fp;
                float* dst = sequence_.data() + (b * Tp + t) * C * Fp + c * Fp;
                std::copy(src, src + Fp, dst);
            }

    rnn_out_.copy_from(rnn_.forward(sequence_, frames_, mode));
    proj_out_.copy_from(proj_.forward(rnn_out_, mode));
    const Tensor* s = &proj_out_;
    for (auto& layer : layers_) s = &layer->forward(*s, masked_ ? &frames_ : nullptr, mode);
    stl_out_.copy_from(*s);

    // Mean over the real frames.
    const int64_t d = config_.d;
    pooled_.resize({B, d});
    pooled_.zero();
    for (int64_t b = 0; b < B; ++b) {
        float* p = pooled_.data() + b * d;
        for (int64_t t = 0; t < frames_[b]; ++t) add_into(p, stl_out_.data() + (b * Tp + t) * d, d);
        for (int64_t j = 0; j < d; ++j) p[j] /= static_cast<float>(frames_[b]);
    }
    logits_.copy_from(fc_.forward(pooled_, mode));
    return logits_;
}

void StlModel::backward_logits(const Tensor& grad_logits) {
    const int64_t B = pooled_.dim(0), d = config_.d, Tp = stl_out_.dim(1);
    const Tensor& gp = fc_.backward(grad_logits);
    grad_stl_.resize({B, Tp, d});
    grad_stl_.zero();
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < frames_[b]; ++t)
            for (int64_t j = 0; j < d; ++j)
                grad_stl_[(b * Tp + t) * d + j] = gp[b * d + j] / static_cast<float>(frames_[b]);
    const Tensor* g = &grad_stl_;
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) g = &(*it)->backward(*g);
    const Tensor& g_rnn = rnn_.backward(proj_.backward(*g));

    // [B, T', C * F'] -> [B, C, T', F'].
    const Tensor& cnn_out = cnn_.output();
    const int64_t C = cnn_out.dim(1), Fp = cnn_out.dim(3);
    grad_cnn_.resize(cnn_out.shape());
    for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t t = 0; t < Tp; ++t) {
                const float* src = g_rnn.data() + (b * Tp + t) * C * Fp + c * Fp;
                std::copy(src, src + Fp, grad_cnn_.data() + ((b * C + c) * Tp + t) * Fp);
            }
    cnn_.backward(grad_cnn_);
    if (cnn_.input_gradient_enabled()) {
        const Tensor& dx = cnn_.input_gradient(); // [B, 1, T, F]
        grad_input_.copy_from(dx);
        grad_input_.reshape({B, dx.dim(2), dx.dim(3)});
    }
}

const Tensor& StlModel::forward(const Batch& batch, Mode mode) {
    const Tensor& x = batch.features;
    if (x.rank() != 3 || x.dim(2) != config_.n_feat)
        throw std::invalid_argument("stl: features " + nn::shape_to_string(x.shape()) + ", expected [B, T, " +
                                    std::to_string(config_.n_feat) + "]");
    std::vector<int> lengths = batch.lengths;
    if (lengths.empty()) lengths.assign(x.dim(0), static_cast<int>(x.dim(1)));
    for (size_t b = 0; b < lengths.size(); ++b)
        if (lengths[b] < 1 || lengths[b] > x.dim(1))
            throw std::invalid_argument("stl: item " + std::to_string(b) + " has length " +
                                        std::to_string(lengths[b]) + ", expected 1.." +
                                        std::to_string(x.dim(1)));
    if (config_.input_normalization == InputNormalization::Speaker)
        return forward_normalized(x, lengths, mode);
    nn::znormalize(x, lengths, input_normalized_);
    return forward_normalized(input_normalized_, lengths, mode);
}

float StlModel::backward(const Batch& batch) {
    const float loss = emotion_loss(loss_, logits_, batch, "stl");
    backward_logits(loss_.backward());
    return loss;
}

} // namespace emotion::models
