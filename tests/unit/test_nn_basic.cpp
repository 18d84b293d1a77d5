// The NN foundation layers against finite differences (gradcheck.h) on shapes other than the
// golden files', plus dropout, optimizer state, clipping, schedules and the fixed transforms.
#include <chrono>
#include <cmath>
#include <cstdio>

#include <omp.h>

#include "gradcheck.h"
#include "nn/activations.h"
#include "nn/context.h"
#include "nn/dnnl_compat.h"
#include "nn/dropout.h"
#include "nn/features.h"
#include "nn/init.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/loss.h"
#include "nn/optim.h"
#include "nn/schedule.h"
#include "test_main.h"

using namespace emotion;
using namespace emotion::test;

namespace {

// Naive y = x W^T + b for comparison.
nn::Tensor naive_linear(const nn::Tensor& x, const nn::Linear& l) {
    const int64_t rows = x.size() / l.in_features();
    nn::Shape shape = x.shape();
    shape.back() = l.out_features();
    nn::Tensor y(shape);
    for (int64_t r = 0; r < rows; ++r)
        for (int o = 0; o < l.out_features(); ++o) {
            double s = l.bias.value.empty() ? 0.0 : l.bias.value[o];
            for (int i = 0; i < l.in_features(); ++i)
                s +=
                    static_cast<double>(x[r * l.in_features() + i]) * l.weight.value[o * l.in_features() + i];
            y[r * l.out_features() + o] = static_cast<float>(s);
        }
    return y;
}

} // namespace

// A copied tensor owns its values (data() points into its own storage), a moved one keeps the
// source's, and the source of a move is empty.
TEST(tensor_copies_and_moves) {
    nn::Tensor a({2, 3}, {1, 2, 3, 4, 5, 6});
    nn::Tensor b = a;
    EXPECT(b.data() != a.data() && b.shape() == a.shape() && b[5] == 6.0f);
    a[5] = 60.0f;
    EXPECT(b[5] == 6.0f);
    nn::Tensor c;
    c = b;
    b[0] = 10.0f;
    EXPECT(c.data() != b.data() && c[0] == 1.0f && c.size() == 6);

    const float* storage = c.data();
    nn::Tensor d = std::move(c);
    EXPECT(d.data() == storage && d[0] == 1.0f && d.size() == 6);
    EXPECT(c.empty() && c.data() == nullptr); // NOLINT(bugprone-use-after-move): documented state
    nn::Tensor e({1});
    e = std::move(d);
    EXPECT(e.data() == storage && e.shape() == (nn::Shape{2, 3}));
    EXPECT(reinterpret_cast<uintptr_t>(e.data()) % 64 == 0);
}

TEST(linear_gradients) {
    nn::Context context;
    nn::Rng rng(11);
    nn::Linear linear(context, 7, 4);
    linear.weight.value = random_tensor({4, 7}, rng);
    linear.bias.value = random_tensor({4}, rng);
    nn::Tensor x = random_tensor({2, 3, 7}, rng); // leading dims flattened into rows
    nn::Tensor probe = random_tensor({2, 3, 4}, rng);

    nn::zero_grads(linear.parameters());
    const nn::Tensor& y = linear.forward(x, nn::Mode::Train);
    EXPECT(y.shape() == (nn::Shape{2, 3, 4}));
    EXPECT(max_abs_diff(y, naive_linear(x, linear)) < 1e-5);
    nn::Tensor dx = copy_of(linear.backward(probe));
    nn::Tensor dw = copy_of(linear.weight.grad), db = copy_of(linear.bias.grad);

    auto loss = [&] { return dot(linear.forward(x), probe); };
    EXPECT_GRADCHECK(
        gradcheck(loss,
                  {{"x", &x, &dx}, {"weight", &linear.weight.value, &dw}, {"bias", &linear.bias.value, &db}}),
        "Linear 7->4, x [2, 3, 7]");

    // Gradients accumulate: a second backward doubles them.
    linear.forward(x, nn::Mode::Train);
    linear.backward(probe);
    for (int64_t i = 0; i < dw.size(); ++i) EXPECT_NEAR(linear.weight.grad[i], 2 * dw[i], 1e-5);
    for (int64_t i = 0; i < db.size(); ++i) EXPECT_NEAR(linear.bias.grad[i], 2 * db[i], 1e-5);
}

