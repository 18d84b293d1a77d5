#include "nn/multihead_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>

#include "nn/dnnl_compat.h"
#include "nn/init.h"
#include "nn/parallel.h"

namespace emotion::nn {

using dnnl::memory;

namespace {

// Row-major C = alpha * op(A) op(B) + beta * C on oneDNN's sgemm; false on failure (usable
// inside OpenMP regions, which must not throw).
bool try_gemm(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
              int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    if (m == 0 || n == 0) return true;
    if (k == 0) {
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
        return true;
    }
    return dnnl::sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) ==
           dnnl::status::success;
}

void check_gemm(bool ok) {
    if (!ok) throw std::runtime_error("MultiheadAttention: oneDNN sgemm failed");
}

void gemm(char trans_a, char trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    check_gemm(try_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
}

// rows x cols block starting at `dst` (leading dimension ld) += bias per column.
void add_bias(float* dst, int64_t rows, int64_t cols, int64_t ld, const float* bias) {
    parallel_ranges(rows, rows * cols, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            float* row = dst + r * ld;
            for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
        }
    });
}

void check_input(const Tensor& t, int d, const char* what) {
    if (t.rank() != 3 || t.dim(2) != d)
        throw std::invalid_argument(std::string("MultiheadAttention: ") + what + " has shape " +
                                    shape_to_string(t.shape()) + ", expected [B, T, " + std::to_string(d) +
                                    "]");
}

} // namespace

// oneDNN softmax over the last axis of a [Tq, Tk] block, cached per shape. (The backward is an
// own loop per block.)
struct MultiheadAttention::Primitives {
    struct Entry {
        dnnl::softmax_forward forward;
        memory::desc desc;
    };
    std::map<std::pair<int64_t, int64_t>, Entry> softmax;

    Entry& get(const dnnl::engine& engine, int64_t rows, int64_t cols) {
        auto key = std::make_pair(rows, cols);
        auto it = softmax.find(key);
        if (it != softmax.end()) return it->second;
        Entry e;
        e.desc = plain_desc({rows, cols});
        e.forward = dnnl::softmax_forward(
            compat::softmax_forward_pd(engine, dnnl::prop_kind::forward_inference, e.desc, 1));
        return softmax.emplace(key, std::move(e)).first->second;
    }
};

MultiheadAttention::MultiheadAttention(Context& context, const AttentionOptions& options, Rng* dropout_rng)
    : in_proj_weight(Shape{3 * static_cast<int64_t>(options.d), options.d}),
      in_proj_bias(Shape{3 * static_cast<int64_t>(options.d)}), out_proj_weight(Shape{options.d, options.d}),
      out_proj_bias(Shape{options.d}), context_(context), workspace_(context.workspace()), options_(options),
      dropout_rng_(dropout_rng), primitives_(std::make_shared<Primitives>()) {
    if (options.d <= 0 || options.heads <= 0 || options.d % options.heads != 0)
        throw std::invalid_argument(
            "MultiheadAttention: d = " + std::to_string(options.d) +
            " is not a positive multiple of heads = " + std::to_string(options.heads));
    if (options.dropout < 0.0f || options.dropout >= 1.0f)
        throw std::invalid_argument("MultiheadAttention: dropout must be in [0, 1), got " +
                                    std::to_string(options.dropout));
    if (options.key_sparse && !(options.keep_rate > 0.0 && options.keep_rate <= 1.0))
        throw std::invalid_argument("MultiheadAttention: keep_rate must be in (0, 1], got " +
                                    std::to_string(options.keep_rate));
    head_dim_ = options.d / options.heads;
    scale_ = static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim_)));
}

ParameterTable MultiheadAttention::parameters() {
    return {{"in_proj_weight", &in_proj_weight},
            {"in_proj_bias", &in_proj_bias},
            {"out_proj.weight", &out_proj_weight},
            {"out_proj.bias", &out_proj_bias}};
}

void MultiheadAttention::init(Rng& rng) {
    // torch: xavier_uniform_ over the whole [3d, d] in_proj_weight.
    xavier_uniform(in_proj_weight.value, options_.d, 3 * static_cast<int64_t>(options_.d), rng);
    in_proj_bias.value.zero();
    const float bound = 1.0f / std::sqrt(static_cast<float>(options_.d));
    uniform(out_proj_weight.value, -bound, bound, rng);
    out_proj_bias.value.zero();
}

