#include "models/apcnn_model.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "nn/activations.h"
#include "nn/bn_relu_pool.h"
#include "nn/conv2d_step.h"
#include "nn/dnnl_compat.h"
#include "nn/layout.h"

namespace emotion::models {

using dnnl::memory;
using nn::Mode;
using nn::Shape;
using nn::Tensor;

namespace {

constexpr int kBlocks = 4; // conv2..conv5
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
            throw config_error("'model' is '" + j.at("model").get<std::string>() +
                               "', expected 'apcnn'");
        c.K = j.value("K", c.K);
        c.pooling = j.value("pooling", c.pooling);
        c.channels = j.value("channels", c.channels);
        c.bn_eps = j.value("bn_eps", c.bn_eps);
        c.bn_momentum = j.value("bn_momentum", c.bn_momentum);
    } catch (const nlohmann::json::exception& e) {
        throw config_error(std::string("wrong type of a key: ") + e.what());
    }
    if (c.K < 1) throw config_error("K must be >= 1, got " + std::to_string(c.K));
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
    return {{"model", "apcnn"},     {"K", K},           {"pooling", pooling},
            {"channels", channels}, {"bn_eps", bn_eps}, {"bn_momentum", bn_momentum}};
}

// ---------------------------------------------------------------------------------------------
// Train path. Activations stay in the layouts the convolutions chose (nChw16c on AVX-512);
// the plan owns them, and backward turns each into its gradient in place:
//
//   x -> conv1a -> a, conv1b -> b -> bn1 + ReLU + pool (a and b into the two channel halves of
//   pooled[0]) -> conv2 -> y[0] -> bn2 + ReLU + pool -> pooled[1] ... conv5 -> y[3] -> bn5 + ReLU
//   -> conv5_out_ (NCHW, for the head)
//
// Backward: y[k] becomes d loss / d y[k] (bn_relu_pool_backward), then conv k's backward data
// writes d loss / d pooled[k] over pooled[k] once backward weights has read it.

struct ApcnnModel::Block {
    Block(nn::Context& context, int in, int out, const ApcnnConfig& config)
        : conv(context, in, out, nn::Conv2dOptions::square(3, 1)),
          bn(out, config.bn_eps, config.bn_momentum) {}
    nn::Conv2d conv;
    nn::BatchNorm2d bn;
};

namespace {

// Channel block of a layout the fused kernels handle (nChw16c, nChw8c, NCHW), 0 for others.
int block_of(const memory::desc& desc) {
    const memory::dims d = desc.dims();
    for (auto [tag, block] : {std::pair{memory::format_tag::aBcd16b, 16},
                              std::pair{memory::format_tag::aBcd8b, 8},
                              std::pair{memory::format_tag::abcd, 1}})
        if (desc == memory::desc(d, memory::data_type::f32, tag)) return block;
    return 0;
}

nn::BlockedMap map_of(const memory& m, int block) {
    const memory::dims d = m.get_desc().dims();
    return {static_cast<float*>(m.get_data_handle()), d[0], d[1], d[2], d[3], block};
}

nn::BlockedMap map_of(const Tensor& t) {
    return {const_cast<float*>(t.data()), t.dim(0), t.dim(1), t.dim(2), t.dim(3), 1};
}

// A convolution step whose destination the fused kernels can read: the primitive's choice, or
// plain NCHW when it picked another layout.
std::unique_ptr<nn::Conv2dStep> make_step(nn::Context& context, nn::Conv2d& conv,
                                          const memory::desc& src) {
    auto step = std::make_unique<nn::Conv2dStep>(context, conv, src);
    if (block_of(step->dst_desc()) && block_of(step->src_desc())) return step;
    const memory::desc plain = nn::plain_desc(src.dims());
    return std::make_unique<nn::Conv2dStep>(context, conv, plain, true);
}

memory::desc any_desc(const memory::dims& dims) {
    return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
}

} // namespace