TEST(linear_runtime_batch_sizes) {
    // One set of primitives for every row count, including 0 and 1.
    nn::Context context;
    nn::Rng rng(12);
    nn::Linear linear(context, 33, 17, false);
    linear.init_xavier(rng);
    for (int64_t rows : {1, 5, 0, 64, 3}) {
        nn::Tensor x = random_tensor({rows, 33}, rng);
        const nn::Tensor& y = linear.forward(x);
        EXPECT(y.shape() == (nn::Shape{rows, 17}));
        EXPECT_MSG(max_abs_diff(y, naive_linear(x, linear)) < 1e-5, "rows " + std::to_string(rows));
        nn::Tensor into;
        linear.forward_into(x, into);
        EXPECT(max_abs_diff(into, y) == 0.0);
        nn::Tensor dy = random_tensor({rows, 17}, rng);
        const nn::Tensor& dx = linear.backward(x, dy);
        EXPECT(dx.shape() == x.shape());
    }
    EXPECT(linear.parameters().size() == 1);
    EXPECT_THROWS(linear.forward(random_tensor({2, 32}, rng)));
}

TEST(relu_gradients) {
    nn::Rng rng(21);
    nn::Tensor x = random_tensor({5, 9}, rng);
    keep_away_from(x, 0.0f, 0.05f); // ReLU's kink
    nn::Tensor probe = random_tensor({5, 9}, rng);
    nn::ReLU relu;
    relu.forward(x, nn::Mode::Train);
    nn::Tensor dx = copy_of(relu.backward(probe));
    auto loss = [&] { return dot(relu.forward(x), probe); };
    auto r = gradcheck(loss, {{"x", &x, &dx}});
    EXPECT_GRADCHECK(r, "ReLU [5, 9], inputs kept 0.05 from 0");
    EXPECT(r.skipped == 0);
}

TEST(linear_relu_kinks_are_skipped) {
    // Pre-activations are not controlled here: elements whose perturbation flips a ReLU are
    // detected by the one-sided slopes and skipped (and counted).
    nn::Context context;
    nn::Rng rng(22);
    nn::Linear linear(context, 6, 8);
    linear.init_xavier(rng);
    linear.bias.value = random_tensor({8}, rng, -0.1f, 0.1f);
    nn::ReLU relu;
    nn::Tensor x = random_tensor({4, 6}, rng);
    // Plant one pre-activation exactly at the kink.
    {
        const nn::Tensor& pre = linear.forward(x);
        linear.bias.value[0] -= pre[0];
    }
    nn::Tensor probe = random_tensor({4, 8}, rng);
    nn::zero_grads(linear.parameters());
    relu.forward(linear.forward(x, nn::Mode::Train), nn::Mode::Train);
    nn::Tensor dx = copy_of(linear.backward(relu.backward(probe)));
    nn::Tensor dw = copy_of(linear.weight.grad);
    auto loss = [&] { return dot(relu.forward(linear.forward(x)), probe); };
    // This seed also has pre-activations at 0.014, -0.001 and -0.008: three of four rows of x
    // touch a kink within h, so allow more skips than the default.
    GradCheckOptions options;
    options.max_skip_fraction = 0.6;
    auto r = gradcheck(loss, {{"x", &x, &dx}, {"weight", &linear.weight.value, &dw}}, options);
    EXPECT_GRADCHECK(r, "Linear 6->8 + ReLU with a pre-activation at 0");
    EXPECT(r.skipped >= 6); // at least the six elements of x's row 0
    EXPECT(r.checked >= 40);
}

TEST(elu_gradients) {
    nn::Rng rng(31);
    for (float alpha : {1.0f, 0.7f}) {
        nn::ELU elu(alpha);
        nn::Tensor x = random_tensor({3, 4, 5}, rng, -3.0f, 2.0f);
        keep_away_from(x, 0.0f, 0.05f); // kink of the derivative when alpha != 1
        nn::Tensor probe = random_tensor({3, 4, 5}, rng);
        elu.forward(x, nn::Mode::Train);
        nn::Tensor dx = copy_of(elu.backward(probe));
        auto loss = [&] { return dot(elu.forward(x), probe); };
        EXPECT_GRADCHECK(gradcheck(loss, {{"x", &x, &dx}}),
                         "ELU alpha " + std::to_string(alpha) + " [3, 4, 5]");
    }
}