void MultiheadAttention::project_inputs(const Tensor& query, const Tensor& key, const Tensor& value) {
    const int64_t d = options_.d;
    const float* w = in_proj_weight.value.data();
    const float* b = in_proj_bias.value.data();
    if (packed_) {
        const int64_t rows = batch_ * tq_;
        qkv_.resize({rows, 3 * d});
        gemm('N', 'T', rows, 3 * d, d, 1.0f, query.data(), d, w, d, 0.0f, qkv_.data(), 3 * d);
        add_bias(qkv_.data(), rows, 3 * d, 3 * d, b);
        qp_ = qkv_.data();
        kp_ = qkv_.data() + d;
        vp_ = qkv_.data() + 2 * d;
        ldq_ = ldk_ = ldv_ = 3 * d;
        return;
    }
    const int64_t rq = batch_ * tq_, rk = batch_ * tk_;
    q_.resize({rq, d});
    k_.resize({rk, d});
    v_.resize({rk, d});
    gemm('N', 'T', rq, d, d, 1.0f, query.data(), d, w, d, 0.0f, q_.data(), d);
    gemm('N', 'T', rk, d, d, 1.0f, key.data(), d, w + d * d, d, 0.0f, k_.data(), d);
    gemm('N', 'T', rk, d, d, 1.0f, value.data(), d, w + 2 * d * d, d, 0.0f, v_.data(), d);
    add_bias(q_.data(), rq, d, d, b);
    add_bias(k_.data(), rk, d, d, b + d);
    add_bias(v_.data(), rk, d, d, b + 2 * d);
    qp_ = q_.data();
    kp_ = k_.data();
    vp_ = v_.data();
    ldq_ = ldk_ = ldv_ = d;
}

void MultiheadAttention::chunk_probs(int64_t first, int64_t n, float* probs) const {
    const int64_t heads = options_.heads, block = tq_ * tk_;
    const float neg_inf = -std::numeric_limits<float>::infinity();
    bool ok = true;
    // Each sgemm is too small to split well: with several threads the blocks run side by side
    // (oneDNN's sgemm runs single-threaded inside a parallel region).
#pragma omp parallel for schedule(static) if (n > 1) reduction(&& : ok)
    for (int64_t i = 0; i < n; ++i) {
        const int64_t bh = first + i, b = bh / heads, h = bh % heads;
        float* p = probs + i * block;
        ok = try_gemm('N', 'T', tq_, tk_, head_dim_, scale_, qp_ + b * tq_ * ldq_ + h * head_dim_, ldq_,
                      kp_ + b * tk_ * ldk_ + h * head_dim_, ldk_, 0.0f, p, tk_) &&
             ok;
        const int64_t len = has_mask_ ? key_lengths_[b] : tk_;
        for (int64_t r = 0; len < tk_ && r < tq_; ++r)
            std::fill(p + r * tk_ + len, p + (r + 1) * tk_, neg_inf);
    }
    check_gemm(ok);
    auto& entry = primitives_->get(context_.engine(), n * tq_, tk_);
    dnnl::memory mem(entry.desc, context_.engine(), probs);
    context_.execute(entry.forward, {{DNNL_ARG_SRC, mem}, {DNNL_ARG_DST, mem}});
    // Exact zeros at padded keys (also turns the NaN rows of fully padded keys into zeros).
    for (int64_t i = 0; i < n; ++i) {
        const int64_t len = has_mask_ ? key_lengths_[(first + i) / heads] : tk_;
        float* p = probs + i * block;
        for (int64_t r = 0; len < tk_ && r < tq_; ++r) std::fill(p + r * tk_ + len, p + (r + 1) * tk_, 0.0f);
    }
}

void MultiheadAttention::select_columns(int64_t bh, const float* probs) {
    const int64_t kk = static_cast<int64_t>(options_.keep_rate * static_cast<double>(tk_));
    float* s = column_sums_.data() + bh * tk_;
    std::fill(s, s + tk_, 0.0f);
    for (int64_t i = 0; i < tq_; ++i) {
        const float* row = probs + i * tk_;
        for (int64_t j = 0; j < tk_; ++j) s[j] += row[j];
    }
    std::vector<float> sorted(s, s + tk_);
    std::nth_element(sorted.begin(), sorted.begin() + (kk - 1), sorted.end(), std::greater<float>());
    const float threshold = sorted[static_cast<size_t>(kk - 1)];
    float* keep = keep_.data() + bh * tk_;
    for (int64_t j = 0; j < tk_; ++j) keep[j] = s[j] >= threshold ? 1.0f : 0.0f;
}

