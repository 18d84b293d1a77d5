// Attention layers against finite differences (gradcheck.h) on shapes other than the golden
// files': multi-head attention (cross and packed self, with key padding masks), key-sparse
// attention (column sums well separated, so the keep mask is locally constant), the M3 post-LN
// layer and the M4 layer (vanilla self with mask, key-sparse cross). Plus the edge cases: a fully
// padded key row, packed vs separate inputs, the keep rule (ties kept, k from the padded length).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

#include "gradcheck.h"
#include "models/ksmm_model.h"
#include "models/stl_model.h"
#include "nn/context.h"
#include "nn/encoder_layer.h"
#include "nn/multihead_attention.h"
#include "test_main.h"

using namespace emotion;
using namespace emotion::test;

namespace {

nn::AttentionOptions attention_options(int d, int heads, bool key_sparse = false) {
    nn::AttentionOptions o;
    o.d = d;
    o.heads = heads;
    o.key_sparse = key_sparse;
    return o;
}

nn::EncoderLayerOptions layer_options(int d, int heads, int ffn) {
    nn::EncoderLayerOptions o;
    o.d = d;
    o.heads = heads;
    o.ffn = ffn;
    return o;
}

// Uniform weights in [-scale, scale], LayerNorm gains around 1 (random signs would make the check
// no harder, only less typical).
void randomize_layer(const nn::ParameterTable& table, nn::Rng& rng, float scale = 0.5f) {
    randomize_parameters(table, rng, scale);
    for (const auto& e : table)
        if (e.name.find("norm") != std::string::npos && e.name.size() > 7 &&
            e.name.compare(e.name.size() - 7, 7, ".weight") == 0)
            for (int64_t i = 0; i < e.parameter->value.size(); ++i)
                e.parameter->value[i] = rng.uniform(0.5f, 1.5f);
}

// Smallest relative gap (s_k - s_k+1) / s_k over all (batch, head) rows that drop columns.
double keep_gap(const nn::MultiheadAttention& a) {
    const nn::Tensor& s = a.column_sums();
    const int64_t tk = s.dim(2), rows = s.dim(0) * s.dim(1);
    const int64_t k = static_cast<int64_t>(a.options().keep_rate * static_cast<double>(tk));
    double gap = INFINITY;
    for (int64_t r = 0; r < rows; ++r) {
        std::vector<float> v(s.data() + r * tk, s.data() + (r + 1) * tk);
        std::sort(v.begin(), v.end(), std::greater<float>());
        if (k < tk) gap = std::min(gap, static_cast<double>(v[k - 1] - v[k]) / v[k - 1]);
    }
    return gap;
}

// Gradient check of a self-attention layer (random weights, randomize_layer) on random x of
// `shape` with key mask `lengths`; forward(x, &lengths, mode) runs the layer.
template <class Layer, class Forward>
GradCheckResult check_self_layer(Layer& layer, Forward forward, unsigned seed, const nn::Shape& shape,
                                 std::vector<int> lengths, const GradCheckOptions& options = {}) {
    nn::Rng rng(seed);
    randomize_layer(layer.parameters(), rng);
    nn::Tensor x = random_tensor(shape, rng), probe = random_tensor(shape, rng);
    nn::zero_grads(layer.parameters());
    forward(x, &lengths, nn::Mode::Train);
    nn::Tensor dx = copy_of(layer.backward(probe));
    auto loss = [&] { return dot(forward(x, &lengths, nn::Mode::Infer), probe); };
    return gradcheck_parameters(loss, layer.parameters(), {{"x", &x, &dx}}, options);
}

// Key-sparse checks search seeds until every (batch, head) has its k-th / (k+1)-th column sums
// >= 10 % apart, so that the finite-difference steps cannot flip the keep mask; `check(seed)`
// builds and runs the layer and returns false to try the next seed.
void with_separated_column_sums(unsigned first, unsigned last, const std::function<bool(unsigned)>& check) {
    for (unsigned seed = first; seed < last; ++seed)
        if (check(seed)) return;
    fail(__FILE__, __LINE__, "no seed gave well separated column sums");
}

// The gradient check of a key-sparse layer: smaller steps (eps 1e-3), and the keep mask after
// the check must still be `keep_before` (the mask of the unperturbed inputs).
void expect_key_sparse_gradcheck(const std::function<double()>& loss, const nn::ParameterTable& table,
                                 const std::vector<GradInput>& inputs,
                                 const nn::MultiheadAttention& attention, const nn::Tensor& keep_before,
                                 const std::string& what) {
    GradCheckOptions go;
    go.eps = 1e-3;
    EXPECT_GRADCHECK(gradcheck_parameters(loss, table, inputs, go), what);
    loss();
    double changed = 0;
    for (int64_t i = 0; i < keep_before.size(); ++i)
        changed += std::fabs(attention.keep_mask()[i] - keep_before[i]);
    EXPECT_NEAR(changed, 0.0, 0.0);
}

} // namespace

