// nn::ConvStack against the NCHW layers it stands for (Conv2d, channel concatenation,
// BatchNorm2d, ReLU / ELU, Pool2d, run one after the other on copies of its parameters): the
// folded inference plan and the fused Train path on blocked layouts (forward, running
// statistics, every gradient) for M2's kind of stack (ReLU, max-pools) and M3's (ELU, average
// pools); fold_batch_norm on known numbers; plan caching across input shapes; bad
// configurations and calls (_n).
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gradcheck.h"
#include "nn/activations.h"
#include "nn/batchnorm.h"
#include "nn/context.h"
#include "nn/conv2d.h"
#include "nn/conv_stack.h"
#include "nn/folded_conv_plan.h"
#include "nn/pool2d.h"
#include "test_main.h"

using namespace emotion;
using namespace emotion::test;

namespace {

nn::ConvStageOptions stage(std::vector<nn::ConvBranch> convs, nn::ConvActivation activation,
                           std::optional<nn::Pool2dOptions> pool) {
    nn::ConvStageOptions o;
    o.convs = std::move(convs);
    o.activation = activation;
    o.pool = pool;
    return o;
}

const auto kReLU = nn::ConvActivation::ReLU;
const auto kELU = nn::ConvActivation::ELU;

nn::Pool2dOptions max2() { return nn::Pool2dOptions::of(nn::PoolOp::Max, 2, 2); }
nn::Pool2dOptions avg(int h, int w) { return nn::Pool2dOptions::of(nn::PoolOp::Average, h, w); }

// M2's shape in small: two kernels side by side in the first stage, odd channel counts later
// (partial channel blocks), every stage ReLU + max-pool or no pool.
nn::ConvStackOptions m2_options() {
    nn::ConvStackOptions o;
    o.stages = {
        stage({{3, nn::Conv2dOptions::same(5, 2)}, {3, nn::Conv2dOptions::same(2, 4)}}, kReLU, max2()),
        stage({{5, nn::Conv2dOptions::square(3, 1)}}, kReLU, max2()),
        stage({{7, nn::Conv2dOptions::square(3, 1)}}, kReLU, std::nullopt)};
    return o;
}

// M3's shape in small: ELU and average pools (and one ReLU stage).
nn::ConvStackOptions m3_options() {
    nn::ConvStackOptions o;
    o.stages = {stage({{4, nn::Conv2dOptions::square(3, 1)}}, kELU, avg(2, 2)),
                stage({{6, nn::Conv2dOptions::square(3, 1)}}, kReLU, avg(2, 1)),
                stage({{3, nn::Conv2dOptions::square(3, 1)}}, kELU, std::nullopt)};
    return o;
}

// Random weights and non-trivial BatchNorm parameters and running statistics.
void randomize(nn::ConvStack& stack, nn::Rng& rng) {
    stack.init_default(rng);
    for (nn::BatchNorm2d* bn : stack.batch_norms())
        for (int c = 0; c < bn->channels(); ++c) {
            bn->weight.value[c] = rng.uniform(0.5f, 1.5f);
            bn->bias.value[c] = rng.uniform(-0.3f, 0.3f);
            bn->running_mean.value[c] = rng.uniform(-0.2f, 0.2f);
            bn->running_var.value[c] = rng.uniform(0.5f, 2.0f);
        }
}

void copy_values(nn::Tensor& to, const nn::Tensor& from) { to.copy_from(from); }

// [B, C_j, H, W] maps -> [B, sum C_j, H, W] and back.
nn::Tensor concat_channels(const std::vector<const nn::Tensor*>& parts) {
    const int64_t B = parts[0]->dim(0), H = parts[0]->dim(2), W = parts[0]->dim(3);
    int64_t C = 0;
    for (const auto* p : parts) C += p->dim(1);
    nn::Tensor y({B, C, H, W});
    for (int64_t b = 0; b < B; ++b) {
        int64_t c0 = 0;
        for (const auto* p : parts) {
            const int64_t n = p->dim(1) * H * W;
            std::copy(p->data() + b * n, p->data() + (b + 1) * n, y.data() + (b * C + c0) * H * W);
            c0 += p->dim(1);
        }
    }
    return y;
}

nn::Tensor channel_slice(const nn::Tensor& x, int64_t first, int64_t count) {
    const int64_t B = x.dim(0), C = x.dim(1), HW = x.dim(2) * x.dim(3);
    nn::Tensor y({B, count, x.dim(2), x.dim(3)});
    for (int64_t b = 0; b < B; ++b)
        std::copy(x.data() + (b * C + first) * HW, x.data() + (b * C + first + count) * HW,
                  y.data() + b * count * HW);
    return y;
}

// The stack's layers again, as independent NCHW layers with copies of its parameters.
struct Reference {
    struct Layers {
        std::vector<std::unique_ptr<nn::Conv2d>> convs;
        std::unique_ptr<nn::BatchNorm2d> bn;
        nn::ConvActivation activation;
        nn::ReLU relu;
        nn::ELU elu;
        std::unique_ptr<nn::Pool2d> pool;
    };
    nn::Context context;
    std::vector<Layers> stages;