MultiheadAttention::ChunkBuffers MultiheadAttention::chunk_buffers(int64_t blocks, int64_t work_blocks,
                                                                   bool forward) {
    const int64_t n = work_blocks * tq_ * tk_;
    Tensor& probs = workspace_[Scratch::AttentionProbs];
    Tensor& weights = workspace_[Scratch::AttentionWeights];
    Tensor& masks = workspace_[Scratch::AttentionDropoutMask];
    Tensor& kept_values = workspace_[Scratch::AttentionKeptValues];
    probs.resize({blocks * tq_ * tk_});
    if (options_.key_sparse || dropout_active_) weights.resize({n});
    if (dropout_active_) masks.resize({(n + 3) / 4}); // bytes in float storage
    if (options_.key_sparse && forward) kept_values.resize({blocks * tk_ * head_dim_});
    return {probs.data(), weights.data(), reinterpret_cast<uint8_t*>(masks.data()), kept_values.data()};
}

void MultiheadAttention::block_dropout_mask(int64_t bh, uint8_t* mask) const {
    dropout_keep_mask_range(mask, dropout_seed_, bh * tq_ * tk_, tq_ * tk_, options_.dropout);
}

const float* MultiheadAttention::effective_weights(int64_t bh, const float* p, const uint8_t* mask,
                                                   float* out) const {
    const bool keep = options_.key_sparse;
    if (!keep && !dropout_active_) return p;
    // One branch-free loop per case, so that the compiler vectorises them (a test per element
    // cost an eighth of M4's training time).
    const float* kept = keep ? keep_.data() + bh * tk_ : nullptr;
    const float drop_scale = dropout_active_ ? 1.0f / (1.0f - options_.dropout) : 1.0f;
    for (int64_t i = 0; i < tq_; ++i) {
        const float* row = p + i * tk_;
        const uint8_t* m = mask ? mask + i * tk_ : nullptr;
        float* dst = out + i * tk_;
        if (kept && m)
            for (int64_t j = 0; j < tk_; ++j) dst[j] = row[j] * kept[j] * (float(m[j]) * drop_scale);
        else if (kept)
            for (int64_t j = 0; j < tk_; ++j) dst[j] = row[j] * kept[j];
        else
            for (int64_t j = 0; j < tk_; ++j) dst[j] = row[j] * (float(m[j]) * drop_scale);
    }
    return out;
}

bool MultiheadAttention::kept_keys_product(int64_t bh, const float* p, const uint8_t* mask, float* weights,
                                           float* values, std::vector<int64_t>& kept) {
    const int64_t b = bh / options_.heads, h = bh % options_.heads, hd = head_dim_, d = options_.d;
    const float* keep = keep_.data() + bh * tk_;
    kept.clear();
    for (int64_t j = 0; j < tk_; ++j)
        if (keep[j] != 0.0f) kept.push_back(j);
    const int64_t n = static_cast<int64_t>(kept.size());
    const float drop_scale = mask ? 1.0f / (1.0f - options_.dropout) : 1.0f;
    for (int64_t i = 0; i < tq_; ++i) {
        const float* row = p + i * tk_;
        float* dst = weights + i * n;
        if (mask) {
            const uint8_t* m = mask + i * tk_;
            for (int64_t c = 0; c < n; ++c) dst[c] = row[kept[c]] * (float(m[kept[c]]) * drop_scale);
        } else {
            for (int64_t c = 0; c < n; ++c) dst[c] = row[kept[c]];
        }
    }
    const float* v = vp_ + b * tk_ * ldv_ + h * hd;
    for (int64_t c = 0; c < n; ++c) std::copy(v + kept[c] * ldv_, v + kept[c] * ldv_ + hd, values + c * hd);
    return try_gemm('N', 'N', tq_, hd, n, 1.0f, weights, n, values, hd, 0.0f,
                    context_out_.data() + b * tq_ * d + h * hd, d);
}

