#include "nn/encoder_layer.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nn/activations.h"
#include "nn/features.h"
#include "nn/init.h"

namespace emotion::nn {

namespace {

// dst[b, t, :] = src[b, t, :] + table[t, :]
void add_positions(Tensor& dst, const Tensor& src, const Tensor& table) {
    dst.resize(src.shape());
    const int64_t B = src.dim(0), T = src.dim(1), d = src.dim(2);
    const float* p = table.data();
    for (int64_t b = 0; b < B; ++b) {
        const float* s = src.data() + b * T * d;
        float* o = dst.data() + b * T * d;
        for (int64_t i = 0; i < T * d; ++i) o[i] = s[i] + p[i];
    }
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
      drop1_(options.dropout, dropout_rng), drop_ffn_(options.dropout, dropout_rng),
      drop2_(options.dropout, dropout_rng) {
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
    sum1_.copy_from(attention);
    drop1_.forward_in_place(sum1_.data(), sum1_.size(), mode);
    add_into(sum1_.data(), residual.data(), sum1_.size());
    const Tensor& x1 = norm1.forward(sum1_, mode);

    if (mode == Mode::Train)
        hidden_.copy_from(linear1.forward(x1, mode)); // saves x1
    else
        linear1.forward_into(x1, hidden_);
    relu_forward(hidden_.data(), hidden_.data(), hidden_.size());
    drop_ffn_.forward_in_place(hidden_.data(), hidden_.size(), mode);
    const Tensor& f = linear2.forward(hidden_, mode);

    sum2_.copy_from(f);
    drop2_.forward_in_place(sum2_.data(), sum2_.size(), mode);
    add_into(sum2_.data(), x1.data(), sum2_.size());
    return norm2.forward(sum2_, mode);
}

const Tensor& PostLnTail::backward(const Tensor& dy) {
    const Tensor& g2 = norm2.backward(dy); // d sum2 = d x1 (residual) + d f
    grad_ffn_.copy_from(g2);
    drop2_.backward_in_place(grad_ffn_.data(), grad_ffn_.size());
    const Tensor& gh = linear2.backward(grad_ffn_);
    grad_hidden_.copy_from(gh);
    drop_ffn_.backward_in_place(grad_hidden_.data(), grad_hidden_.size());
    relu_backward(hidden_.data(), grad_hidden_.data(), grad_hidden_.data(), grad_hidden_.size());
    const Tensor& gx1 = linear1.backward(grad_hidden_);
    grad_sum1_.copy_from(g2);
    add_into(grad_sum1_.data(), gx1.data(), grad_sum1_.size());
    const Tensor& g1 = norm1.backward(grad_sum1_); // d sum1
    grad_sum1_.copy_from(g1);
    grad_attention_.copy_from(g1);
    drop1_.backward_in_place(grad_attention_.data(), grad_attention_.size());
    return grad_sum1_;
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
      tail(context, options, dropout_rng), options_(options) {
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
    add_positions(query_in_, x0, positions(x.dim(1)));
    if (!options_.cross) {
        const Tensor& a = attention.forward(query_in_, query_in_, query_in_, key_lengths, mode);
        return tail.forward(x0, a, mode);
    }
    if (key->rank() != 3 || key->dim(2) != options_.d || key->dim(0) != x.dim(0))
        throw std::invalid_argument("KsmmLayer: key " + shape_to_string(key->shape()) +
                                    " does not match input " + shape_to_string(x.shape()));
    const Tensor& k0 = norm_kv->forward(*key, mode);
    add_positions(key_in_, k0, positions(key->dim(1)));
    const Tensor& a = attention.forward(query_in_, key_in_, k0, key_lengths, mode);
    return tail.forward(x0, a, mode);
}

const Tensor& KsmmLayer::backward(const Tensor& dy) {
    tail_and_attention_backward(tail, attention, dy, grad_x0_);
    if (options_.cross) {
        grad_k0_.copy_from(attention.grad_key());
        add_into(grad_k0_.data(), attention.grad_value().data(), grad_k0_.size());
        grad_key_.copy_from(norm_kv->backward(grad_k0_));
    }
    grad_input_.copy_from(norm_in.backward(grad_x0_));
    return grad_input_;
}

} // namespace emotion::nn
