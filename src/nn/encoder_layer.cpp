#include "nn/encoder_layer.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/activations.h"
#include "nn/features.h"
#include "nn/init.h"
#include "nn/parallel.h"

namespace emotion::nn {

namespace {

// dst[b, t, :] = src[b, t, :] + table[t, :]
void add_positions(Tensor& dst, const Tensor& src, const Tensor& table) {
    dst.resize(src.shape());
    const int64_t B = src.dim(0), T = src.dim(1), d = src.dim(2);
    const float* p = table.data();
    parallel_ranges(B * T, B * T * d, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const float* s = src.data() + r * d;
            const float* pr = p + (r % T) * d;
            float* o = dst.data() + r * d;
            for (int64_t i = 0; i < d; ++i) o[i] = s[i] + pr[i];
        }
    });
}

AttentionOptions attention_options(const EncoderLayerOptions& o, bool key_sparse) {
    AttentionOptions a;
    a.d = o.d;
    a.heads = o.heads;
    a.dropout = o.dropout;
    a.key_sparse = key_sparse;
    a.keep_rate = o.keep_rate;
    return a;
}

void check_options(const EncoderLayerOptions& o) {
    if (o.d <= 0 || o.ffn <= 0)
        throw std::invalid_argument("encoder layer: d and ffn must be positive, got d = " +
                                    std::to_string(o.d) + ", ffn = " + std::to_string(o.ffn));
}

// Backward through the tail and the attention in front of it, into `grad`: the gradient of the
// input that is both the tail's residual and the attention's query.
void tail_and_attention_backward(PostLnTail& tail, MultiheadAttention& attention, const Tensor& dy,
                                 Tensor& grad) {
    tail.backward(dy);
    attention.backward(tail.grad_attention());
    grad.copy_from(tail.grad_residual());
    add_into(grad.data(), attention.grad_query().data(), grad.size());
}

} // namespace

void init_linear_default(Linear& linear, Rng& rng) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(linear.in_features()));
    uniform(linear.weight.value, -bound, bound, rng);
    if (!linear.bias.value.empty()) uniform(linear.bias.value, -bound, bound, rng);
}

// ---------------------------------------------------------------------------------------------
// PostLnTail

PostLnTail::PostLnTail(Context& context, const EncoderLayerOptions& options, Rng* dropout_rng)
    : linear1(context, options.d, options.ffn), linear2(context, options.ffn, options.d),
      norm1(context, options.d), norm2(context, options.d), options_(options), dropout_rng_(dropout_rng),
      workspace_(context.workspace()), drop1_(options.dropout, dropout_rng),
      drop_ffn_(options.dropout, dropout_rng), drop2_(options.dropout, dropout_rng) {
    check_options(options);
}

void PostLnTail::append_parameters(ParameterTable& table) {
    append_with_prefix(table, "linear1", linear1.parameters());
    append_with_prefix(table, "linear2", linear2.parameters());
    append_with_prefix(table, "norm1", norm1.parameters());
    append_with_prefix(table, "norm2", norm2.parameters());
}

void PostLnTail::init(Rng& rng) {
    init_linear_default(linear1, rng);
    init_linear_default(linear2, rng);
    norm1.reset();
    norm2.reset();
}

const Tensor& PostLnTail::forward(const Tensor& residual, const Tensor& attention, Mode mode) {
    if (residual.shape() != attention.shape())
        throw std::invalid_argument("PostLnTail: residual " + shape_to_string(residual.shape()) +
                                    " and attention output " + shape_to_string(attention.shape()) +
                                    " differ");
    // r + a and x1 + f only feed the LayerNorms, which keep x-hat: one scratch tensor for both.
    Tensor& sum = workspace_[Scratch::TailSum];
    sum.copy_from(attention);
    drop1_.forward_in_place(sum.data(), sum.size(), mode);
    add_into(sum.data(), residual.data(), sum.size());
    x1_ = &norm1.forward(sum, mode);

    linear1.forward_into(*x1_, hidden_);
    relu_forward(hidden_.data(), hidden_.data(), hidden_.size());
    drop_ffn_.forward_in_place(hidden_.data(), hidden_.size(), mode);
    linear2.forward_into(hidden_, sum); // f

    drop2_.forward_in_place(sum.data(), sum.size(), mode);
    add_into(sum.data(), x1_->data(), sum.size());
    return norm2.forward(sum, mode);
}

const Tensor& PostLnTail::backward(const Tensor& dy) {
    Tensor& grad_sum = workspace_[Scratch::TailGradSum];
    norm2.backward_into(dy, grad_sum); // d sum2 = d x1 (residual) + d f
    Tensor& grad_ffn = workspace_[Scratch::TailGradFfn];
    grad_ffn.copy_from(grad_sum);
    drop2_.backward_in_place(grad_ffn.data(), grad_ffn.size());
    Tensor& grad_hidden = workspace_[Scratch::TailGradHidden];
    linear2.backward_into(hidden_, grad_ffn, grad_hidden);
    drop_ffn_.backward_in_place(grad_hidden.data(), grad_hidden.size());
    relu_backward(hidden_.data(), grad_hidden.data(), grad_hidden.data(), grad_hidden.size());
    Tensor& grad_x1 = workspace_[Scratch::TailGradX1];
    linear1.backward_into(*x1_, grad_hidden, grad_x1);
    add_into(grad_sum.data(), grad_x1.data(), grad_sum.size()); // d x1
    Tensor& grad_residual = workspace_[Scratch::TailGradResidual];
    norm1.backward_into(grad_sum, grad_residual); // d sum1
    Tensor& grad_attention = workspace_[Scratch::TailGradAttention];
    grad_attention.copy_from(grad_residual);
    drop1_.backward_in_place(grad_attention.data(), grad_attention.size());
    return grad_residual;
}