    explicit Reference(nn::ConvStack& stack) {
        int in = stack.stage(0).in_channels;
        for (size_t s = 0; s < stack.size(); ++s) {
            nn::ConvStage& st = stack.stage(s);
            Layers l;
            for (const auto& conv : st.convs) {
                l.convs.push_back(
                    std::make_unique<nn::Conv2d>(context, in, conv->out_channels(), conv->options()));
                copy_values(l.convs.back()->weight.value, conv->weight.value);
                copy_values(l.convs.back()->bias.value, conv->bias.value);
            }
            l.bn = std::make_unique<nn::BatchNorm2d>(st.bn.channels(), st.bn.eps(), st.bn.momentum());
            for (auto [to, from] : {std::pair{&l.bn->weight, &st.bn.weight},
                                    {&l.bn->bias, &st.bn.bias},
                                    {&l.bn->running_mean, &st.bn.running_mean},
                                    {&l.bn->running_var, &st.bn.running_var}})
                copy_values(to->value, from->value);
            l.activation = st.options.activation;
            if (st.options.pool) l.pool = std::make_unique<nn::Pool2d>(*st.options.pool);
            in = st.options.out_channels();
            stages.push_back(std::move(l));
        }
    }

    nn::Tensor forward(const nn::Tensor& x, nn::Mode mode) {
        nn::Tensor h = copy_of(x);
        for (auto& l : stages) {
            std::vector<nn::Tensor> outs;
            for (auto& conv : l.convs) outs.push_back(copy_of(conv->forward(h, mode)));
            std::vector<const nn::Tensor*> parts;
            for (const auto& o : outs) parts.push_back(&o);
            const nn::Tensor& z = l.bn->forward(concat_channels(parts), mode);
            const nn::Tensor& a = l.activation == kELU ? l.elu.forward(z, mode) : l.relu.forward(z, mode);
            h = copy_of(l.pool ? l.pool->forward(a, mode) : a);
        }
        return h;
    }

    // After a Train forward: accumulates the parameter grads, returns d loss / d x.
    nn::Tensor backward(const nn::Tensor& dy) {
        nn::Tensor g = copy_of(dy);
        for (size_t s = stages.size(); s-- > 0;) {
            auto& l = stages[s];
            const nn::Tensor& gp = l.pool ? l.pool->backward(g) : g;
            const nn::Tensor& ga = l.activation == kELU ? l.elu.backward(gp) : l.relu.backward(gp);
            const nn::Tensor gb = copy_of(l.bn->backward(ga));
            nn::Tensor dx;
            int64_t first = 0;
            for (auto& conv : l.convs) {
                const nn::Tensor& d = conv->backward(channel_slice(gb, first, conv->out_channels()));
                if (dx.empty())
                    dx = copy_of(d);
                else
                    for (int64_t i = 0; i < dx.size(); ++i) dx[i] += d[i];
                first += conv->out_channels();
            }
            g = std::move(dx); // (a Tensor copy would share dx's storage)
        }
        return g;
    }