const Tensor& MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                          const std::vector<int>* key_lengths, Mode mode) {
    const int64_t d = options_.d, heads = options_.heads, hd = head_dim_;
    check_input(query, options_.d, "query");
    check_input(key, options_.d, "key");
    check_input(value, options_.d, "value");
    batch_ = query.dim(0);
    tq_ = query.dim(1);
    tk_ = key.dim(1);
    if (key.dim(0) != batch_ || value.dim(0) != batch_ || value.dim(1) != tk_)
        throw std::invalid_argument("MultiheadAttention: query " + shape_to_string(query.shape()) + ", key " +
                                    shape_to_string(key.shape()) + ", value " +
                                    shape_to_string(value.shape()) + " do not match");
    has_mask_ = key_lengths != nullptr;
    if (has_mask_) {
        if (static_cast<int64_t>(key_lengths->size()) != batch_)
            throw std::invalid_argument("MultiheadAttention: " + std::to_string(key_lengths->size()) +
                                        " key lengths for a batch of " + std::to_string(batch_));
        key_lengths_.resize(key_lengths->size());
        for (size_t b = 0; b < key_lengths->size(); ++b)
            key_lengths_[b] = std::clamp<int>((*key_lengths)[b], 0, static_cast<int>(tk_));
    }
    packed_ = &query == &key && &key == &value;
    train_ = mode == Mode::Train;
    dropout_active_ = train_ && options_.dropout > 0.0f;
    if (dropout_active_ && !dropout_rng_)
        throw std::logic_error("MultiheadAttention: Train mode with dropout needs a dropout Rng");

    if (train_) {
        saved_query_.copy_from(query);
        if (!packed_) {
            saved_key_.copy_from(key);
            saved_value_.copy_from(value);
        }
    }

    project_inputs(query, key, value);

    // Per (batch, head): P, the key-sparse selection, W'' = P * keep * dropout, o[b, :, h] =
    // W'' V_h.
    if (options_.key_sparse) {
        if (static_cast<int64_t>(options_.keep_rate * static_cast<double>(tk_)) < 1)
            throw std::invalid_argument(
                "MultiheadAttention: key-sparse attention needs int(keep_rate * Tk) >= 1, Tk = " +
                std::to_string(tk_));
        column_sums_.resize({batch_, heads, tk_});
        keep_.resize({batch_, heads, tk_});
    } else {
        column_sums_.resize({0});
        keep_.resize({0});
    }
    if (dropout_active_) dropout_seed_ = dropout_rng_->next(); // the draw dropout_keep_mask makes
    context_out_.resize({batch_, tq_, d});
    const int64_t blocks = batch_ * heads, block = tq_ * tk_, chunk = std::min(blocks, kChunkBlocks);
    // One weights and mask block per block of the chunk, so that the blocks run side by side.
    const ChunkBuffers buffers = chunk_buffers(chunk, chunk, true);
    bool ok = true;
    for (int64_t first = 0; first < blocks; first += chunk) {
        const int64_t n = std::min(chunk, blocks - first);
        chunk_probs(first, n, buffers.probs);
#pragma omp parallel for schedule(static) if (n > 1) reduction(&& : ok)
        for (int64_t i = 0; i < n; ++i) {
            const int64_t bh = first + i, b = bh / heads, h = bh % heads;
            const float* p = buffers.probs + i * block;
            if (options_.key_sparse) select_columns(bh, p);
            uint8_t* mask = dropout_active_ ? buffers.masks + i * block : nullptr;
            if (mask) block_dropout_mask(bh, mask);
            if (options_.key_sparse) {
                ok = kept_keys_product(bh, p, mask, buffers.weights + i * block,
                                       buffers.kept_values + i * tk_ * hd, kept_indices_[i]) &&
                     ok;
                continue;
            }
            const float* w = effective_weights(bh, p, mask, buffers.weights + i * block);
            ok = try_gemm('N', 'N', tq_, hd, tk_, 1.0f, w, tk_, vp_ + b * tk_ * ldv_ + h * hd, ldv_, 0.0f,
                          context_out_.data() + b * tq_ * d + h * hd, d) &&
                 ok;
        }
        check_gemm(ok);
    }

    Tensor& output = workspace_[Scratch::AttentionOutput];
    output.resize({batch_, tq_, d});
    const int64_t rows = batch_ * tq_;
    gemm('N', 'T', rows, d, d, 1.0f, context_out_.data(), d, out_proj_weight.value.data(), d, 0.0f,
         output.data(), d);
    add_bias(output.data(), rows, d, d, out_proj_bias.value.data());
    return output;
}

Tensor MultiheadAttention::attention_weights() const {
    const int64_t heads = options_.heads;
    Tensor out({batch_, heads, tq_, tk_});
    const int64_t blocks = batch_ * heads;
    for (int64_t first = 0; first < blocks; first += kChunkBlocks)
        chunk_probs(first, std::min(kChunkBlocks, blocks - first), out.data() + first * tq_ * tk_);
    for (int64_t bh = 0; options_.key_sparse && bh < blocks; ++bh) {
        float* dst = out.data() + bh * tq_ * tk_;
        const float* keep = keep_.data() + bh * tk_;
        for (int64_t i = 0; i < tq_; ++i)
            for (int64_t j = 0; j < tk_; ++j) dst[i * tk_ + j] *= keep[j];
    }
    return out;
}

