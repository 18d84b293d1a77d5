#include "models/stl_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nn/dnnl_compat.h"
#include "nn/features.h"
#include "nn/layout.h"

namespace emotion::models {

using nn::Mode;
using nn::Tensor;

namespace {

void add_into(float* dst, const float* src, int64_t n) {
    for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}


} // namespace

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
            if (p.is_null()) c.pools.push_back({0, 0});
            else c.pools.push_back(p.get<std::vector<int>>());
        }
    }
    c.rnn_hidden = j.value("rnn_hidden", c.rnn_hidden);
    c.d = j.value("d", c.d);
    c.heads = j.value("heads", c.heads);
    c.ffn = j.value("ffn", c.ffn);
    c.n_layers = j.value("n_layers", c.n_layers);
    c.dropout = j.value("dropout", c.dropout);

    auto fail = [](const std::string& what) { throw std::invalid_argument("stl config: " + what); };
    if (c.n_feat <= 0 || c.K <= 0 || c.rnn_hidden <= 0 || c.d <= 0 || c.heads <= 0 || c.ffn <= 0 ||
        c.n_layers < 0)
        fail("n_feat, K, rnn_hidden, d, heads, ffn must be positive and n_layers >= 0");
    if (c.channels.empty() || c.channels.size() != c.pools.size())
        fail("channels and pools need one entry per block (got " + std::to_string(c.channels.size()) +
             " and " + std::to_string(c.pools.size()) + ")");
    for (int ch : c.channels)
        if (ch <= 0) fail("channels must be positive");
    for (const auto& p : c.pools) {
        if (p.size() != 2) fail("each pool is [time, feature] or null");
        const bool none = p[0] == 0 && p[1] == 0;
        if (!none && (p[0] <= 0 || p[1] <= 0)) fail("pool sizes must be positive");
    }
    if (c.d % c.heads != 0) fail("d must be a multiple of heads");
    if (c.feature_out() <= 0) fail("the pools reduce the " + std::to_string(c.n_feat) + " features to nothing");
    if (c.dropout < 0 || c.dropout >= 1) fail("dropout must be in [0, 1)");
    return c;
}

