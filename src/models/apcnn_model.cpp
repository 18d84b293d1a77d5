#include "models/apcnn_model.h"

#include <algorithm>
#include <stdexcept>

#include "models/config_limits.h"

namespace emotion::models {

using nn::Mode;
using nn::Tensor;

namespace {

constexpr int kBlocks = 4;      // conv2..conv5
constexpr size_t kMaxPlans = 4; // inference plans kept (one per input shape)

std::invalid_argument config_error(const std::string& what) {
    return std::invalid_argument("apcnn config: " + what);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Configuration

ApcnnConfig ApcnnConfig::from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw config_error("expected a JSON object, got " + j.dump());
    ApcnnConfig c;
    try {
        if (j.contains("model") && j.at("model").get<std::string>() != "apcnn")
            throw config_error("'model' is '" + j.at("model").get<std::string>() + "', expected 'apcnn'");
        c.K = j.value("K", c.K);
        c.pooling = j.value("pooling", c.pooling);
        c.channels = j.value("channels", c.channels);
        c.bn_eps = j.value("bn_eps", c.bn_eps);
        c.bn_momentum = j.value("bn_momentum", c.bn_momentum);
        c.input_normalization = models::input_normalization(j);
    } catch (const nlohmann::json::exception& e) {
        throw config_error(std::string("wrong type of a key: ") + e.what());
    }
    // The warm-up of the LLD models' statistics (a population prior, first segments in training)
    // has no counterpart for apcnn's mu-law rows: refused rather than ignored.
    for (const char* key : {"speaker_prior_frames", "speaker_reset", "speaker_first"})
        if (j.contains(key))
            throw config_error(std::string(key) + " is for alstm and stl: apcnn's speaker normalisation "
                                                  "has no warm-up settings");
    if (c.K < 1) throw config_error("K must be >= 1, got " + std::to_string(c.K));
    check_at_most("apcnn", "K", c.K, kMaxClasses);
    for (int ch : c.channels) check_at_most("apcnn", "channels", ch, kMaxLayerWidth);
    if (c.pooling != "att" && c.pooling != "gap")
        throw config_error("pooling must be 'att' or 'gap', got '" + c.pooling + "'");
    bool channels_ok = c.channels.size() == kBlocks + 1 && c.channels[0] % 2 == 0;
    for (int ch : c.channels) channels_ok = channels_ok && ch > 0;
    if (!channels_ok)
        throw config_error("channels needs 5 positive entries, the first even, got " +
                           nlohmann::json(c.channels).dump());
    if (!(c.bn_eps > 0.0f) || !(c.bn_momentum >= 0.0f && c.bn_momentum <= 1.0f))
        throw config_error("bn_eps must be > 0 and bn_momentum in [0, 1]");
    return c;
}

nlohmann::json ApcnnConfig::to_json() const {
    nlohmann::json j = {{"model", "apcnn"},     {"K", K},           {"pooling", pooling},
                        {"channels", channels}, {"bn_eps", bn_eps}, {"bn_momentum", bn_momentum}};
    if (input_normalization != InputNormalization::Segment)
        j["input_normalization"] = input_normalization_name(input_normalization);
    return j;
}

// ---------------------------------------------------------------------------------------------
// Model

nn::ConvStackOptions ApcnnModel::cnn_options(const ApcnnConfig& config) {
    const auto stage = [&](std::vector<nn::ConvBranch> convs, bool pool) {
        nn::ConvStageOptions o;
        o.convs = std::move(convs);
        o.activation = nn::ConvActivation::ReLU;
        if (pool) o.pool = nn::Pool2dOptions::of(nn::PoolOp::Max, 2, 2);
        o.bn_eps = config.bn_eps;
        o.bn_momentum = config.bn_momentum;
        return o;
    };
    nn::ConvStackOptions options;
    options.in_channels = 1;
    options.max_inference_plans = kMaxPlans;
    const int half = config.channels[0] / 2;
    options.stages.push_back(
        stage({{half, nn::Conv2dOptions::same(10, 2)}, {half, nn::Conv2dOptions::same(2, 8)}}, true));
    for (int k = 1; k <= kBlocks; ++k)
        options.stages.push_back(stage({{config.channels[k], nn::Conv2dOptions::square(3, 1)}}, k < kBlocks));
    return options;
}

ApcnnModel::ApcnnModel(nn::Context& context, const ApcnnConfig& config)
    : context_(context), config_(ApcnnConfig::from_json(config.to_json())), // validates
      cnn_(context, cnn_options(config_)) {
    if (config_.pooling == "att")
        att_ = std::make_unique<nn::AttentionPool2d>(config_.channels.back(), config_.K);
    else
        fc_ = std::make_unique<nn::Linear>(context, config_.channels.back(), config_.K);
}

ApcnnModel::~ApcnnModel() = default;

std::unique_ptr<ApcnnModel> ApcnnModel::from_config(nn::Context& context, const nlohmann::json& j) {
    return std::make_unique<ApcnnModel>(context, ApcnnConfig::from_json(j));
}

std::vector<nn::BatchNorm2d*> ApcnnModel::batch_norms() { return cnn_.batch_norms(); }

nn::ParameterTable ApcnnModel::parameters() {
    nn::ParameterTable table;
    nn::append_with_prefix(table, "conv1a", cnn_.stage(0).convs[0]->parameters());
    nn::append_with_prefix(table, "conv1b", cnn_.stage(0).convs[1]->parameters());
    nn::append_with_prefix(table, "bn1", cnn_.stage(0).bn.parameters());
    for (int k = 1; k <= kBlocks; ++k) {
        nn::append_with_prefix(table, "conv" + std::to_string(k + 1), cnn_.stage(k).convs[0]->parameters());
        nn::append_with_prefix(table, "bn" + std::to_string(k + 1), cnn_.stage(k).bn.parameters());
    }
    if (att_) nn::append_with_prefix(table, "att", att_->parameters());
    if (fc_) nn::append_with_prefix(table, "fc", fc_->parameters());
    return table;
}

void ApcnnModel::init(nn::Rng& rng) {
    cnn_.init_default(rng); // conv1a, conv1b, bn1, conv2, bn2, ...
    if (att_) att_->init_default(rng);
    if (fc_) fc_->init_xavier(rng);
}

const Tensor& ApcnnModel::attention_map() const {
    if (!att_) throw std::logic_error("apcnn: attention_map() of a model with pooling=gap");
    return att_->attention_map();
}

const Tensor& ApcnnModel::forward(const Batch& batch, Mode mode) { return forward(batch.features, mode); }

const Tensor& ApcnnModel::forward(const Tensor& x, Mode mode) {
    if (x.rank() != 4 || x.dim(1) != 1)
        throw std::invalid_argument("apcnn: input has shape " + nn::shape_to_string(x.shape()) +
                                    ", expected [B, 1, 400, 200]");
    const Tensor& c5 = cnn_.forward(x, mode);
    if (att_) {
        logits_.copy_from(att_->forward(c5, mode));
    } else {
        global_average(c5);
        logits_.copy_from(fc_->forward(pooled_, mode));
    }
    trained_forward_ = mode == Mode::Train;
    return logits_;
}

void ApcnnModel::global_average(const Tensor& c5) {
    const int64_t B = c5.dim(0), C = c5.dim(1), P = c5.dim(2) * c5.dim(3);
    pooled_.resize({B, C});
    for (int64_t i = 0; i < B * C; ++i) {
        double sum = 0.0;
        for (int64_t q = 0; q < P; ++q) sum += c5[i * P + q];
        pooled_[i] = static_cast<float>(sum / P);
    }
}

float ApcnnModel::backward(const Batch& batch) {
    const float loss = emotion_loss(loss_, logits_, batch, "apcnn");
    backward_logits(loss_.backward());
    return loss;
}

void ApcnnModel::backward_logits(const Tensor& grad_logits) {
    if (!trained_forward_) throw std::logic_error("apcnn: backward without a Train-mode forward");
    if (grad_logits.shape() != logits_.shape())
        throw std::invalid_argument("apcnn: logit gradient " + nn::shape_to_string(grad_logits.shape()) +
                                    ", expected " + nn::shape_to_string(logits_.shape()));
    if (att_) {
        cnn_.backward(att_->backward(grad_logits));
        return;
    }
    const Tensor& dp = fc_->backward(grad_logits);
    const Tensor& c5 = cnn_.output();
    const int64_t P = c5.dim(2) * c5.dim(3);
    grad_conv5_.resize(c5.shape());
    for (int64_t i = 0; i < dp.size(); ++i) {
        const float g = dp[i] / static_cast<float>(P);
        std::fill(grad_conv5_.data() + i * P, grad_conv5_.data() + (i + 1) * P, g);
    }
    cnn_.backward(grad_conv5_);
}

Tensor ApcnnModel::utterance_probabilities(const Tensor& segment_logits) {
    if (segment_logits.rank() != 2 || segment_logits.dim(0) < 1)
        throw std::invalid_argument("apcnn: utterance_probabilities needs logits [segments, K], "
                                    "got " +
                                    nn::shape_to_string(segment_logits.shape()));
    const int64_t S = segment_logits.dim(0), K = segment_logits.dim(1);
    Tensor probs({S, K});
    nn::softmax_rows(segment_logits.data(), probs.data(), S, K);
    Tensor mean({1, K});
    for (int64_t k = 0; k < K; ++k) {
        double sum = 0.0;
        for (int64_t s = 0; s < S; ++s) sum += probs[s * K + k];
        mean[k] = static_cast<float>(sum / S);
    }
    return mean;
}

} // namespace emotion::models