TEST(attention_cross_masked_gradients) {
    nn::Context context;
    nn::Rng rng(21);
    nn::MultiheadAttention attn(context, attention_options(12, 3));
    randomize_parameters(attn.parameters(), rng, 0.5f);
    nn::Tensor q = random_tensor({2, 5, 12}, rng), k = random_tensor({2, 7, 12}, rng),
               v = random_tensor({2, 7, 12}, rng);
    nn::Tensor probe = random_tensor({2, 5, 12}, rng);
    std::vector<int> lengths{7, 4};

    nn::zero_grads(attn.parameters());
    attn.forward(q, k, v, &lengths, nn::Mode::Train);
    attn.backward(probe);
    nn::Tensor dq = copy_of(attn.grad_query()), dk = copy_of(attn.grad_key()),
               dv = copy_of(attn.grad_value());
    // Padded keys and values get no gradient.
    double padded = 0;
    for (int64_t t = 4; t < 7; ++t)
        for (int64_t j = 0; j < 12; ++j)
            padded += std::fabs(dk[(7 + t) * 12 + j]) + std::fabs(dv[(7 + t) * 12 + j]);
    EXPECT_NEAR(padded, 0.0, 0.0);

    auto loss = [&] { return dot(attn.forward(q, k, v, &lengths, nn::Mode::Infer), probe); };
    EXPECT_GRADCHECK(gradcheck_parameters(loss, attn.parameters(),
                                          {{"query", &q, &dq}, {"key", &k, &dk}, {"value", &v, &dv}}),
                     "multi-head attention, cross, key mask [7, 4]");
}

TEST(attention_self_packed_gradients) {
    nn::Context context;
    nn::Rng rng(22);
    nn::MultiheadAttention attn(context, attention_options(8, 2));
    randomize_parameters(attn.parameters(), rng, 0.5f);
    nn::Tensor x = random_tensor({3, 6, 8}, rng), probe = random_tensor({3, 6, 8}, rng);
    std::vector<int> lengths{6, 2, 5};

    nn::zero_grads(attn.parameters());
    attn.forward(x, x, x, &lengths, nn::Mode::Train);
    attn.backward(probe);
    nn::Tensor dx = copy_of(attn.grad_query());
    EXPECT(attn.grad_key().empty() && attn.grad_value().empty());

    auto loss = [&] { return dot(attn.forward(x, x, x, &lengths, nn::Mode::Infer), probe); };
    EXPECT_GRADCHECK(gradcheck_parameters(loss, attn.parameters(), {{"x", &x, &dx}}),
                     "multi-head self-attention (packed), key mask [6, 2, 5]");
}