nlohmann::json StlConfig::to_json() const {
    nlohmann::json pool_json = nlohmann::json::array();
    for (const auto& p : pools)
        pool_json.push_back(p[0] == 0 && p[1] == 0 ? nlohmann::json(nullptr) : nlohmann::json(p));
    return {{"n_feat", n_feat}, {"K", K},         {"channels", channels}, {"pools", pool_json},
            {"rnn_hidden", rnn_hidden}, {"d", d}, {"heads", heads},       {"ffn", ffn},
            {"n_layers", n_layers}, {"dropout", dropout}};
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
// Block: Conv2d 3x3 pad 1, BatchNorm2d, ELU, optional average pool

struct StlModel::Block {
    Block(nn::Context& context, int cin, int cout, const std::vector<int>& pool)
        : conv(context, cin, cout, nn::Conv2dOptions::square(3, 1)), bn(cout) {
        if (pool[0] > 0)
            this->pool = std::make_unique<nn::Pool2d>(
                context, nn::Pool2dOptions::of(nn::PoolOp::Average, pool[0], pool[1]));
    }

    const Tensor& forward(const Tensor& x, Mode mode) {
        const Tensor& y = elu.forward(bn.forward(conv.forward(x, mode), mode), mode);
        return pool ? pool->forward(y, mode) : y;
    }

    // Returns d input (or nullptr when `input_grad` is false: weights only).
    const Tensor* backward(const Tensor& dy, bool input_grad) {
        const Tensor& g = pool ? pool->backward(dy) : dy;
        const Tensor& gb = bn.backward(elu.backward(g));
        if (!input_grad) {
            conv.backward_weights(gb);
            return nullptr;
        }
        return &conv.backward(gb);
    }

    nn::Conv2d conv;
    nn::BatchNorm2d bn;
    nn::ELU elu;
    std::unique_ptr<nn::Pool2d> pool;
};

// ---------------------------------------------------------------------------------------------
// Infer path of the CNN: BatchNorm (running statistics) folded into each convolution
// (w' = w * s, b' = b * s + t), ELU as the convolution's post-op, average pooling on the
// primitives' own (blocked) layouts; one reorder back to NCHW at the end. Built per input shape.

namespace {

using dnnl::memory;

memory::desc any_desc(const memory::dims& dims) {
    return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
}

} // namespace

struct StlModel::InferencePlan {
    struct Stage {
        memory::dims weight_dims;
        dnnl::convolution_forward conv;
        nn::Stage weights; // plain folded weights -> the convolution's layout
        bool reorder_src = false;
        dnnl::reorder to_src;
        memory src, conv_dst;
        bool has_pool = false;
        dnnl::pooling_forward pool;
        memory pool_dst;
        Tensor folded_weight, folded_bias;
        const memory& out() const { return has_pool ? pool_dst : conv_dst; }
    };
    std::vector<Stage> stages;
    dnnl::reorder to_plain;
    bool reorder_out = false;
    memory::desc plain_out;
    std::vector<float> scale, shift;
};

StlModel::InferencePlan& StlModel::plan_for(const nn::Shape& input_shape) {
    auto it = plans_.find(input_shape);
    if (it != plans_.end()) return *it->second;
    // Segments of many lengths (whole utterances): keep a bounded number of plans.
    if (plans_.size() >= kMaxPlans) plans_.clear();
    const auto& engine = context_.engine();
    auto plan = std::make_unique<InferencePlan>();
    memory::desc prev = nn::plain_desc(nn::to_dims(input_shape));
    memory::dims dims = nn::to_dims(input_shape);
    plan->stages.resize(blocks_.size());
    for (size_t i = 0; i < blocks_.size(); ++i) {
        auto& st = plan->stages[i];
        const Block& block = *blocks_[i];
        const auto& o = block.conv.options();
        const memory::dim cout = block.conv.out_channels();
        st.weight_dims = {cout, block.conv.in_channels(), o.kernel_h, o.kernel_w};
        const memory::dims conv_out = {dims[0], cout, block.conv.output_height(dims[2]),
                                       block.conv.output_width(dims[3])};
        dnnl::post_ops ops;
        nn::compat::append_eltwise(ops, dnnl::algorithm::eltwise_elu, 1.0f);
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        // The first convolution reads the user's NCHW input; later ones pick their layout.
        const memory::desc src = i == 0 ? prev : any_desc(dims);
        auto pd = nn::compat::convolution_forward_pd(
            engine, dnnl::prop_kind::forward_inference, src, any_desc(st.weight_dims),
            memory::desc({cout}, memory::data_type::f32, memory::format_tag::x), any_desc(conv_out),
            {o.stride_h, o.stride_w}, {o.pad_top, o.pad_left}, {o.pad_bottom, o.pad_right}, attr);
        st.conv = dnnl::convolution_forward(pd);
        st.weights.init(engine, nn::plain_desc(st.weight_dims), pd.weights_desc());
        st.folded_weight.resize(nn::Shape(st.weight_dims.begin(), st.weight_dims.end()));
        st.folded_bias.resize({cout});
        if (i > 0 && pd.src_desc() != prev) {
            st.reorder_src = true;
            st.src = memory(pd.src_desc(), engine);
            st.to_src = dnnl::reorder(dnnl::reorder::primitive_desc(engine, prev, engine, pd.src_desc()));
        }
        st.conv_dst = memory(pd.dst_desc(), engine);
        prev = pd.dst_desc();
        dims = conv_out;
        if (block.pool) {
            const auto& po = block.pool->options();
            const memory::dims pooled = {dims[0], dims[1], (dims[2] - po.kernel_h) / po.stride_h + 1,
                                         (dims[3] - po.kernel_w) / po.stride_w + 1};
            // Floor mode: a negative right padding drops the trailing rows / columns.
            const memory::dims padding_r = {(pooled[2] - 1) * po.stride_h + po.kernel_h - dims[2],
                                            (pooled[3] - 1) * po.stride_w + po.kernel_w - dims[3]};
            auto ppd = nn::compat::pooling_forward_pd(
                engine, dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding,
                prev, any_desc(pooled), {po.stride_h, po.stride_w}, {po.kernel_h, po.kernel_w}, {0, 0},
                padding_r);
            st.has_pool = true;
            st.pool = dnnl::pooling_forward(ppd);
            st.pool_dst = memory(ppd.dst_desc(), engine);
            prev = ppd.dst_desc();
            dims = pooled;
        }
    }
    plan->plain_out = nn::plain_desc(dims);
    if (prev != plan->plain_out) {
        plan->reorder_out = true;
        plan->to_plain = dnnl::reorder(dnnl::reorder::primitive_desc(engine, prev, engine, plan->plain_out));
    }
    return *plans_.emplace(input_shape, std::move(plan)).first->second;
}

void StlModel::cnn_infer(const Tensor& x) {
    auto& p = plan_for(x.shape());
    const auto& engine = context_.engine();
    memory prev = x.memory(engine);
    for (size_t i = 0; i < blocks_.size(); ++i) {
        auto& st = p.stages[i];
        Block& block = *blocks_[i];
        // Fold the running statistics (cheap; parameters may change between calls).
        block.bn.inference_affine(p.scale, p.shift);
        const int64_t out = block.conv.out_channels(), per = block.conv.weight.value.size() / out;
        for (int64_t o = 0; o < out; ++o) {
            const float sc = p.scale[o];
            const float* w = block.conv.weight.value.data() + o * per;
            float* fw = st.folded_weight.data() + o * per;
            for (int64_t k = 0; k < per; ++k) fw[k] = w[k] * sc;
            st.folded_bias[o] = (block.conv.has_bias() ? block.conv.bias.value[o] : 0.0f) * sc + p.shift[o];
        }
        memory src = prev;
        if (st.reorder_src) {
            context_.execute(st.to_src, {{DNNL_ARG_FROM, prev}, {DNNL_ARG_TO, st.src}});
            src = st.src;
        }
        context_.execute(st.conv,
                         {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_WEIGHTS,
                           st.weights.in(context_, st.folded_weight.memory(engine, nn::plain_desc(st.weight_dims)))},
                          {DNNL_ARG_BIAS, st.folded_bias.memory(engine)},
                          {DNNL_ARG_DST, st.conv_dst}});
        if (st.has_pool) context_.execute(st.pool, {{DNNL_ARG_SRC, st.conv_dst}, {DNNL_ARG_DST, st.pool_dst}});
        prev = st.out();
    }
    const memory::dims d = p.plain_out.dims();
    cnn_out_.resize(nn::Shape(d.begin(), d.end()));
    if (p.reorder_out)
        context_.execute(p.to_plain, {{DNNL_ARG_FROM, prev}, {DNNL_ARG_TO, cnn_out_.memory(engine)}});
    else
        std::copy(static_cast<const float*>(prev.get_data_handle()),
                  static_cast<const float*>(prev.get_data_handle()) + cnn_out_.size(), cnn_out_.data());
}