struct ApcnnModel::TrainPlan {
    Shape shape;
    std::unique_ptr<nn::Conv2dStep> conv1a, conv1b, convs[kBlocks];
    nn::Stage x;         // the input in conv1's source layout (usually NCHW itself)
    memory a, b;         // conv1a / conv1b outputs, then their gradients
    memory pooled[kBlocks]; // conv k+2's source, then its gradient
    memory y[kBlocks];   // conv k+2's output, then its gradient
    std::vector<uint8_t> codes_a, codes_b, codes[kBlocks]; // pooling decisions for backward
    nn::BatchStatistics stats1, stats[kBlocks];
    Tensor grad_a, grad_b; // input gradient (optional)

    int block(const memory& m) const { return block_of(m.get_desc()); }
};

ApcnnModel::TrainPlan& ApcnnModel::train_plan(const Shape& shape) {
    if (train_plan_ && train_plan_->shape == shape) return *train_plan_;
    train_plan_.reset(); // free the old activations before allocating new ones
    auto plan = std::make_unique<TrainPlan>();
    auto& p = *plan;
    const auto& engine = context_.engine();
    p.shape = shape;
    const memory::dims x_dims = nn::to_dims(shape);
    p.conv1a = make_step(context_, conv1a_, any_desc(x_dims));
    p.conv1b = make_step(context_, conv1b_, p.conv1a->src_desc());
    if (p.conv1b->src_desc() != p.conv1a->src_desc())
        throw std::logic_error("apcnn: conv1a and conv1b chose different source layouts");
    p.x.init(engine, nn::plain_desc(x_dims), p.conv1a->src_desc());
    p.a = memory(p.conv1a->dst_desc(), engine);
    p.b = memory(p.conv1b->dst_desc(), engine);
    memory::dims d = p.conv1a->dst_desc().dims();
    for (int k = 0; k < kBlocks; ++k) {
        const memory::dims pooled = {d[0], config_.channels[k], d[2] / 2, d[3] / 2};
        p.convs[k] = make_step(context_, blocks_[k]->conv, any_desc(pooled));
        p.pooled[k] = memory(p.convs[k]->src_desc(), engine);
        // Padding lanes of a partial channel block must read as zeros; nothing writes them.
        std::memset(p.pooled[k].get_data_handle(), 0, p.convs[k]->src_desc().get_size());
        p.y[k] = memory(p.convs[k]->dst_desc(), engine);
        d = p.convs[k]->dst_desc().dims();
    }
    p.codes_a.resize(nn::pooled_code_count(map_of(p.a, p.block(p.a)), 2));
    p.codes_b.resize(nn::pooled_code_count(map_of(p.b, p.block(p.b)), 2));
    for (int k = 0; k < kBlocks; ++k)
        p.codes[k].resize(nn::pooled_code_count(map_of(p.y[k], p.block(p.y[k])),
                                                k + 1 < kBlocks ? 2 : 1));
    train_plan_ = std::move(plan);
    return *train_plan_;
}

// ---------------------------------------------------------------------------------------------
// Infer path: BN folded into the convolutions (w' = w * s, b' = b * s + t with the running-
// statistics transform s, t), ReLU as a post-op, activations in the primitives' own layouts.
//
//   x (nchw) -> conv1a, conv1b -> max-pool each -> concat (into conv2's source layout)
//   -> [conv2 -> pool -> reorder if conv3 wants another layout] ... -> conv5 -> reorder to nchw

namespace {

struct FoldedConv {
    memory::dims src_dims, weight_dims, dst_dims, strides, padding_l, padding_r;
    dnnl::convolution_forward::primitive_desc pd;
    dnnl::convolution_forward primitive;
    nn::Stage weights;
    Tensor folded_weight, folded_bias;
    memory dst;