    // The stack's parameters, the reference's, and what their gradient errors are relative to:
    // themselves, or for a convolution bias the weight's gradient (BatchNorm cancels the bias, so
    // its gradient is rounding noise around 0; the golden files treat it alike).
    struct Pair {
        std::string name;
        nn::Parameter *mine, *theirs;
        const nn::Tensor* scale;
    };
    std::vector<Pair> pairs(nn::ConvStack& stack) {
        std::vector<Pair> all;
        for (size_t s = 0; s < stack.size(); ++s) {
            const std::string stage = "stage " + std::to_string(s) + " ";
            for (size_t j = 0; j < stages[s].convs.size(); ++j) {
                nn::Conv2d &mine = *stack.stage(s).convs[j], &theirs = *stages[s].convs[j];
                const std::string conv = stage + "conv " + std::to_string(j);
                all.push_back({conv + " weight", &mine.weight, &theirs.weight, &theirs.weight.grad});
                all.push_back({conv + " bias", &mine.bias, &theirs.bias, &theirs.weight.grad});
            }
            all.push_back({stage + "bn weight", &stack.stage(s).bn.weight, &stages[s].bn->weight, nullptr});
            all.push_back({stage + "bn bias", &stack.stage(s).bn.bias, &stages[s].bn->bias, nullptr});
        }
        return all;
    }
};

// A stack with random parameters (randomize) and the same layers again (Reference).
struct StackAndReference {
    nn::Context context;
    nn::ConvStack stack;
    nn::Rng rng;
    Reference reference;
    StackAndReference(const nn::ConvStackOptions& options, uint64_t seed)
        : stack(context, options), rng(seed), reference((randomize(stack, rng), stack)) {}
};

double max_abs(const nn::Tensor& t) {
    double m = 0.0;
    for (int64_t i = 0; i < t.size(); ++i) m = std::max(m, std::fabs(static_cast<double>(t[i])));
    return m;
}

// max |a - b| / max(max |a|, max |b|) (the golden files' metric), or relative to max |scale|.
double relative_error(const nn::Tensor& a, const nn::Tensor& b, const nn::Tensor* scale = nullptr) {
    if (a.shape() != b.shape()) return INFINITY;
    return max_abs_diff(a, b) / std::max(1e-30, scale ? max_abs(*scale) : std::max(max_abs(a), max_abs(b)));
}

void expect_close(const nn::Tensor& got, const nn::Tensor& want, double tolerance, const std::string& what,
                  const nn::Tensor* scale = nullptr) {
    const double err = relative_error(got, want, scale);
    std::printf("  %-40s err %.2e\n", what.c_str(), err);
    EXPECT_MSG(err <= tolerance, what + ": relative error " + std::to_string(err) + ", shapes " +
                                     nn::shape_to_string(got.shape()) + " / " +
                                     nn::shape_to_string(want.shape()));
}

void check_inference(const nn::ConvStackOptions& options, const nn::Shape& input, const char* what) {
    StackAndReference both(options, 21);
    nn::ConvStack& stack = both.stack;
    Reference& reference = both.reference;
    const nn::Tensor x = random_tensor(input, both.rng);
    const nn::Tensor want = reference.forward(x, nn::Mode::Infer);
    expect_close(stack.forward(x, nn::Mode::Infer), want, 1e-5, std::string(what) + " infer output");
    EXPECT(stack.output().shape() == want.shape());
}

void check_training(const nn::ConvStackOptions& options, const nn::Shape& input, const char* what) {
    StackAndReference both(options, 22);
    nn::ConvStack& stack = both.stack;
    Reference& reference = both.reference;
    nn::Rng& rng = both.rng;
    // A first Train step on another shape: the plan is rebuilt for the second one.
    nn::Shape other = input;
    other[0] += 1;
    stack.forward(random_tensor(other, rng), nn::Mode::Train);
    for (size_t s = 0; s < stack.size(); ++s) // the running statistics after that step
        for (auto [to, from] :
             {std::pair{&reference.stages[s].bn->running_mean, &stack.stage(s).bn.running_mean},
              {&reference.stages[s].bn->running_var, &stack.stage(s).bn.running_var}})
            copy_values(to->value, from->value);

    const nn::Tensor x = random_tensor(input, rng);
    const nn::Tensor want = reference.forward(x, nn::Mode::Train);
    expect_close(stack.forward(x, nn::Mode::Train), want, 1e-5, std::string(what) + " train output");
    const nn::Tensor dy = random_tensor(want.shape(), rng);
    stack.set_input_gradient(true);
    stack.backward(dy);
    const nn::Tensor dx = reference.backward(dy);
    expect_close(stack.input_gradient(), dx, 1e-4, std::string(what) + " input gradient");
    for (const auto& p : reference.pairs(stack))
        expect_close(p.mine->grad, p.theirs->grad, 1e-4, std::string(what) + " " + p.name + " gradient",
                     p.scale);
    for (size_t s = 0; s < stack.size(); ++s) {
        expect_close(stack.stage(s).bn.running_mean.value, reference.stages[s].bn->running_mean.value, 1e-5,
                     std::string(what) + " running mean " + std::to_string(s));
        expect_close(stack.stage(s).bn.running_var.value, reference.stages[s].bn->running_var.value, 1e-5,
                     std::string(what) + " running var " + std::to_string(s));
        EXPECT(stack.stage(s).bn.num_batches_tracked.value[0] == 2.0f);
    }
}

} // namespace