bool MultiheadAttention::backward_block(int64_t bh, const float* p, uint8_t* mask, float* weights, float* gp,
                                        const BlockGradients& grads) const {
    //   dV_h = W''^T dO_h, dW'' = dO_h V_h^T, dP = dW'' * dropout * keep,
    //   dS = P * (dP - rowsum(P * dP)) (softmax backward), dQ_h = scale dS K_h,
    //   dK_h = scale dS^T Q_h (Q unscaled).
    const int64_t b = bh / options_.heads, h = bh % options_.heads, hd = head_dim_, d = options_.d;
    const int64_t ldg = grads.ld;
    if (mask) block_dropout_mask(bh, mask);
    const float* w = effective_weights(bh, p, mask, weights);
    const float* go = grads.context + b * tq_ * d + h * hd;
    bool ok = try_gemm('T', 'N', tk_, hd, tq_, 1.0f, w, tk_, go, d, 0.0f,
                       grads.value + b * tk_ * ldg + h * hd, ldg);
    ok = try_gemm('N', 'T', tq_, tk_, hd, 1.0f, go, d, vp_ + b * tk_ * ldv_ + h * hd, ldv_, 0.0f, gp, tk_) &&
         ok;
    const float* keep = options_.key_sparse ? keep_.data() + bh * tk_ : nullptr;
    const float drop_scale = dropout_active_ ? 1.0f / (1.0f - options_.dropout) : 1.0f;
    for (int64_t i = 0; i < tq_; ++i) {
        float* g = gp + i * tk_;
        const float* pr = p + i * tk_;
        if (keep)
            for (int64_t j = 0; j < tk_; ++j) g[j] *= keep[j];
        if (mask) // branch-free, so that it vectorises (the mask holds 0 or 1)
            for (int64_t j = 0; j < tk_; ++j) g[j] *= float(mask[i * tk_ + j]) * drop_scale;
        float dot = 0.0f;
        for (int64_t j = 0; j < tk_; ++j) dot += pr[j] * g[j];
        for (int64_t j = 0; j < tk_; ++j) g[j] = pr[j] * (g[j] - dot);
    }
    ok = try_gemm('N', 'N', tq_, hd, tk_, scale_, gp, tk_, kp_ + b * tk_ * ldk_ + h * hd, ldk_, 0.0f,
                  grads.query + b * tq_ * ldg + h * hd, ldg) &&
         ok;
    return try_gemm('T', 'N', tk_, hd, tq_, scale_, gp, tk_, qp_ + b * tq_ * ldq_ + h * hd, ldq_, 0.0f,
                    grads.key + b * tk_ * ldg + h * hd, ldg) &&
           ok;
}