    void init(const dnnl::engine& engine, const nn::Conv2d& conv, const memory::desc& src) {
        const auto& o = conv.options();
        src_dims = src.dims();
        weight_dims = {conv.out_channels(), conv.in_channels(), o.kernel_h, o.kernel_w};
        dst_dims = {src_dims[0], conv.out_channels(), conv.output_height(src_dims[2]),
                    conv.output_width(src_dims[3])};
        strides = {o.stride_h, o.stride_w};
        padding_l = {o.pad_top, o.pad_left};
        padding_r = {o.pad_bottom, o.pad_right};
        dnnl::post_ops ops;
        nn::compat::append_eltwise(ops, dnnl::algorithm::eltwise_relu);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        const auto any = [](const memory::dims& d) {
            return memory::desc(d, memory::data_type::f32, memory::format_tag::any);
        };
        pd = nn::compat::convolution_forward_pd(
            engine, dnnl::prop_kind::forward_inference, src, any(weight_dims),
            memory::desc({conv.out_channels()}, memory::data_type::f32, memory::format_tag::x),
            any(dst_dims), strides, padding_l, padding_r, attr);
        primitive = dnnl::convolution_forward(pd);
        weights.init(engine, nn::plain_desc(weight_dims), pd.weights_desc());
        folded_weight.resize(Shape(weight_dims.begin(), weight_dims.end()));
        folded_bias.resize({conv.out_channels()});
        dst = memory(pd.dst_desc(), engine);
    }

    // Folds BN channels [first, first + out) into the convolution's weights and bias.
    void fold(const nn::Conv2d& conv, const std::vector<float>& scale,
              const std::vector<float>& shift, int first) {
        const int64_t out = conv.out_channels();
        const int64_t per = conv.weight.value.size() / out;
        for (int64_t o = 0; o < out; ++o) {
            const float s = scale[first + o];
            const float* w = conv.weight.value.data() + o * per;
            float* fw = folded_weight.data() + o * per;
            for (int64_t i = 0; i < per; ++i) fw[i] = w[i] * s;
            const float b = conv.has_bias() ? conv.bias.value[o] : 0.0f;
            folded_bias[o] = b * s + shift[first + o];
        }
    }

    void run(nn::Context& context, const memory& src) {
        const auto& engine = context.engine();
        context.execute(primitive,
                        {{DNNL_ARG_SRC, src},
                         {DNNL_ARG_WEIGHTS,
                          weights.in(context, folded_weight.memory(engine, nn::plain_desc(weight_dims)))},
                         {DNNL_ARG_BIAS, folded_bias.memory(engine)},
                         {DNNL_ARG_DST, dst}});
    }
};

struct MaxPool {
    dnnl::pooling_forward primitive;
    memory dst;