TEST(fold_batch_norm_known_numbers) {
    // Conv2d 1 -> 2 channels, 1x2 kernel; the BatchNorm's channels 1 and 2 (first = 1) fold in.
    nn::Context context;
    nn::Conv2d conv(context, 1, 2, nn::Conv2dOptions::square(1));
    conv.weight.value.reshape({2, 1, 1, 1});
    conv.weight.value[0] = 2.0f;
    conv.weight.value[1] = -1.0f;
    conv.bias.value[0] = 0.5f;
    conv.bias.value[1] = 1.0f;
    const std::vector<float> scale = {9.0f, 3.0f, 0.5f}, shift = {9.0f, -1.0f, 2.0f};
    nn::Tensor weight, bias;
    nn::fold_batch_norm(conv, scale, shift, 1, weight, bias);
    EXPECT(weight.shape() == conv.weight.value.shape() && bias.shape() == nn::Shape({2}));
    EXPECT(weight[0] == 6.0f && weight[1] == -0.5f); // w * scale
    EXPECT(bias[0] == 0.5f && bias[1] == 2.5f);      // b * scale + shift

    nn::Conv2d no_bias(context, 1, 1, nn::Conv2dOptions::square(1, 0, 1, false));
    no_bias.weight.value[0] = 4.0f;
    nn::fold_batch_norm(no_bias, scale, shift, 0, weight, bias);
    EXPECT(weight[0] == 36.0f && bias[0] == 9.0f);
}

TEST(conv_stack_inference_matches_layers) {
    check_inference(m2_options(), {2, 1, 16, 12}, "M2-like stack");
    check_inference(m3_options(), {2, 1, 16, 12}, "M3-like stack");
    // Floor-mode pooling of odd sizes (15 x 13: trailing rows / columns dropped).
    check_inference(m3_options(), {1, 1, 15, 13}, "M3-like stack, odd sizes");
}

TEST(conv_stack_m2_training_matches_layers) { check_training(m2_options(), {3, 1, 16, 12}, "M2-like stack"); }

TEST(conv_stack_m3_training_matches_layers) {
    check_training(m3_options(), {3, 1, 16, 12}, "M3-like stack");
    // Positions outside every pooling window (15 x 13) get only BatchNorm's part of the gradient.
    check_training(m3_options(), {2, 1, 15, 13}, "M3-like stack, odd sizes");
}

TEST(conv_stack_gradients) {
    // Finite differences through the fused path (max-pool ties avoided by distinct inputs).
    nn::Context context;
    nn::ConvStackOptions options = m2_options();
    options.stages.pop_back();
    nn::ConvStack stack(context, options);
    nn::Rng rng(23);
    randomize(stack, rng);
    nn::Tensor x({2, 1, 8, 8});
    distinct_values(x, rng);
    stack.forward(x, nn::Mode::Train);
    const nn::Tensor probe = random_tensor(stack.output().shape(), rng);
    stack.set_input_gradient(true);
    stack.backward(probe);
    nn::Tensor dx = copy_of(stack.input_gradient());
    nn::Tensor dw = copy_of(stack.stage(1).convs[0]->weight.grad);
    auto loss = [&] { return dot(stack.forward(x, nn::Mode::Train), probe); };
    GradCheckOptions o;
    o.max_skip_fraction = 0.4;
    EXPECT_GRADCHECK(
        gradcheck(loss, {{"x", &x, &dx}, {"conv.weight", &stack.stage(1).convs[0]->weight.value, &dw}}, o),
        "conv stack gradients");
}