void MultiheadAttention::backward(const Tensor& dy) {
    if (!train_) throw std::logic_error("MultiheadAttention::backward without a Train-mode forward");
    const int64_t d = options_.d, heads = options_.heads;
    if (dy.rank() != 3 || dy.dim(0) != batch_ || dy.dim(1) != tq_ || dy.dim(2) != d)
        throw std::invalid_argument("MultiheadAttention::backward: gradient " + shape_to_string(dy.shape()) +
                                    ", expected " + shape_to_string({batch_, tq_, d}));
    const int64_t rq = batch_ * tq_, rk = batch_ * tk_;

    // Output projection.
    if (out_proj_weight.trainable)
        gemm('T', 'N', d, d, rq, 1.0f, dy.data(), d, context_out_.data(), d, 1.0f,
             out_proj_weight.grad.data(), d);
    if (out_proj_bias.trainable) accumulate_column_sums(dy.data(), rq, d, d, out_proj_bias.grad.data());
    Tensor& grad_context = workspace_[Scratch::AttentionGradContext];
    grad_context.resize({rq, d});
    gemm('N', 'N', rq, d, d, 1.0f, dy.data(), d, out_proj_weight.value.data(), d, 0.0f, grad_context.data(),
         d);

    // Gradient buffers of the projections, laid out like the forward ones.
    Tensor& grad_projections = workspace_[Scratch::AttentionGradProjections]; // [rq, 3d] or [rq, d]
    float* gq;
    float* gk;
    float* gv;
    if (packed_) {
        grad_projections.resize({rq, 3 * d});
        gq = grad_projections.data();
        gk = gq + d;
        gv = gq + 2 * d;
    } else {
        Tensor& grad_k = workspace_[Scratch::AttentionGradKeyProjection];
        Tensor& grad_v = workspace_[Scratch::AttentionGradValueProjection];
        grad_projections.resize({rq, d});
        grad_k.resize({rk, d});
        grad_v.resize({rk, d});
        gq = grad_projections.data();
        gk = grad_k.data();
        gv = grad_v.data();
    }
    const int64_t ldg = packed_ ? 3 * d : d;

    // Per (batch, head), in one [Tq, Tk] block (no full-size backward buffers), the blocks of a
    // chunk side by side (each sgemm is too small to split well; oneDNN's runs single-threaded
    // inside a parallel region, so every thread count gives the same values).
    const int64_t blocks = batch_ * heads, block = tq_ * tk_, chunk = std::min(blocks, kChunkBlocks);
    // The weights, mask and d W'' buffers per thread, not per block: one thread then reuses one
    // block's worth, which stays in its cache.
    const int64_t slots = std::clamp<int64_t>(omp_get_max_threads(), 1, chunk);
    const ChunkBuffers buffers = chunk_buffers(chunk, slots, false);
    Tensor& grad_weights = workspace_[Scratch::AttentionGradWeights];
    grad_weights.resize({slots * block});
    const BlockGradients grads{grad_context.data(), gq, gk, gv, ldg};
    bool ok = true;
    for (int64_t first = 0; first < blocks; first += chunk) {
        const int64_t n = std::min(chunk, blocks - first);
        // P again, by the forward's own calls (so the same values).
        chunk_probs(first, n, buffers.probs);
#pragma omp parallel for num_threads(slots) schedule(static) if (n > 1) reduction(&& : ok)
        for (int64_t i = 0; i < n; ++i) {
            const int64_t slot = omp_get_thread_num(); // < slots
            uint8_t* mask = dropout_active_ ? buffers.masks + slot * block : nullptr;
            ok = backward_block(first + i, buffers.probs + i * block, mask, buffers.weights + slot * block,
                                grad_weights.data() + slot * block, grads) &&
                 ok;
        }
        check_gemm(ok);
    }

    // Input projections.
    float* gw = in_proj_weight.grad.data();
    float* gb = in_proj_bias.grad.data();
    const float* w = in_proj_weight.value.data();
    Tensor& grad_query = workspace_[Scratch::AttentionGradQuery];
    Tensor& grad_key = workspace_[Scratch::AttentionGradKey];
    Tensor& grad_value = workspace_[Scratch::AttentionGradValue];
    if (packed_) {
        if (in_proj_weight.trainable)
            gemm('T', 'N', 3 * d, d, rq, 1.0f, gq, 3 * d, saved_query_.data(), d, 1.0f, gw, d);
        if (in_proj_bias.trainable) accumulate_column_sums(gq, rq, 3 * d, 3 * d, gb);
        grad_query.resize({batch_, tq_, d});
        gemm('N', 'N', rq, d, 3 * d, 1.0f, gq, 3 * d, w, d, 0.0f, grad_query.data(), d);
        grad_key.resize({0});
        grad_value.resize({0});
        return;
    }
    if (in_proj_weight.trainable) {
        gemm('T', 'N', d, d, rq, 1.0f, gq, d, saved_query_.data(), d, 1.0f, gw, d);
        gemm('T', 'N', d, d, rk, 1.0f, gk, d, saved_key_.data(), d, 1.0f, gw + d * d, d);
        gemm('T', 'N', d, d, rk, 1.0f, gv, d, saved_value_.data(), d, 1.0f, gw + 2 * d * d, d);
    }
    if (in_proj_bias.trainable) {
        accumulate_column_sums(gq, rq, d, d, gb);
        accumulate_column_sums(gk, rk, d, d, gb + d);
        accumulate_column_sums(gv, rk, d, d, gb + 2 * d);
    }
    grad_query.resize({batch_, tq_, d});
    grad_key.resize({batch_, tk_, d});
    grad_value.resize({batch_, tk_, d});
    gemm('N', 'N', rq, d, d, 1.0f, gq, d, w, d, 0.0f, grad_query.data(), d);
    gemm('N', 'N', rk, d, d, 1.0f, gk, d, w + d * d, d, 0.0f, grad_key.data(), d);
    gemm('N', 'N', rk, d, d, 1.0f, gv, d, w + 2 * d * d, d, 0.0f, grad_value.data(), d);
}

} // namespace emotion::nn