    void init(const dnnl::engine& engine, const memory::desc& src) {
        const memory::dims s = src.dims();
        const memory::dims d = {s[0], s[1], (s[2] - 2) / 2 + 1, (s[3] - 2) / 2 + 1};
        const memory::dims padding_r = {(d[2] - 1) * 2 + 2 - s[2], (d[3] - 1) * 2 + 2 - s[3]};
        auto pd = nn::compat::pooling_forward_pd(
            engine, dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max, src,
            memory::desc(d, memory::data_type::f32, memory::format_tag::any), {2, 2}, {2, 2},
            {0, 0}, padding_r);
        primitive = dnnl::pooling_forward(pd);
        dst = memory(pd.dst_desc(), engine);
    }
    void run(nn::Context& context, const memory& src) {
        context.execute(primitive, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    }
};

} // namespace

struct ApcnnModel::InferencePlan {
    FoldedConv conv1a, conv1b;
    MaxPool pool1a, pool1b;
    dnnl::concat concat;
    memory concat_dst;
    FoldedConv convs[kBlocks];
    MaxPool pools[kBlocks - 1];
    dnnl::reorder to_next[kBlocks - 1]; // pool output -> next conv's source layout, if needed
    memory next_src[kBlocks - 1];
    bool reorder_next[kBlocks - 1] = {};
    bool reorder_conv5 = false; // conv5 layout -> nchw
    dnnl::reorder conv5_to_plain;
    memory::desc conv5_plain;
    std::vector<float> scale, shift;
};

// ---------------------------------------------------------------------------------------------
// Model

ApcnnModel::ApcnnModel(nn::Context& context, const ApcnnConfig& config)
    : context_(context), config_(config),
      conv1a_(context, 1, config.channels[0] / 2, nn::Conv2dOptions::same(10, 2)),
      conv1b_(context, 1, config.channels[0] / 2, nn::Conv2dOptions::same(2, 8)),
      bn1_(config.channels[0], config.bn_eps, config.bn_momentum) {
    config_ = ApcnnConfig::from_json(config.to_json()); // validates
    for (int k = 0; k < kBlocks; ++k)
        blocks_.push_back(std::make_unique<Block>(context, config_.channels[k],
                                                  config_.channels[k + 1], config_));
    if (config_.pooling == "att")
        att_ = std::make_unique<nn::AttentionPool2d>(config_.channels.back(), config_.K);
    else
        fc_ = std::make_unique<nn::Linear>(context, config_.channels.back(), config_.K);
}

ApcnnModel::~ApcnnModel() = default;

std::unique_ptr<ApcnnModel> ApcnnModel::from_config(nn::Context& context, const nlohmann::json& j) {
    return std::make_unique<ApcnnModel>(context, ApcnnConfig::from_json(j));
}

std::vector<nn::BatchNorm2d*> ApcnnModel::batch_norms() {
    std::vector<nn::BatchNorm2d*> all = {&bn1_};
    for (auto& block : blocks_) all.push_back(&block->bn);
    return all;
}

nn::ParameterTable ApcnnModel::parameters() {
    nn::ParameterTable table;
    nn::append_with_prefix(table, "conv1a", conv1a_.parameters());
    nn::append_with_prefix(table, "conv1b", conv1b_.parameters());
    nn::append_with_prefix(table, "bn1", bn1_.parameters());
    for (int k = 0; k < kBlocks; ++k) {
        nn::append_with_prefix(table, "conv" + std::to_string(k + 2), blocks_[k]->conv.parameters());
        nn::append_with_prefix(table, "bn" + std::to_string(k + 2), blocks_[k]->bn.parameters());
    }
    if (att_) nn::append_with_prefix(table, "att", att_->parameters());
    if (fc_) nn::append_with_prefix(table, "fc", fc_->parameters());
    return table;
}

void ApcnnModel::init(nn::Rng& rng) {
    conv1a_.init_default(rng);
    conv1b_.init_default(rng);
    bn1_.init_default();
    for (auto& block : blocks_) {
        block->conv.init_default(rng);
        block->bn.init_default();
    }
    if (att_) att_->init_default(rng);
    if (fc_) fc_->init_xavier(rng);
}

const Tensor& ApcnnModel::attention_map() const {
    if (!att_) throw std::logic_error("apcnn: attention_map() of a model with pooling=gap");
    return att_->attention_map();
}

const Tensor& ApcnnModel::forward(const Batch& batch, Mode mode) {
    return forward(batch.features, mode);
}

const Tensor& ApcnnModel::forward(const Tensor& x, Mode mode) {
    if (x.rank() != 4 || x.dim(1) != 1)
        throw std::invalid_argument("apcnn: input has shape " + nn::shape_to_string(x.shape()) +
                                    ", expected [B, 1, 400, 200]");
    return mode == Mode::Train ? forward_train(x) : forward_infer(x);
}

const Tensor& ApcnnModel::forward_train(const Tensor& x) {
    auto& p = train_plan(x.shape());
    const auto& engine = context_.engine();
    input_.copy_from(x); // conv1's backward reads it; the caller's tensor may change before
    const memory x_mem = p.x.in(context_, input_.memory(engine, nn::plain_desc(nn::to_dims(x.shape()))));
    p.conv1a->forward(x_mem, p.a);
    p.conv1b->forward(x_mem, p.b);
    const int half = conv1a_.out_channels();
    const nn::BlockedMap a = map_of(p.a, p.block(p.a)), b = map_of(p.b, p.block(p.b));
    nn::bn_batch_statistics(bn1_, a, 0, p.stats1);
    nn::bn_batch_statistics(bn1_, b, half, p.stats1);
    bn1_.num_batches_tracked.value[0] += 1.0f;
    const nn::BlockedMap pooled0 = map_of(p.pooled[0], p.block(p.pooled[0]));
    nn::bn_relu_pool_forward(bn1_, p.stats1, a, 0, 2, pooled0, 0, p.codes_a.data());
    nn::bn_relu_pool_forward(bn1_, p.stats1, b, half, 2, pooled0, half, p.codes_b.data());
    for (int k = 0; k < kBlocks; ++k) {
        p.convs[k]->forward(p.pooled[k], p.y[k]);
        nn::BatchNorm2d& bn = blocks_[k]->bn;
        const nn::BlockedMap y = map_of(p.y[k], p.block(p.y[k]));
        nn::bn_batch_statistics(bn, y, 0, p.stats[k]);
        bn.num_batches_tracked.value[0] += 1.0f;
        if (k + 1 < kBlocks) {
            nn::bn_relu_pool_forward(bn, p.stats[k], y, 0, 2,
                                     map_of(p.pooled[k + 1], p.block(p.pooled[k + 1])), 0,
                                     p.codes[k].data());
        } else {
            conv5_out_.resize({y.N, y.C, y.H, y.W});
            nn::bn_relu_pool_forward(bn, p.stats[k], y, 0, 1, map_of(conv5_out_), 0,
                                     p.codes[k].data());
        }
    }
    const Tensor& c5 = conv5_out_;
    const int64_t B = x.dim(0);

    if (att_) {
        logits_.copy_from(att_->forward(c5, Mode::Train));
    } else {
        const int64_t C = c5.dim(1), P = c5.dim(2) * c5.dim(3);
        pooled_.resize({B, C});
        for (int64_t i = 0; i < B * C; ++i) {
            double sum = 0.0;
            for (int64_t q = 0; q < P; ++q) sum += c5[i * P + q];
            pooled_[i] = static_cast<float>(sum / P);
        }
        logits_.copy_from(fc_->forward(pooled_, Mode::Train));
    }
    trained_forward_ = true;
    return logits_;
}

float ApcnnModel::backward(const Batch& batch) {
    auto found = batch.targets.find("emotion");
    if (found == batch.targets.end())
        throw std::invalid_argument("apcnn: the batch has no 'emotion' targets");
    const float loss = loss_.forward(logits_, found->second);
    backward_logits(loss_.backward());
    return loss;
}

void ApcnnModel::backward_logits(const Tensor& grad_logits) {
    if (!trained_forward_) throw std::logic_error("apcnn: backward without a Train-mode forward");
    if (grad_logits.shape() != logits_.shape())
        throw std::invalid_argument("apcnn: logit gradient " +
                                    nn::shape_to_string(grad_logits.shape()) + ", expected " +
                                    nn::shape_to_string(logits_.shape()));
    const Tensor* d = nullptr;
    if (att_) {
        d = &att_->backward(grad_logits);
    } else {
        const Tensor& dp = fc_->backward(grad_logits);
        const Tensor& c5 = conv5_out_;
        const int64_t P = c5.dim(2) * c5.dim(3);
        grad_conv5_.resize(c5.shape());
        for (int64_t i = 0; i < dp.size(); ++i) {
            const float g = dp[i] / static_cast<float>(P);
            std::fill(grad_conv5_.data() + i * P, grad_conv5_.data() + (i + 1) * P, g);
        }
        d = &grad_conv5_;
    }
    auto& p = *train_plan_;
    for (int k = kBlocks - 1; k >= 0; --k) {
        const nn::BlockedMap dy = k + 1 < kBlocks
            ? map_of(p.pooled[k + 1], p.block(p.pooled[k + 1])) : map_of(*d);
        nn::bn_relu_pool_backward(blocks_[k]->bn, p.stats[k], map_of(p.y[k], p.block(p.y[k])), 0,
                                  k + 1 < kBlocks ? 2 : 1, dy, 0, p.codes[k].data());
        p.convs[k]->backward_weights(p.pooled[k], p.y[k]);
        p.convs[k]->backward_data(p.y[k], p.pooled[k]);
    }
    const int half = conv1a_.out_channels();
    const nn::BlockedMap pooled0 = map_of(p.pooled[0], p.block(p.pooled[0]));
    nn::bn_relu_pool_backward(bn1_, p.stats1, map_of(p.a, p.block(p.a)), 0, 2, pooled0, 0,
                              p.codes_a.data());
    nn::bn_relu_pool_backward(bn1_, p.stats1, map_of(p.b, p.block(p.b)), half, 2, pooled0, half,
                              p.codes_b.data());
    const auto& engine = context_.engine();
    const memory::desc plain_x = nn::plain_desc(nn::to_dims(input_.shape()));
    const memory x_mem = p.x.needed() ? p.x.buffer() : input_.memory(engine, plain_x);
    p.conv1a->backward_weights(x_mem, p.a);
    p.conv1b->backward_weights(x_mem, p.b);
    if (want_input_grad_) {
        // oneDNN has only a reference kernel for this (one input channel); fine for the small
        // inputs of gradient checks.
        const memory::desc& src = p.conv1a->src_desc();
        p.grad_a.resize({static_cast<int64_t>(src.get_size() / sizeof(float))});
        p.grad_b.resize(p.grad_a.shape());
        p.conv1a->backward_data(p.a, p.grad_a.memory(engine, src));
        p.conv1b->backward_data(p.b, p.grad_b.memory(engine, src));
        for (int64_t i = 0; i < p.grad_a.size(); ++i) p.grad_a[i] += p.grad_b[i];
        grad_input_.resize(input_.shape());
        const memory user_dx = grad_input_.memory(engine, plain_x);
        if (p.x.needed())
            context_.execute(dnnl::reorder(p.grad_a.memory(engine, src), user_dx),
                             {{DNNL_ARG_FROM, p.grad_a.memory(engine, src)},
                              {DNNL_ARG_TO, user_dx}});
        else
            std::memcpy(grad_input_.data(), p.grad_a.data(), sizeof(float) * grad_input_.size());
    }
}

const Tensor& ApcnnModel::forward_infer(const Tensor& x) {
    const auto& engine = context_.engine();
    auto found = plans_.find(x.shape());
    if (found == plans_.end()) {
        // Batch sizes vary (segments per utterance); keep a few plans, not one per size ever seen.
        if (plans_.size() >= kMaxPlans) plans_.clear();
        auto plan = std::make_unique<InferencePlan>();
        auto& p = *plan;
        const memory::desc src = nn::plain_desc(nn::to_dims(x.shape()));
        p.conv1a.init(engine, conv1a_, src);
        p.conv1b.init(engine, conv1b_, src);
        p.pool1a.init(engine, p.conv1a.pd.dst_desc());
        p.pool1b.init(engine, p.conv1b.pd.dst_desc());
        const memory::dims half = p.pool1a.dst.get_desc().dims();
        const memory::dims cat = {half[0], 2 * half[1], half[2], half[3]};
        // conv2 chooses its source layout; the concatenation writes straight into it.
        p.convs[0].init(engine, blocks_[0]->conv,
                        memory::desc(cat, memory::data_type::f32, memory::format_tag::any));
        auto cat_pd = nn::compat::concat_pd(engine, p.convs[0].pd.src_desc(), 1,
                                            {p.pool1a.dst.get_desc(), p.pool1b.dst.get_desc()});
        p.concat = dnnl::concat(cat_pd);
        p.concat_dst = memory(cat_pd.dst_desc(), engine);
        for (int k = 0; k + 1 < kBlocks; ++k) {
            p.pools[k].init(engine, p.convs[k].pd.dst_desc());
            const memory::desc pooled = p.pools[k].dst.get_desc();
            const memory::desc next_any(pooled.dims(), memory::data_type::f32,
                                        memory::format_tag::any);
            p.convs[k + 1].init(engine, blocks_[k + 1]->conv, next_any);
            const memory::desc wanted = p.convs[k + 1].pd.src_desc();
            p.reorder_next[k] = wanted != pooled;
            if (p.reorder_next[k]) {
                p.to_next[k] = dnnl::reorder(
                    dnnl::reorder::primitive_desc(engine, pooled, engine, wanted));
                p.next_src[k] = memory(wanted, engine);
            } else {
                p.next_src[k] = p.pools[k].dst;
            }
        }
        p.conv5_plain = nn::plain_desc(p.convs[kBlocks - 1].dst_dims);
        p.reorder_conv5 = p.conv5_plain != p.convs[kBlocks - 1].pd.dst_desc();
        if (p.reorder_conv5)
            p.conv5_to_plain = dnnl::reorder(dnnl::reorder::primitive_desc(
                engine, p.convs[kBlocks - 1].pd.dst_desc(), engine, p.conv5_plain));
        found = plans_.emplace(x.shape(), std::move(plan)).first;
    }
    auto& p = *found->second;

    bn1_.inference_affine(p.scale, p.shift);
    p.conv1a.fold(conv1a_, p.scale, p.shift, 0);
    p.conv1b.fold(conv1b_, p.scale, p.shift, conv1a_.out_channels());
    const memory x_mem = x.memory(engine, nn::plain_desc(nn::to_dims(x.shape())));
    p.conv1a.run(context_, x_mem);
    p.conv1b.run(context_, x_mem);
    p.pool1a.run(context_, p.conv1a.dst);
    p.pool1b.run(context_, p.conv1b.dst);
    context_.execute(p.concat, {{DNNL_ARG_MULTIPLE_SRC, p.pool1a.dst},
                                {DNNL_ARG_MULTIPLE_SRC + 1, p.pool1b.dst},
                                {DNNL_ARG_DST, p.concat_dst}});
    const memory* src = &p.concat_dst;
    for (int k = 0; k < kBlocks; ++k) {
        blocks_[k]->bn.inference_affine(p.scale, p.shift);
        p.convs[k].fold(blocks_[k]->conv, p.scale, p.shift, 0);
        p.convs[k].run(context_, *src);
        if (k + 1 == kBlocks) break;
        p.pools[k].run(context_, p.convs[k].dst);
        if (p.reorder_next[k])
            context_.execute(p.to_next[k],
                             {{DNNL_ARG_FROM, p.pools[k].dst}, {DNNL_ARG_TO, p.next_src[k]}});
        src = &p.next_src[k];
    }
    const auto& d5 = p.convs[kBlocks - 1].dst_dims;
    Tensor& c5 = conv5_out_;
    c5.resize(Shape(d5.begin(), d5.end()));
    const memory c5_mem = c5.memory(engine, p.conv5_plain);
    if (p.reorder_conv5)
        context_.execute(p.conv5_to_plain,
                         {{DNNL_ARG_FROM, p.convs[kBlocks - 1].dst}, {DNNL_ARG_TO, c5_mem}});
    else
        std::memcpy(c5.data(), p.convs[kBlocks - 1].dst.get_data_handle(),
                    sizeof(float) * c5.size());

    const int64_t B = c5.dim(0);
    if (att_) {
        logits_.copy_from(att_->forward(c5, Mode::Infer));
    } else {
        const int64_t C = c5.dim(1), P = c5.dim(2) * c5.dim(3);
        pooled_.resize({B, C});
        for (int64_t i = 0; i < B * C; ++i) {
            double sum = 0.0;
            for (int64_t q = 0; q < P; ++q) sum += c5[i * P + q];
            pooled_[i] = static_cast<float>(sum / P);
        }
        logits_.copy_from(fc_->forward(pooled_, Mode::Infer));
    }
    trained_forward_ = false;
    return logits_;
}

Tensor ApcnnModel::utterance_probabilities(const Tensor& segment_logits) {
    if (segment_logits.rank() != 2 || segment_logits.dim(0) < 1)
        throw std::invalid_argument("apcnn: utterance_probabilities needs logits [segments, K], "
                                    "got " + nn::shape_to_string(segment_logits.shape()));
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