TEST(conv_stack_elu_average_pool_gradients) {
    // Finite differences through ELU and average pools, odd sizes.
    nn::Context context;
    nn::ConvStack stack(context, m3_options());
    nn::Rng rng(26);
    randomize(stack, rng);
    nn::Tensor x = random_tensor({2, 1, 9, 7}, rng);
    stack.forward(x, nn::Mode::Train);
    const nn::Tensor probe = random_tensor(stack.output().shape(), rng);
    stack.set_input_gradient(true);
    stack.backward(probe);
    nn::Tensor dx = copy_of(stack.input_gradient());
    nn::Tensor dw = copy_of(stack.stage(0).convs[0]->weight.grad);
    nn::Tensor dgamma = copy_of(stack.stage(1).bn.weight.grad);
    auto loss = [&] { return dot(stack.forward(x, nn::Mode::Train), probe); };
    EXPECT_GRADCHECK(gradcheck(loss, {{"x", &x, &dx},
                                      {"conv.weight", &stack.stage(0).convs[0]->weight.value, &dw},
                                      {"bn.weight", &stack.stage(1).bn.weight.value, &dgamma}}),
                     "ELU / average-pool stack gradients");
}

TEST(conv_stack_plan_cache_evicts_and_rebuilds) {
    // One inference plan kept: alternating shapes rebuild it, with the same results.
    nn::Context context;
    nn::ConvStackOptions options = m3_options();
    options.max_inference_plans = 1;
    nn::ConvStack stack(context, options);
    nn::Rng rng(24);
    randomize(stack, rng);
    const nn::Tensor a = random_tensor({1, 1, 16, 12}, rng), b = random_tensor({2, 1, 20, 12}, rng);
    const nn::Tensor ya = copy_of(stack.forward(a, nn::Mode::Infer));
    const nn::Tensor yb = copy_of(stack.forward(b, nn::Mode::Infer));
    EXPECT(relative_error(stack.forward(a, nn::Mode::Infer), ya) == 0.0);
    EXPECT(relative_error(stack.forward(b, nn::Mode::Infer), yb) == 0.0);
    EXPECT(stack.output().shape() == nn::Shape({2, 3, 5, 6}));
    EXPECT(stack.inference_plans() == 1);
    // Parameters are folded at every run, not when the plan is built.
    stack.stage(0).bn.running_mean.value[0] += 0.5f;
    EXPECT(relative_error(stack.forward(b, nn::Mode::Infer), yb) > 0.0);
}

TEST(conv_stack_plan_cache_bounded_by_bytes) {
    nn::Context context;
    nn::ConvStackOptions options = m3_options();
    options.max_inference_plans = 8; // the byte bound decides here
    nn::Rng rng(27);
    const nn::Tensor a = random_tensor({1, 1, 16, 12}, rng), b = random_tensor({1, 1, 20, 12}, rng),
                     c = random_tensor({1, 1, 16, 13}, rng), big = random_tensor({4, 1, 64, 12}, rng);
    // Each plan's bytes, measured alone.
    auto plan_bytes = [&](const nn::Tensor& x) {
        nn::ConvStack alone(context, options);
        alone.init_default(rng);
        alone.forward(x, nn::Mode::Infer);
        return alone.inference_plan_bytes();
    };
    const size_t a_bytes = plan_bytes(a), b_bytes = plan_bytes(b), c_bytes = plan_bytes(c),
                 big_bytes = plan_bytes(big);
    EXPECT(a_bytes > 0 && c_bytes <= b_bytes && big_bytes > a_bytes + b_bytes);

    options.max_inference_bytes = a_bytes + b_bytes;
    nn::ConvStack stack(context, options);
    randomize(stack, rng);
    stack.forward(a, nn::Mode::Infer);
    stack.forward(b, nn::Mode::Infer);
    EXPECT(stack.inference_plans() == 2 && stack.inference_plan_bytes() == a_bytes + b_bytes);
    stack.forward(a, nn::Mode::Infer); // b is now the least recently used
    stack.forward(c, nn::Mode::Infer); // does not fit beside both: b goes
    EXPECT(stack.inference_plans() == 2 && stack.inference_plan_bytes() == a_bytes + c_bytes);
    // Over the bound alone: everything else goes, the plan in use stays.
    stack.forward(big, nn::Mode::Infer);
    EXPECT(stack.inference_plans() == 1 && stack.inference_plan_bytes() == big_bytes);
}