TEST(layernorm_gradients) {
    nn::Rng rng(41);
    nn::LayerNorm norm(12);
    norm.weight.value = random_tensor({12}, rng, 0.5f, 1.5f);
    norm.bias.value = random_tensor({12}, rng);
    nn::Tensor x = random_tensor({3, 4, 12}, rng, -2.0f, 2.0f);
    nn::Tensor probe = random_tensor({3, 4, 12}, rng);
    nn::zero_grads(norm.parameters());
    norm.forward(x, nn::Mode::Train);
    nn::Tensor dx = copy_of(norm.backward(probe));
    nn::Tensor dw = copy_of(norm.weight.grad), db = copy_of(norm.bias.grad);
    auto loss = [&] { return dot(norm.forward(x), probe); };
    EXPECT_GRADCHECK(
        gradcheck(loss,
                  {{"x", &x, &dx}, {"weight", &norm.weight.value, &dw}, {"bias", &norm.bias.value, &db}}),
        "LayerNorm(12), x [3, 4, 12]");
    // Output rows have mean bias-weighted 0 / unit variance before the affine part.
    nn::LayerNorm plain(12);
    const nn::Tensor& y = plain.forward(x);
    double mean = 0, var = 0;
    for (int i = 0; i < 12; ++i) mean += y[i];
    mean /= 12;
    for (int i = 0; i < 12; ++i) var += (y[i] - mean) * (y[i] - mean);
    EXPECT_NEAR(mean, 0.0, 1e-6);
    EXPECT_NEAR(var / 12, 1.0, 1e-3);
}

TEST(softmax_cross_entropy_gradients) {
    nn::Rng rng(51);
    nn::Tensor logits = random_tensor({6, 5}, rng, -3.0f, 3.0f);
    const std::vector<int> targets{0, 4, -1, 2, 2, 1}; // one unlabelled row
    nn::SoftmaxCrossEntropy ce;
    const float value = ce.forward(logits, targets);
    EXPECT(ce.labelled() == 5);
    // Direct computation of the mean over labelled rows.
    double expected = 0;
    for (int r = 0; r < 6; ++r) {
        if (targets[r] < 0) continue;
        double m = -1e30, s = 0;
        for (int k = 0; k < 5; ++k) m = std::max(m, static_cast<double>(logits[r * 5 + k]));
        for (int k = 0; k < 5; ++k) s += std::exp(logits[r * 5 + k] - m);
        expected += -(logits[r * 5 + targets[r]] - m - std::log(s));
    }
    EXPECT_NEAR(value, expected / 5, 1e-6);
    nn::Tensor grad = copy_of(ce.backward(0.3f)); // task weight 0.3
    for (int k = 0; k < 5; ++k) EXPECT(grad[2 * 5 + k] == 0.0f);
    auto loss = [&] { return 0.3 * ce.forward(logits, targets); };
    EXPECT_GRADCHECK(gradcheck(loss, {{"logits", &logits, &grad}}), "softmax CE [6, 5], weight 0.3");

    // No labelled row: loss and gradient 0, no NaN.
    nn::SoftmaxCrossEntropy none;
    EXPECT(none.forward(logits, std::vector<int>(6, -1)) == 0.0f);
    const nn::Tensor& g0 = none.backward();
    for (int64_t i = 0; i < g0.size(); ++i) EXPECT(g0[i] == 0.0f);
    EXPECT_THROWS(none.forward(logits, {0, 1, 2, 3, 4, 5}));
    EXPECT_THROWS(none.forward(logits, {0, 1}));
}

