// Finite-difference gradient checks for float32 layers (header-only, for every unit test).
//
// USE
//   #include "gradcheck.h"
//   using namespace emotion::test;
//
//   nn::Linear layer(context, 7, 4);                 // any layer with forward/backward
//   nn::Tensor x = random_tensor({2, 3, 7}, rng);    // inputs and a fixed random probe
//   nn::Tensor probe = random_tensor({2, 3, 4}, rng);
//   // 1. Analytic gradients: loss = sum(y * probe), so dy = probe.
//   nn::zero_grads(layer.parameters());
//   layer.forward(x, nn::Mode::Train);
//   nn::Tensor dx = copy_of(layer.backward(probe));
//   // 2. The loss as a function of the current values (re-run forward; must be deterministic:
//   //    re-seed any dropout Rng inside the lambda). Accumulate in double with dot().
//   auto loss = [&] { return dot(layer.forward(x, nn::Mode::Infer), probe); };
//   // 3. Perturb each checked element of each tensor and compare.
//   GradCheckResult r = gradcheck(loss, {{"x", &x, &dx},
//                                        {"weight", &layer.weight.value, &layer.weight.grad}});
//   EXPECT_GRADCHECK(r, "Linear 7->4");    // prints r.report (one line per tensor with its error)
//   // or, for every parameter of a layer's table and then the inputs:
//   EXPECT_GRADCHECK(gradcheck_parameters(loss, layer.parameters(), {{"x", &x, &dx}}), "Linear 7->4");
//
// METHOD
//   For an element v, h = eps * max(1, |v|), the loss is evaluated at v +- h and v +- h/2 (the
//   value is restored afterwards). The derivative is the Richardson-extrapolated central
//   difference (4 D(h/2) - D(h)) / 3, computed in double from the float32 function. Per tensor:
//       err = max_i |analytic_i - numeric_i| / max(max_i |numeric_i|, max_i |analytic_i|)
//   (the golden files' metric), ok when err <= tolerance (default 5e-3: float32 rounding of the
//   loss divided by h dominates).
//
// NON-SMOOTH POINTS (ReLU at 0, max-pool ties, key-sparse top-k), as ggml's test-backend-ops
// handles them:
//   - Prefer keeping inputs away from kinks: keep_away_from(t, kink, margin) moves every element
//     within `margin` of `kink` out to kink +- margin (and use margin >> eps * |v|); for
//     max-pooling make window values distinct (distinct_values()).
//   - Automatically: with J(h) = (f(v+h) - f(v)) / h - (f(v) - f(v-h)) / h, the one-sided slope
//     jump, a smooth f has J(h/2) = J(h) / 2 + O(h^2) and D(h) = D(h/2) + O(h^2). An element
//     where |J(h/2) - J(h)/2| or |D(h) - D(h/2)| exceeds kink_ratio x the tensor's gradient scale
//     lies within h of a kink somewhere downstream (e.g. a ReLU pre-activation that changes sign):
//     it is skipped and counted in `skipped`, never silently. An undetected kink (one whose
//     slope jump J is below the threshold) moves the estimate by at most about J/2, so err
//     stays below kink_ratio: keep kink_ratio < tolerance (the report notes it otherwise).
//     Raising kink_ratio to hide float32 noise of a large loss trades that guarantee away; a
//     larger eps (the Richardson error is O(h^4)) is the better first knob. A check that skips
//     more than max_skip_fraction of its elements (and more than skip_allowance), or checks none, fails.
//   Large tensors are subsampled (max_elements per tensor, seeded).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "nn/parameter.h"
#include "nn/rng.h"
#include "nn/tensor.h"
#include "test_main.h"