TEST(conv_stack_training_and_inference_plans_never_coexist) {
    // A Train-mode forward drops the inference plans, an Infer-mode one the training plan, which
    // the next Train-mode forward rebuilds with the same results (validation between epochs).
    nn::Context context;
    nn::ConvStack plain(context, m2_options()), validated(context, m2_options());
    nn::Rng rng(28), same(28);
    randomize(plain, rng);
    randomize(validated, same);
    const nn::Tensor x = random_tensor({3, 1, 16, 12}, rng), v = random_tensor({1, 1, 20, 12}, rng);
    plain.forward(x, nn::Mode::Train);
    validated.forward(x, nn::Mode::Train);
    validated.forward(v, nn::Mode::Infer);
    EXPECT(validated.inference_plans() == 1);
    const nn::Tensor y_plain = copy_of(plain.forward(x, nn::Mode::Train));
    const nn::Tensor y_validated = copy_of(validated.forward(x, nn::Mode::Train));
    EXPECT(validated.inference_plans() == 0 && validated.inference_plan_bytes() == 0);
    EXPECT(relative_error(y_validated, y_plain) == 0.0);
    nn::Tensor dy({y_plain.shape()});
    dy.fill(0.25f);
    plain.backward(dy);
    validated.backward(dy);
    for (size_t s = 0; s < plain.size(); ++s) {
        EXPECT(relative_error(validated.stage(s).bn.weight.grad, plain.stage(s).bn.weight.grad) == 0.0);
        for (size_t j = 0; j < plain.stage(s).convs.size(); ++j)
            EXPECT(relative_error(validated.stage(s).convs[j]->weight.grad,
                                  plain.stage(s).convs[j]->weight.grad) == 0.0);
    }
}

// The implementation names ("jit:avx2", "ref:any", ...) and propagation kinds of the
// convolutions `run` executes, as oneDNN's verbose mode prints them on stdout.
std::vector<std::string> convolution_kernels(const std::function<void()>& run) {
    std::fflush(stdout);
    FILE* log = std::tmpfile();
    const int saved = dup(fileno(stdout));
    dup2(fileno(log), fileno(stdout));
    dnnl::set_verbose(1);
    run();
    std::fflush(stdout);
    dnnl::set_verbose(0);
    dup2(saved, fileno(stdout));
    close(saved);
    std::rewind(log);
    std::vector<std::string> kernels;
    const std::string prefix = "onednn_verbose,exec,cpu,convolution,";
    char line[4096];
    while (std::fgets(line, sizeof line, log)) {
        const std::string text(line);
        if (text.rfind(prefix, 0) != 0) continue;
        const size_t impl_end = text.find(',', prefix.size());
        const size_t prop_end = text.find(',', impl_end + 1);
        kernels.push_back(text.substr(prefix.size(), prop_end - prefix.size()));
    }
    std::fclose(log);
    return kernels;
}