TEST(attention_packed_equals_separate) {
    nn::Context context;
    nn::Rng rng(23);
    const nn::AttentionOptions o = attention_options(8, 4, true);
    nn::MultiheadAttention a(context, o), b(context, o);
    randomize_parameters(a.parameters(), rng, 0.5f);
    const auto ta = a.parameters(), tb = b.parameters();
    for (size_t i = 0; i < ta.size(); ++i) tb[i].parameter->value.copy_from(ta[i].parameter->value);
    nn::Tensor x = random_tensor({2, 9, 8}, rng), probe = random_tensor({2, 9, 8}, rng);
    nn::Tensor x1 = copy_of(x), x2 = copy_of(x), x3 = copy_of(x);
    nn::zero_grads(ta);
    nn::zero_grads(tb);
    const nn::Tensor ya = copy_of(a.forward(x, x, x, nullptr, nn::Mode::Train));
    const nn::Tensor yb = copy_of(b.forward(x1, x2, x3, nullptr, nn::Mode::Train));
    a.backward(probe);
    // The input gradients are workspace slots of the shared context: b's backward reuses them.
    const nn::Tensor ga = copy_of(a.grad_query());
    b.backward(probe);
    const double dy = max_abs_diff(ya, yb);
    double dx = 0, dw = 0;
    for (int64_t i = 0; i < x.size(); ++i) {
        const double sep = static_cast<double>(b.grad_query()[i]) + b.grad_key()[i] + b.grad_value()[i];
        dx = std::max(dx, std::fabs(ga[i] - sep));
    }
    for (size_t p = 0; p < ta.size(); ++p)
        dw = std::max(dw, max_abs_diff(ta[p].parameter->grad, tb[p].parameter->grad));
    std::printf("packed vs separate: max |dy| %.1e, |dx| %.1e, |dW| %.1e\n", dy, dx, dw);
    EXPECT(dy < 1e-5 && dx < 1e-5 && dw < 1e-5);
}

TEST(attention_fully_masked_row_is_zero_not_nan) {
    nn::Context context;
    nn::Rng rng(24);
    for (bool key_sparse : {false, true}) {
        nn::MultiheadAttention attn(context, attention_options(8, 2, key_sparse));
        randomize_parameters(attn.parameters(), rng, 0.5f);
        nn::Tensor q = random_tensor({2, 3, 8}, rng), k = random_tensor({2, 4, 8}, rng);
        std::vector<int> lengths{4, 0};
        nn::zero_grads(attn.parameters());
        const nn::Tensor& y = attn.forward(q, k, k, &lengths, nn::Mode::Train);
        EXPECT(all_finite(y));
        const nn::Tensor w = attn.attention_weights();
        double second = 0;
        for (int64_t i = w.size() / 2; i < w.size(); ++i) second += std::fabs(w[i]);
        EXPECT_NEAR(second, 0.0, 0.0);
        // Item 1 has no keys: all weights 0, so its output is out_proj.bias.
        for (int64_t j = 0; j < 8; ++j) EXPECT_NEAR(y[3 * 8 + j], attn.out_proj_bias.value[j], 1e-6);
        attn.backward(random_tensor({2, 3, 8}, rng));
        EXPECT(all_finite(attn.grad_query()) && all_finite(attn.grad_key()));
        for (const auto& e : attn.parameters()) EXPECT(all_finite(e.parameter->grad));
    }
}

TEST(key_sparse_keep_rule) {
    nn::Context context;
    nn::Rng rng(25);
    nn::MultiheadAttention attn(context, attention_options(4, 1, true));
    // Zero projections: every score is 0, so the weights are uniform and all column sums tie:
    // ties at the k-th largest are kept, so nothing is dropped.
    nn::Tensor x = random_tensor({1, 5, 4}, rng);
    attn.forward(x, x, x, nullptr, nn::Mode::Infer);
    for (int64_t j = 0; j < 5; ++j) EXPECT_NEAR(attn.keep_mask()[j], 1.0, 0.0);
    // With 3 of 6 keys real, k = int(0.5 * 6) = 3 counts the padded length: the 3 real columns
    // are kept (positive sums) and the padded ones (sum 0) dropped.
    randomize_parameters(attn.parameters(), rng, 0.5f);
    nn::Tensor k = random_tensor({1, 6, 4}, rng), q = random_tensor({1, 2, 4}, rng);
    std::vector<int> lengths{3};
    attn.forward(q, k, k, &lengths, nn::Mode::Infer);
    for (int64_t j = 0; j < 6; ++j) EXPECT_NEAR(attn.keep_mask()[j], j < 3 ? 1.0 : 0.0, 0.0);
    // 4 real keys, k = 3: exactly the three largest column sums survive.
    lengths = {4};
    attn.forward(q, k, k, &lengths, nn::Mode::Infer);
    int kept = 0;
    for (int64_t j = 0; j < 6; ++j) kept += attn.keep_mask()[j] > 0;
    EXPECT(kept == 3);
}