// ---------------------------------------------------------------------------------------------
// StlEncoderLayer

StlEncoderLayer::StlEncoderLayer(Context& context, const EncoderLayerOptions& options, Rng* dropout_rng)
    : self_attn(context, attention_options(options, false), dropout_rng),
      tail(context, options, dropout_rng) {}

ParameterTable StlEncoderLayer::parameters() {
    ParameterTable table;
    append_with_prefix(table, "self_attn", self_attn.parameters());
    tail.append_parameters(table);
    return table;
}

void StlEncoderLayer::init(Rng& rng) {
    self_attn.init(rng);
    tail.init(rng);
}

const Tensor& StlEncoderLayer::forward(const Tensor& x, const std::vector<int>* lengths, Mode mode) {
    const Tensor& a = self_attn.forward(x, x, x, lengths, mode);
    return tail.forward(x, a, mode);
}

const Tensor& StlEncoderLayer::backward(const Tensor& dy) {
    tail_and_attention_backward(tail, self_attn, dy, grad_input_);
    return grad_input_;
}

// ---------------------------------------------------------------------------------------------
// KsmmLayer

KsmmLayer::KsmmLayer(Context& context, const EncoderLayerOptions& options, Rng* dropout_rng)
    : norm_in(context, options.d),
      norm_kv(options.cross ? std::make_unique<LayerNorm>(context, options.d) : nullptr),
      attention(context, attention_options(options, options.key_sparse), dropout_rng),
      tail(context, options, dropout_rng), options_(options), workspace_(context.workspace()) {
    check_options(options);
}

ParameterTable KsmmLayer::parameters() {
    ParameterTable table;
    append_with_prefix(table, "norm_in", norm_in.parameters());
    if (options_.cross) append_with_prefix(table, "norm_kv", norm_kv->parameters());
    append_with_prefix(table, options_.cross ? "cross_attn" : "self_attn", attention.parameters());
    tail.append_parameters(table);
    return table;
}

void KsmmLayer::init(Rng& rng) {
    norm_in.reset();
    if (norm_kv) norm_kv->reset();
    attention.init(rng);
    tail.init(rng);
}

const Tensor& KsmmLayer::positions(int64_t T) {
    if (position_table_.rank() != 2 || position_table_.dim(0) < T)
        position_table_ = sinusoidal_positions(static_cast<int>(T), options_.d);
    return position_table_;
}

const Tensor& KsmmLayer::forward(const Tensor& x, const Tensor* key, const std::vector<int>* key_lengths,
                                 Mode mode) {
    if (options_.cross != (key != nullptr))
        throw std::invalid_argument(options_.cross ? "KsmmLayer: a cross-attention layer needs a key input"
                                                   : "KsmmLayer: a self-attention layer takes no key input");
    if (x.rank() != 3 || x.dim(2) != options_.d)
        throw std::invalid_argument("KsmmLayer: input " + shape_to_string(x.shape()) + ", expected [B, T, " +
                                    std::to_string(options_.d) + "]");
    const Tensor& x0 = norm_in.forward(x, mode);
    Tensor& query_in = workspace_[Scratch::LayerQuery]; // the attention keeps what it needs
    add_positions(query_in, x0, positions(x.dim(1)));
    if (!options_.cross) {
        const Tensor& a = attention.forward(query_in, query_in, query_in, key_lengths, mode);
        return tail.forward(x0, a, mode);
    }
    if (key->rank() != 3 || key->dim(2) != options_.d || key->dim(0) != x.dim(0))
        throw std::invalid_argument("KsmmLayer: key " + shape_to_string(key->shape()) +
                                    " does not match input " + shape_to_string(x.shape()));
    const Tensor& k0 = norm_kv->forward(*key, mode);
    Tensor& key_in = workspace_[Scratch::LayerKey];
    add_positions(key_in, k0, positions(key->dim(1)));
    const Tensor& a = attention.forward(query_in, key_in, k0, key_lengths, mode);
    return tail.forward(x0, a, mode);
}

const Tensor& KsmmLayer::backward(const Tensor& dy) {
    Tensor& grad_x0 = workspace_[Scratch::LayerGradX0];
    tail_and_attention_backward(tail, attention, dy, grad_x0);
    if (options_.cross) {
        Tensor& grad_k0 = workspace_[Scratch::LayerGradKey0];
        grad_k0.copy_from(attention.grad_key());
        add_into(grad_k0.data(), attention.grad_value().data(), grad_k0.size());
        norm_kv->backward_into(grad_k0, grad_key_);
    }
    norm_in.backward_into(grad_x0, grad_input_);
    return grad_input_;
}

} // namespace emotion::nn