namespace emotion::test {

struct GradCheckOptions {
    double eps = 1e-2;               // relative step: h = eps * max(1, |v|)
    double tolerance = 5e-3;         // per-tensor relative error
    int max_elements = 200;          // elements checked per tensor (random subset beyond)
    double kink_ratio = 2e-3;        // kink test threshold, relative to the tensor's gradient scale
    double max_skip_fraction = 0.25; // more kink skips than this fraction fails the check ...
    int skip_allowance = 2;          // ... unless there are at most this many (small tensors);
                                     // a tensor with no element checked always fails
    unsigned seed = 1;
};

struct GradInput {
    std::string name;
    nn::Tensor* value;          // perturbed in place (restored afterwards)
    const nn::Tensor* analytic; // d loss / d value, same size
};

struct GradCheckResult {
    bool ok = true;
    double max_error = 0.0; // worst per-tensor err
    int checked = 0, skipped = 0;
    std::string report;
};

// sum(a * b) in double (the loss of the layer tests).
inline double dot(const nn::Tensor& a, const nn::Tensor& b) {
    double s = 0.0;
    const int64_t n = std::min(a.size(), b.size());
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
    return s;
}

inline nn::Tensor copy_of(const nn::Tensor& t) {
    nn::Tensor c;
    c.copy_from(t);
    return c;
}

inline nn::Tensor random_tensor(const nn::Shape& shape, nn::Rng& rng, float low = -1.0f, float high = 1.0f) {
    nn::Tensor t(shape);
    for (int64_t i = 0; i < t.size(); ++i) t[i] = rng.uniform(low, high);
    return t;
}

// max |a - b| in double; infinite when the sizes differ, NaN when any difference is.
inline double max_abs_diff(const nn::Tensor& a, const nn::Tensor& b) {
    if (a.size() != b.size()) return INFINITY;
    double m = 0;
    for (int64_t i = 0; i < a.size(); ++i) {
        const double d = std::fabs(static_cast<double>(a[i]) - b[i]);
        if (std::isnan(d)) return NAN;
        m = std::max(m, d);
    }
    return m;
}

inline bool all_finite(const nn::Tensor& t) {
    for (int64_t i = 0; i < t.size(); ++i)
        if (!std::isfinite(t[i])) return false;
    return true;
}

// Every parameter value uniform in [-bound, bound] (larger than a layer's own init, so that
// recurrences, softmaxes and attention are far from trivial), in table order.
inline void randomize_parameters(const nn::ParameterTable& table, nn::Rng& rng, float bound) {
    for (const auto& entry : table)
        for (int64_t i = 0; i < entry.parameter->value.size(); ++i)
            entry.parameter->value[i] = rng.uniform(-bound, bound);
}

// Moves every element within `margin` of `kink` to kink +- margin (keeping its side).
inline void keep_away_from(nn::Tensor& t, float kink, float margin) {
    for (int64_t i = 0; i < t.size(); ++i)
        if (std::fabs(t[i] - kink) < margin) t[i] = t[i] >= kink ? kink + margin : kink - margin;
}

// Makes all values distinct and at least `gap` apart while keeping their order (for max-pool and
// top-k checks): a random permutation of an evenly spaced grid scaled into [low, high].
inline void distinct_values(nn::Tensor& t, nn::Rng& rng, float low = -1.0f, float high = 1.0f) {
    std::vector<int64_t> order(static_cast<size_t>(t.size()));
    for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
    std::shuffle(order.begin(), order.end(), rng.engine());
    const double step = t.size() > 1 ? (high - low) / static_cast<double>(t.size() - 1) : 0.0;
    for (size_t i = 0; i < order.size(); ++i) t[order[i]] = static_cast<float>(low + step * i);
}

inline GradCheckResult gradcheck(const std::function<double()>& loss, const std::vector<GradInput>& inputs,
                                 const GradCheckOptions& options = {}) {
    GradCheckResult result;
    if (options.kink_ratio >= options.tolerance)
        result.report += "  note: kink_ratio >= tolerance: a kink just under the detection threshold can "
                         "still move err above the tolerance (keep kink_ratio < tolerance)\n";
    std::mt19937 pick(options.seed);
    const double f0 = loss();
    for (const auto& input : inputs) {
        nn::Tensor& value = *input.value;
        const nn::Tensor& analytic = *input.analytic;
        char line[256];
        if (analytic.size() != value.size()) {
            std::snprintf(line, sizeof line,
                          "  %-16s analytic gradient has %lld elements, value %lld  FAIL\n",
                          input.name.c_str(), static_cast<long long>(analytic.size()),
                          static_cast<long long>(value.size()));
            result.report += line;
            result.ok = false;
            continue;
        }
        std::vector<int64_t> elements(static_cast<size_t>(value.size()));
        for (size_t i = 0; i < elements.size(); ++i) elements[i] = static_cast<int64_t>(i);
        if (static_cast<int>(elements.size()) > options.max_elements) {
            std::shuffle(elements.begin(), elements.end(), pick);
            elements.resize(static_cast<size_t>(options.max_elements));
        }
        double scale = 0.0;
        for (int64_t i = 0; i < analytic.size(); ++i)
            scale = std::max(scale, std::fabs(static_cast<double>(analytic[i])));

        double max_diff = 0.0, max_numeric = 0.0;
        int64_t worst = -1;
        double worst_numeric = 0.0;
        int skipped = 0, checked = 0;
        for (int64_t i : elements) {
            const float v = value[i];
            const double h = options.eps * std::max(1.0, std::fabs(static_cast<double>(v)));
            auto at = [&](double delta) {
                value[i] = static_cast<float>(v + delta);
                const double actual = static_cast<double>(value[i]) - v; // the float step taken
                const double f = loss();
                return std::pair<double, double>(f, actual);
            };
            auto [fp, hp] = at(h);
            auto [fm, hm] = at(-h);
            auto [fp2, hp2] = at(h / 2);
            auto [fm2, hm2] = at(-h / 2);
            value[i] = v;
            const double d1 = (fp - fm) / (hp - hm);
            const double d2 = (fp2 - fm2) / (hp2 - hm2);
            const double numeric = (4.0 * d2 - d1) / 3.0;
            // Kink tests. Smooth f: the one-sided slope jump shrinks with the step (f'' h) and
            // both central differences agree to O(h^2). A kink within h/2 keeps the jump at the
            // same size for both steps; one between h/2 and h separates d1 from d2.
            const double jump = (fp - f0) / hp - (f0 - fm) / -hm;
            const double jump2 = (fp2 - f0) / hp2 - (f0 - fm2) / -hm2;
            const double threshold = options.kink_ratio * std::max(scale, 1e-12);
            if (std::fabs(jump2 - jump / 2) > threshold || std::fabs(d1 - d2) > threshold) {
                ++skipped;
                continue;
            }
            ++checked;
            const double diff = std::fabs(static_cast<double>(analytic[i]) - numeric);
            if (!(diff <= max_diff)) {
                max_diff = diff;
                worst = i;
                worst_numeric = numeric;
            }
            max_numeric = std::max(max_numeric, std::fabs(numeric));
        }
        const double denominator = std::max({max_numeric, scale, 1e-30});
        const double err = max_diff / denominator;
        const bool too_many_skips =
            !elements.empty() &&
            (checked == 0 ||
             skipped > std::max(options.max_skip_fraction * static_cast<double>(elements.size()),
                                static_cast<double>(options.skip_allowance)));
        const bool ok = err <= options.tolerance && !too_many_skips;
        std::snprintf(line, sizeof line,
                      "  %-16s err %.2e (tol %.0e)  checked %d, skipped near kinks %d%s  %s",
                      input.name.c_str(), err, options.tolerance, checked, skipped,
                      too_many_skips ? " (too many)" : "", ok ? "ok" : "FAIL");
        result.report += line;
        if (!ok && worst >= 0) {
            std::snprintf(line, sizeof line, "  [worst at %lld: analytic %.6g, numeric %.6g]",
                          static_cast<long long>(worst), analytic[worst], worst_numeric);
            result.report += line;
        }
        result.report += "\n";
        result.ok &= ok;
        result.max_error = std::max(result.max_error, err);
        result.checked += checked;
        result.skipped += skipped;
    }
    // Restore the function's state at the unperturbed point (layers keep their last forward).
    loss();
    return result;
}

// gradcheck of every parameter of `table` (its current .grad, copied, as the analytic gradient:
// run the Train forward and backward first), then of `inputs`.
inline GradCheckResult gradcheck_parameters(const std::function<double()>& loss,
                                            const nn::ParameterTable& table,
                                            std::vector<GradInput> inputs = {},
                                            const GradCheckOptions& options = {}) {
    std::vector<nn::Tensor> grads;
    grads.reserve(table.size());
    for (const auto& entry : table) grads.push_back(copy_of(entry.parameter->grad));
    std::vector<GradInput> all;
    for (size_t i = 0; i < table.size(); ++i)
        all.push_back({table[i].name, &table[i].parameter->value, &grads[i]});
    all.insert(all.end(), inputs.begin(), inputs.end());
    return gradcheck(loss, all, options);
}

// Prints the check's report under `what`; a failed check fails the test case with it.
inline void expect_gradcheck(const GradCheckResult& r, const std::string& what, const char* file, int line) {
    std::printf("%s: max err %.2e, %d checked, %d skipped\n%s", what.c_str(), r.max_error, r.checked,
                r.skipped, r.report.c_str());
    if (!r.ok) fail(file, line, what + " gradient check failed:\n" + r.report);
}
#define EXPECT_GRADCHECK(result, what) ::emotion::test::expect_gradcheck(result, what, __FILE__, __LINE__)

} // namespace emotion::test