TEST(key_sparse_attention_gradients) {
    nn::Context context;
    with_separated_column_sums(30, 200, [&](unsigned seed) {
        nn::Rng rng(seed);
        nn::MultiheadAttention attn(context, attention_options(8, 2, true));
        randomize_parameters(attn.parameters(), rng, 0.8f);
        nn::Tensor q = random_tensor({2, 5, 8}, rng, -2, 2), k = random_tensor({2, 9, 8}, rng, -2, 2);
        nn::Tensor v = random_tensor({2, 9, 8}, rng), probe = random_tensor({2, 5, 8}, rng);
        std::vector<int> lengths{9, 8};
        attn.forward(q, k, v, &lengths, nn::Mode::Train);
        if (keep_gap(attn) < 0.1) return false;
        const nn::Tensor keep_before = copy_of(attn.keep_mask());
        int dropped = 0;
        for (int64_t i = 0; i < keep_before.size(); ++i) dropped += keep_before[i] == 0;
        EXPECT(dropped > 0);
        std::printf("seed %u: keep gap %.3f, %d of %lld columns dropped\n", seed, keep_gap(attn), dropped,
                    static_cast<long long>(keep_before.size()));

        nn::zero_grads(attn.parameters());
        attn.backward(probe);
        nn::Tensor dq = copy_of(attn.grad_query()), dk = copy_of(attn.grad_key()),
                   dv = copy_of(attn.grad_value());
        auto loss = [&] { return dot(attn.forward(q, k, v, &lengths, nn::Mode::Infer), probe); };
        expect_key_sparse_gradcheck(loss, attn.parameters(),
                                    {{"query", &q, &dq}, {"key", &k, &dk}, {"value", &v, &dv}}, attn,
                                    keep_before, "key-sparse attention, Tk = 9 (k = 4), key mask [9, 8]");
        return true;
    });
}

TEST(stl_encoder_layer_gradients) {
    nn::Context context;
    nn::StlEncoderLayer layer(context, layer_options(8, 2, 12));
    auto forward = [&](const nn::Tensor& x, const std::vector<int>* lengths,
                       nn::Mode mode) -> const nn::Tensor& { return layer.forward(x, lengths, mode); };
    EXPECT_GRADCHECK(check_self_layer(layer, forward, 41, {2, 6, 8}, {6, 3}),
                     "M3 post-LN encoder layer, key mask [6, 3]");
}

TEST(ksmm_self_layer_gradients) {
    nn::Context context;
    nn::KsmmLayer layer(context, layer_options(8, 2, 16));
    auto forward = [&](const nn::Tensor& x, const std::vector<int>* lengths,
                       nn::Mode mode) -> const nn::Tensor& {
        return layer.forward(x, nullptr, lengths, mode);
    };
    // A smaller step: a LayerNorm gain moves every FFN pre-activation, so the default step crosses
    // ReLU kinks for most of them.
    GradCheckOptions go;
    go.eps = 1e-3;
    EXPECT_GRADCHECK(check_self_layer(layer, forward, 42, {2, 5, 8}, {2, 5}, go),
                     "M4 vanilla self layer (positions, post-LN), key mask [2, 5]");
}

TEST(ksmm_key_sparse_cross_layer_gradients) {
    nn::Context context;
    nn::EncoderLayerOptions o = layer_options(8, 2, 16);
    o.cross = true;
    o.key_sparse = true;
    with_separated_column_sums(50, 300, [&](unsigned seed) {
        nn::Rng rng(seed);
        nn::KsmmLayer layer(context, o);
        randomize_layer(layer.parameters(), rng, 0.8f);
        nn::Tensor x = random_tensor({2, 4, 8}, rng), key = random_tensor({2, 7, 8}, rng, -2, 2);
        nn::Tensor probe = random_tensor({2, 4, 8}, rng);
        std::vector<int> lengths{7, 6};
        layer.forward(x, &key, &lengths, nn::Mode::Train);
        if (keep_gap(layer.attention) < 0.1) return false;
        const nn::Tensor keep_before = copy_of(layer.attention.keep_mask());
        std::printf("seed %u: keep gap %.3f\n", seed, keep_gap(layer.attention));
        nn::zero_grads(layer.parameters());
        nn::Tensor dx = copy_of(layer.backward(probe));
        nn::Tensor dkey = copy_of(layer.grad_key());
        auto loss = [&] { return dot(layer.forward(x, &key, &lengths, nn::Mode::Infer), probe); };
        expect_key_sparse_gradcheck(loss, layer.parameters(), {{"x", &x, &dx}, {"key", &key, &dkey}},
                                    layer.attention, keep_before,
                                    "M4 key-sparse cross layer, Tk = 7 (k = 3), key mask [7, 6]");
        return true;
    });
}