TEST(dropout_mask_consistency) {
    const float p = 0.3f;
    nn::Rng rng(61);
    nn::Tensor x = random_tensor({40, 50}, rng);
    nn::Tensor dy = random_tensor({40, 50}, rng);
    nn::Dropout dropout(p, rng);
    const nn::Tensor y = copy_of(dropout.forward(x, nn::Mode::Train));
    const nn::Tensor& mask = dropout.mask();
    EXPECT(mask.shape() == x.shape());
    int64_t dropped = 0;
    for (int64_t i = 0; i < x.size(); ++i) {
        EXPECT(mask[i] == 0.0f || std::fabs(mask[i] - 1.0f / (1.0f - p)) < 1e-6f);
        EXPECT(y[i] == x[i] * mask[i]);
        dropped += mask[i] == 0.0f;
    }
    const double rate = static_cast<double>(dropped) / x.size();
    EXPECT_MSG(std::fabs(rate - p) < 0.04, "drop rate " + std::to_string(rate));
    const nn::Tensor& dx = dropout.backward(dy);
    for (int64_t i = 0; i < x.size(); ++i) EXPECT(dx[i] == dy[i] * mask[i]);

    // The same seed gives the same mask; gradient check with the mask held fixed.
    nn::Tensor small = random_tensor({3, 7}, rng), probe = random_tensor({3, 7}, rng);
    nn::Rng fixed(7);
    nn::Dropout d2(0.5f, fixed);
    d2.forward(small, nn::Mode::Train);
    nn::Tensor dsmall = copy_of(d2.backward(probe));
    auto loss = [&] {
        fixed = nn::Rng(7);
        return dot(d2.forward(small, nn::Mode::Train), probe);
    };
    EXPECT_GRADCHECK(gradcheck(loss, {{"x", &small, &dsmall}}), "Dropout(0.5) with a fixed mask");

    // Inference and p = 0: identity, no mask.
    const nn::Tensor& yi = dropout.forward(x, nn::Mode::Infer);
    EXPECT(max_abs_diff(yi, x) == 0.0);
    EXPECT(dropout.backward(dy)[0] == dy[0]);
    nn::Dropout zero(0.0f, rng);
    EXPECT(max_abs_diff(zero.forward(x, nn::Mode::Train), x) == 0.0);
    EXPECT_THROWS(nn::Dropout(1.5f, rng));
}

TEST(context_threads_and_thread_scope) {
    nn::Context context(3);
    EXPECT(context.threads() == 3);
    context.set_threads(2);
    EXPECT(context.threads() == 2);
    EXPECT_THROWS(context.set_threads(0));
    EXPECT_THROWS(nn::Context(-1));
    EXPECT(nn::Context().threads() == 1);

    const int before = omp_get_max_threads();
    omp_set_num_threads(5);
    {
        nn::ThreadScope outer(context);
        EXPECT(omp_get_max_threads() == 2);
        int inside = 0;
#pragma omp parallel
#pragma omp single
        inside = omp_get_num_threads();
        EXPECT(inside <= 2);
        nn::Context one(1);
        {
            nn::ThreadScope inner(one);
            EXPECT(omp_get_max_threads() == 1);
        }
        EXPECT(omp_get_max_threads() == 2);
    }
    EXPECT(omp_get_max_threads() == 5); // the caller's count is back
    omp_set_num_threads(before);
}

TEST(dropout_mask_ranges_reproduce_the_mask) {
    // Attention regenerates its mask block by block in backward: any range of the stream equals
    // that part of the whole mask, which is the sequential splitmix64 stream of earlier versions
    // (four 16-bit variates per output), so training runs stay reproducible.
    const float p = 0.1f;
    const int64_t n = 1003;
    nn::Rng rng(19), same(19);
    std::vector<uint8_t> whole;
    nn::dropout_keep_mask(whole, n, p, rng);
    const uint64_t seed = same.next();
    uint64_t state = seed;
    const uint32_t threshold = static_cast<uint32_t>(static_cast<double>(p) * 65536.0 + 0.5);
    int64_t kept = 0;
    for (int64_t i = 0; i < n;) {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        z ^= z >> 31;
        for (int k = 0; k < 4 && i < n; ++k, ++i, z >>= 16) {
            EXPECT(whole[i] == ((z & 0xFFFFu) >= threshold ? 1 : 0));
            kept += whole[i];
        }
    }
    EXPECT(kept > n * 0.85 && kept < n * 0.95);
    for (auto [begin, count] :
         {std::pair<int64_t, int64_t>{0, n}, {1, 7}, {3, 500}, {4, 4}, {998, 5}, {7, 0}}) {
        std::vector<uint8_t> part(static_cast<size_t>(count) + 1, 9);
        nn::dropout_keep_mask_range(part.data(), seed, begin, count, p);
        for (int64_t i = 0; i < count; ++i) EXPECT(part[i] == whole[begin + i]);
        EXPECT(part[count] == 9); // nothing written past the range
    }
}