// M2's first stages at full size. Where a layout asked of oneDNN has no kernel on this CPU
// (nChw16c and one input channel without AVX-512), it ran its reference convolution, 100-2000
// times as slow: M2 took 11 s per 2 s segment on AVX2. Inference and training must fall back to
// layouts with a kernel.
TEST(conv_stack_full_size_runs_no_reference_convolution) {
    nn::ConvStackOptions options;
    options.stages = {
        stage({{8, nn::Conv2dOptions::same(10, 2)}, {8, nn::Conv2dOptions::same(2, 8)}}, kReLU, max2()),
        stage({{32, nn::Conv2dOptions::square(3, 1)}}, kReLU, max2()),
        stage({{48, nn::Conv2dOptions::square(3, 1)}}, kReLU, std::nullopt)};
    nn::Context context;
    nn::ConvStack stack(context, options);
    nn::Rng rng(26);
    stack.init_default(rng);
    const nn::Tensor x = random_tensor({2, 1, 200, 100}, rng);
    const auto kernels = convolution_kernels([&] {
        stack.forward(x, nn::Mode::Infer);
        const nn::Tensor& y = stack.forward(x, nn::Mode::Train);
        stack.backward(random_tensor(y.shape(), rng));
    });
    std::printf("  %zu convolutions run:", kernels.size());
    for (const std::string& k : kernels) std::printf(" %s", k.c_str());
    std::printf("\n");
    EXPECT(kernels.size() >= 9); // 3 inference, 3 forward and 3 backward-weights
    for (const std::string& k : kernels) EXPECT_MSG(k.rfind("ref", 0) != 0, "reference kernel: " + k);
}

TEST(conv_stack_bad_configurations_n) {
    nn::Context context;
    nn::ConvStackOptions none;
    EXPECT_THROWS(nn::ConvStack(context, none));
    nn::ConvStackOptions empty_stage;
    empty_stage.stages = {stage({}, kReLU, std::nullopt)};
    EXPECT_THROWS(nn::ConvStack(context, empty_stage));
    nn::ConvStackOptions later_branches = m2_options();
    later_branches.stages[1].convs.push_back({2, nn::Conv2dOptions::square(3, 1)});
    EXPECT_THROWS(nn::ConvStack(context, later_branches));
    nn::ConvStackOptions overlapping_pool = m3_options();
    overlapping_pool.stages[0].pool = nn::Pool2dOptions{nn::PoolOp::Average, 2, 2, 1, 1};
    EXPECT_THROWS(nn::ConvStack(context, overlapping_pool));
    nn::ConvStackOptions bad_pool = m3_options();
    bad_pool.stages[0].pool = nn::Pool2dOptions{nn::PoolOp::Average, 0, 2, 1, 1};
    EXPECT_THROWS(nn::ConvStack(context, bad_pool));
}

TEST(conv_stack_bad_calls_n) {
    nn::Context context;
    nn::ConvStack stack(context, m2_options());
    nn::Rng rng(25);
    stack.init_default(rng);
    EXPECT_THROWS(stack.backward(nn::Tensor({2, 7, 4, 3})));                           // no Train forward
    EXPECT_THROWS(stack.forward(random_tensor({2, 2, 16, 12}, rng), nn::Mode::Infer)); // channels
    EXPECT_THROWS(stack.forward(random_tensor({2, 16, 12}, rng), nn::Mode::Train));    // rank
    EXPECT_THROWS(stack.forward(random_tensor({2, 1, 2, 2}, rng), nn::Mode::Infer));   // too small
    stack.forward(random_tensor({2, 1, 16, 12}, rng), nn::Mode::Train);
    EXPECT_THROWS(stack.backward(nn::Tensor({2, 7, 4, 4}))); // gradient shape
    stack.forward(random_tensor({2, 1, 16, 12}, rng), nn::Mode::Infer);
    EXPECT_THROWS(stack.backward(nn::Tensor({2, 7, 4, 3}))); // after Infer

    // Side-by-side convolutions must give maps of one size.
    nn::ConvStackOptions mismatch = m2_options();
    mismatch.stages[0].convs[1].options = nn::Conv2dOptions::square(3, 0);
    nn::ConvStack uneven(context, mismatch);
    uneven.init_default(rng);
    EXPECT_THROWS(uneven.forward(random_tensor({2, 1, 16, 12}, rng), nn::Mode::Infer));
    EXPECT_THROWS(uneven.forward(random_tensor({2, 1, 16, 12}, rng), nn::Mode::Train));
}

TEST_MAIN()