TEST(encoder_layer_dropout_train_vs_infer) {
    nn::Context context;
    nn::Rng rng(60), dropout_rng(61);
    nn::EncoderLayerOptions o = layer_options(8, 2, 16);
    o.dropout = 0.3f;
    nn::StlEncoderLayer layer(context, o, &dropout_rng);
    randomize_parameters(layer.parameters(), rng, 0.5f);
    nn::Tensor x = random_tensor({2, 5, 8}, rng);
    const nn::Tensor y1 = copy_of(layer.forward(x, nullptr, nn::Mode::Infer));
    const nn::Tensor y2 = copy_of(layer.forward(x, nullptr, nn::Mode::Infer));
    const nn::Tensor yt = copy_of(layer.forward(x, nullptr, nn::Mode::Train));
    EXPECT_NEAR(max_abs_diff(y1, y2), 0.0, 0.0); // Infer: dropout off, deterministic
    EXPECT(max_abs_diff(y1, yt) > 1e-3);         // Train: dropout active
    nn::zero_grads(layer.parameters());
    layer.backward(random_tensor({2, 5, 8}, rng));
    for (const auto& e : layer.parameters()) EXPECT(all_finite(e.parameter->grad));
}

// Two threads split the attention's blocks and the layer's own loops (LayerNorm, dropout masks,
// bias sums): the results must match one thread's. Sizes large enough to be split (>= 32K floats,
// several chunks of blocks); the oneDNN products may split their own sums differently per thread
// count, hence a tolerance rather than equality.
TEST(ksmm_cross_layer_two_threads_match_one) {
    nn::EncoderLayerOptions o = layer_options(64, 4, 128);
    o.cross = true;
    o.key_sparse = true;
    o.dropout = 0.2f;
    nn::Rng data(90);
    nn::Tensor x = random_tensor({12, 48, 64}, data), key = random_tensor({12, 40, 64}, data);
    nn::Tensor probe = random_tensor({12, 48, 64}, data);
    std::vector<int> lengths{40, 31, 40, 7, 40, 22, 40, 40, 1, 39, 40, 12};
    std::vector<nn::Tensor> results[2];
    for (int threads : {1, 2}) {
        nn::Context context(threads);
        nn::ThreadScope scope(context);
        nn::Rng weights(91), dropout(92);
        nn::KsmmLayer layer(context, o, &dropout);
        randomize_layer(layer.parameters(), weights);
        auto& r = results[threads - 1];
        r.push_back(copy_of(layer.forward(x, &key, &lengths, nn::Mode::Train)));
        r.push_back(copy_of(layer.attention.keep_mask()));
        nn::zero_grads(layer.parameters());
        r.push_back(copy_of(layer.backward(probe)));
        r.push_back(copy_of(layer.grad_key()));
        for (const auto& e : layer.parameters()) r.push_back(copy_of(e.parameter->grad));
    }
    double worst = 0.0;
    for (size_t i = 0; i < results[0].size(); ++i) {
        double scale = 1e-3;
        for (int64_t j = 0; j < results[0][i].size(); ++j)
            scale = std::max(scale, static_cast<double>(std::fabs(results[0][i][j])));
        worst = std::max(worst, max_abs_diff(results[0][i], results[1][i]) / scale);
        EXPECT_MSG(max_abs_diff(results[0][i], results[1][i]) <= 1e-5 * scale, "result " + std::to_string(i));
    }
    std::printf("two threads vs one: largest difference %.3g of the result's scale\n", worst);
}