TEST(dropout_in_place_matches_the_layer) {
    // The in-place face draws the same mask from the same generator state as the tensor face,
    // and leaves the buffer untouched in Infer mode or at p = 0.
    const float p = 0.25f;
    nn::Rng data(5);
    nn::Tensor x = random_tensor({6, 33}, data), dy = random_tensor({6, 33}, data);
    nn::Rng a(11), b(11);
    nn::Dropout layer(p, a), in_place(p, &b);
    const nn::Tensor y = copy_of(layer.forward(x, nn::Mode::Train));
    const nn::Tensor dx = copy_of(layer.backward(dy));
    nn::Tensor z = copy_of(x), dz = copy_of(dy);
    in_place.forward_in_place(z.data(), z.size(), nn::Mode::Train);
    in_place.backward_in_place(dz.data(), dz.size());
    EXPECT(max_abs_diff(y, z) == 0.0);
    EXPECT(max_abs_diff(dx, dz) == 0.0);
    const nn::Tensor mask = in_place.mask();
    EXPECT(mask.size() == x.size());
    for (int64_t i = 0; i < x.size(); ++i) EXPECT(z[i] == x[i] * mask[i]);
    EXPECT_THROWS(in_place.backward_in_place(dz.data(), dz.size() - 1));

    nn::Tensor w = copy_of(x);
    in_place.forward_in_place(w.data(), w.size(), nn::Mode::Infer);
    EXPECT(max_abs_diff(w, x) == 0.0 && in_place.mask().size() == 0);
    nn::Dropout off(0.0f, nullptr); // p = 0 needs no generator
    off.forward_in_place(w.data(), w.size(), nn::Mode::Train);
    EXPECT(max_abs_diff(w, x) == 0.0);
    nn::Dropout unseeded(0.5f, nullptr);
    EXPECT_THROWS(unseeded.forward_in_place(w.data(), w.size(), nn::Mode::Train));
}

TEST(optimizer_state_round_trip) {
    // Two optimizers, one interrupted and restored from exported state, must agree exactly.
    nn::Rng rng(71);
    for (int kind = 0; kind < 2; ++kind) {
        nn::Parameter a({3, 4}), b({3, 4});
        a.value = random_tensor({3, 4}, rng);
        b.value.copy_from(a.value);
        std::vector<nn::Tensor> grads;
        for (int s = 0; s < 5; ++s) grads.push_back(random_tensor({3, 4}, rng));
        auto make = [&](nn::Parameter& p) -> std::unique_ptr<nn::Optimizer> {
            if (kind == 0) {
                nn::AdamOptions o;
                o.lr = 1e-2;
                o.weight_decay = 1e-3;
                return std::make_unique<nn::Adam>(std::vector<nn::Parameter*>{&p}, o);
            }
            nn::SgdOptions o;
            o.lr = 0.1;
            o.momentum = 0.9;
            o.nesterov = true;
            return std::make_unique<nn::Sgd>(std::vector<nn::Parameter*>{&p}, o);
        };
        auto oa = make(a);
        for (auto& g : grads) {
            a.grad.copy_from(g);
            oa->step();
        }
        auto ob = make(b);
        for (int s = 0; s < 2; ++s) {
            b.grad.copy_from(grads[s]);
            ob->step();
        }
        nn::OptimizerState state = ob->export_state();
        auto oc = make(b);
        oc->import_state(state);
        EXPECT(oc->steps() == 2);
        for (int s = 2; s < 5; ++s) {
            b.grad.copy_from(grads[s]);
            oc->step();
        }
        EXPECT_MSG(max_abs_diff(a.value, b.value) == 0.0, kind == 0 ? "adam" : "sgd");
        // Mis-shaped state is rejected before anything changes.
        nn::OptimizerState bad = state;
        bad.begin()->second = nn::Tensor({2});
        EXPECT_THROWS(oc->import_state(bad));
        EXPECT(oc->steps() == 5);
    }
}

TEST(clip_grad_norm_global) {
    nn::Parameter a({2}), b({1});
    a.grad = nn::Tensor({2}, {3, 0});
    b.grad = nn::Tensor({1}, {4});
    std::vector<nn::Parameter*> ps{&a, &b};
    EXPECT_NEAR(nn::clip_grad_norm(ps, 10.0f), 5.0, 1e-6);
    EXPECT(a.grad[0] == 3.0f); // below the limit: untouched
    EXPECT_NEAR(nn::clip_grad_norm(ps, 1.0f), 5.0, 1e-6);
    EXPECT_NEAR(a.grad[0], 0.6, 1e-6);
    EXPECT_NEAR(b.grad[0], 0.8, 1e-6);
}