// ---------------------------------------------------------------------------------------------
// Model

StlModel::StlModel(nn::Context& context, const StlConfig& config)
    : context_(context), config_(config), dropout_rng_(0x57a1),
      rnn_(context, config.channels.back() * config.feature_out(), config.rnn_hidden, true),
      proj_(context, 2 * config.rnn_hidden, config.d), fc_(context, config.d, config.K) {
    int cin = 1;
    for (size_t i = 0; i < config.channels.size(); ++i) {
        blocks_.push_back(std::make_unique<Block>(context, cin, config.channels[i], config.pools[i]));
        cin = config.channels[i];
    }
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

std::vector<nn::BatchNorm2d*> StlModel::batch_norms() {
    std::vector<nn::BatchNorm2d*> all;
    for (auto& block : blocks_) all.push_back(&block->bn);
    return all;
}

nn::ParameterTable StlModel::parameters() {
    nn::ParameterTable table;
    for (size_t i = 0; i < blocks_.size(); ++i) {
        const std::string p = "cnn." + std::to_string(i);
        nn::append_with_prefix(table, p + ".0", blocks_[i]->conv.parameters());
        nn::append_with_prefix(table, p + ".1", blocks_[i]->bn.parameters());
    }
    nn::append_with_prefix(table, "rnn", rnn_.parameters());
    nn::append_with_prefix(table, "proj", proj_.parameters());
    for (size_t i = 0; i < layers_.size(); ++i)
        nn::append_with_prefix(table, "stl." + std::to_string(i), layers_[i]->parameters());
    nn::append_with_prefix(table, "fc", fc_.parameters());
    return table;
}

void StlModel::init(nn::Rng& rng) {
    for (auto& b : blocks_) {
        b->conv.init_default(rng);
        b->bn.init_default();
    }
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
                                        " frames; the model needs " + std::to_string(r) + ".." + std::to_string(T));
        frames_[b] = static_cast<int>(L / r);
        masked_ |= frames_[b] != T / r;
    }

    // CNN on [B, 1, T, F] (same bytes as x).
    normalized_.copy_from(x);
    normalized_.reshape({B, 1, T, F});
    if (mode == Mode::Train) {
        const Tensor* h = &normalized_;
        for (auto& block : blocks_) h = &block->forward(*h, mode);
        cnn_out_.copy_from(*h);
    } else {
        cnn_infer(normalized_);
    }

    // [B, C, T', F'] -> [B, T', C * F'] (index c * F' + f).
    const int64_t C = cnn_out_.dim(1), Tp = cnn_out_.dim(2), Fp = cnn_out_.dim(3);
    sequence_.resize({B, Tp, C * Fp});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t t = 0; t < Tp; ++t) {
                const float* src = cnn_out_.data() + ((b * C + c) * Tp + t) * Fp;
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
    const int64_t C = cnn_out_.dim(1), Fp = cnn_out_.dim(3);
    grad_cnn_.resize(cnn_out_.shape());
    for (int64_t b = 0; b < B; ++b)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t t = 0; t < Tp; ++t) {
                const float* src = g_rnn.data() + (b * Tp + t) * C * Fp + c * Fp;
                std::copy(src, src + Fp, grad_cnn_.data() + ((b * C + c) * Tp + t) * Fp);
            }
    const Tensor* gc = &grad_cnn_;
    for (size_t i = blocks_.size(); i-- > 0;) {
        const bool need_input = i > 0 || want_input_grad_;
        const Tensor* next = blocks_[i]->backward(*gc, need_input);
        if (i == 0 && next) {
            grad_input_.copy_from(*next);
            grad_input_.reshape({B, next->dim(2), next->dim(3)});
        }
        gc = next;
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
                                        std::to_string(lengths[b]) + ", expected 1.." + std::to_string(x.dim(1)));
    nn::znormalize(x, lengths, input_normalized_);
    return forward_normalized(input_normalized_, lengths, mode);
}

float StlModel::backward(const Batch& batch) {
    auto it = batch.targets.find("emotion");
    if (it == batch.targets.end()) throw std::invalid_argument("stl backward: the batch has no emotion targets");
    const float loss = loss_.forward(logits_, it->second);
    backward_logits(loss_.backward());
    return loss;
}

} // namespace emotion::models