// M4 on a raw batch: each item z-normalised over all its frames, then cut / zero-padded; tokens
// cut / padded. Must equal the model on inputs prepared by hand.
TEST(ksmm_batch_input_preparation) {
    nn::Context context;
    nn::Rng rng(70);
    models::KsmmConfig config;
    config.d = 16;
    config.heads = 2;
    config.ffn = 32;
    config.n_enc = 1;
    config.n_ccab = 1;
    config.n_ks = 1;
    config.vocab = 10;
    config.audio_len = 12;
    config.text_len = 4;
    models::KsmmModel model(context, config);
    model.init(rng);
    models::Batch batch;
    batch.features = random_tensor({2, 15, 36}, rng, -3, 5);
    batch.lengths = {15, 7}; // 15 is cut to 12
    batch.tokens = {{3, 1, 4, 1, 5, 9}, {2, 6}};
    const nn::Tensor logits = copy_of(model.forward(batch, nn::Mode::Infer));

    nn::Tensor audio({2, 12, 36});
    for (int b = 0; b < 2; ++b) {
        const int L = batch.lengths[b];
        for (int f = 0; f < 36; ++f) {
            double mean = 0, var = 0;
            for (int t = 0; t < L; ++t) mean += batch.features[(b * 15 + t) * 36 + f];
            mean /= L;
            for (int t = 0; t < L; ++t) {
                const double c = batch.features[(b * 15 + t) * 36 + f] - mean;
                var += c * c;
            }
            const double sd = std::max(std::sqrt(var / L), 1e-5);
            for (int t = 0; t < std::min(L, 12); ++t)
                audio[(b * 12 + t) * 36 + f] =
                    static_cast<float>((batch.features[(b * 15 + t) * 36 + f] - mean) / sd);
        }
    }
    const nn::Tensor expected = copy_of(
        model.forward_prepared(audio, {12, 7}, {{3, 1, 4, 1}, {2, 6, 0, 0}}, {4, 2}, nn::Mode::Infer));
    EXPECT(max_abs_diff(logits, expected) < 1e-5);
    EXPECT(all_finite(logits));
    // An item without tokens (fully padded text) still gives finite logits.
    batch.tokens = {{3}, {}};
    EXPECT(all_finite(model.forward(batch, nn::Mode::Infer)));
    // Out-of-vocabulary ids are an error, not a read out of bounds.
    batch.tokens = {{3, 10}, {1}};
    EXPECT_THROWS(model.forward(batch, nn::Mode::Infer));
}

// M3: the Infer plan (BatchNorm folded, ELU post-op) on two input lengths, and a short item.
TEST(stl_infer_lengths) {
    nn::Context context;
    nn::Rng rng(71);
    models::StlModel model(context, models::StlConfig{});
    model.init(rng);
    for (const auto& e : model.parameters())
        if (e.name.find("running_var") != std::string::npos)
            for (int64_t i = 0; i < e.parameter->value.size(); ++i)
                e.parameter->value[i] = rng.uniform(0.5f, 2.0f);
    for (int T : {160, 77}) {
        models::Batch batch;
        batch.features = random_tensor({1, T, 36}, rng);
        batch.lengths = {T};
        const nn::Tensor& logits = model.forward(batch, nn::Mode::Infer);
        EXPECT(logits.shape() == nn::Shape({1, 4}) && all_finite(logits));
    }
    models::Batch shorter;
    shorter.features = random_tensor({1, 15, 36}, rng);
    shorter.lengths = {15};
    EXPECT_THROWS(model.forward(shorter, nn::Mode::Infer)); // fewer than 16 frames
}

TEST(dropout_keep_mask_rate) {
    nn::Rng rng(80);
    std::vector<uint8_t> keep;
    for (float p : {0.1f, 0.5f}) {
        nn::dropout_keep_mask(keep, 200001, p, rng);
        double kept = 0;
        for (uint8_t k : keep) kept += k;
        const double rate = kept / static_cast<double>(keep.size());
        std::printf("p = %.1f: kept %.4f\n", p, rate);
        EXPECT_NEAR(rate, 1.0 - p, 0.005);
    }
    nn::dropout_keep_mask(keep, 1000, 0.0f, rng);
    for (uint8_t k : keep) EXPECT(k == 1);
}

TEST_MAIN()