TEST(schedules) {
    nn::CosineAnnealing cosine(1e-3, 10, 1e-5);
    EXPECT_NEAR(cosine.lr(0), 1e-3, 1e-12);
    EXPECT_NEAR(cosine.lr(5), (1e-3 + 1e-5) / 2, 1e-12);
    EXPECT_NEAR(cosine.lr(10), 1e-5, 1e-12);
    nn::MultiStep steps(0.1, {5, 2}, 0.5);
    EXPECT_NEAR(steps.lr(1), 0.1, 1e-12);
    EXPECT_NEAR(steps.lr(2), 0.05, 1e-12);
    EXPECT_NEAR(steps.lr(5), 0.025, 1e-12);
    EXPECT_THROWS(nn::CosineAnnealing(1e-3, 0));
}

TEST(znorm_and_positions) {
    nn::Tensor raw({2, 4, 2}, {1, 5, 2, 5, 3, 5, 4, 5, /*b1*/ 2, 1, 4, 1, 9, 9, 9, 9});
    nn::Tensor out;
    nn::znormalize(raw, {4, 2}, out);
    const double s = std::sqrt(1.25);
    EXPECT_NEAR(out[0], (1 - 2.5) / s, 1e-6);
    EXPECT(out[1] == 0.0f); // constant feature: std floored, output 0
    EXPECT_NEAR(out[8], -1.0, 1e-6);
    EXPECT(out[12] == 0.0f && out[15] == 0.0f); // padded frames
    EXPECT_THROWS(nn::znormalize(raw, {5, 2}, out));
    nn::Tensor pe = nn::sinusoidal_positions(3, 4);
    EXPECT(pe[0] == 0.0f && pe[1] == 1.0f);
    EXPECT_NEAR(pe[4 + 2], std::sin(1.0 / 100.0), 1e-7);
    EXPECT_NEAR(pe[8 + 3], std::cos(2.0 / 100.0), 1e-7);
}

TEST(xavier_bounds) {
    nn::Rng rng(81);
    nn::Tensor w({20, 30});
    nn::xavier_uniform(w, rng);
    const double bound = std::sqrt(6.0 / 50.0);
    double m = 0;
    for (int64_t i = 0; i < w.size(); ++i) m = std::max(m, std::fabs(static_cast<double>(w[i])));
    EXPECT(m <= bound && m > 0.8 * bound);
    int64_t fi, fo;
    nn::compute_fans({8, 4, 3, 3}, fi, fo);
    EXPECT(fi == 36 && fo == 72);
}

TEST(bench_activations) {
    // Plain loops vs oneDNN eltwise for the sizes used here (informative; see activations.h).
    nn::Context context;
    nn::Rng rng(91);
    for (int64_t n : {4096, 262144}) {
        nn::Tensor x = random_tensor({n}, rng), y({n});
        const int reps = n > 10000 ? 50 : 2000;
        auto t0 = std::chrono::steady_clock::now();
        for (int r = 0; r < reps; ++r) nn::elu_forward(x.data(), y.data(), n, 1.0f);
        auto t1 = std::chrono::steady_clock::now();
        auto pd = nn::compat::eltwise_forward_pd(context.engine(), dnnl::prop_kind::forward_inference,
                                                 dnnl::algorithm::eltwise_elu, x.desc(), 1.0f);
        dnnl::eltwise_forward prim(pd);
        auto xm = x.memory(context.engine()), ym = y.memory(context.engine());
        auto t2 = std::chrono::steady_clock::now();
        for (int r = 0; r < reps; ++r) context.execute(prim, {{DNNL_ARG_SRC, xm}, {DNNL_ARG_DST, ym}});
        auto t3 = std::chrono::steady_clock::now();
        auto us = [&](auto a, auto b) {
            return std::chrono::duration<double, std::micro>(b - a).count() / reps;
        };
        std::printf("ELU n=%lld: loop %.1f us, oneDNN eltwise %.1f us\n", static_cast<long long>(n),
                    us(t0, t1), us(t2, t3));
    }
}

TEST_MAIN()
