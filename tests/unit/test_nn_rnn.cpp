// Recurrent layers and M1: finite-difference gradient checks (gradcheck.h) of nn::Lstm,
// nn::Alstm (cells alstm / mean / lstm, period 1 and 5), nn::AttentionPool1d and the whole
// AlstmModel, on shapes and lengths other than the golden files'; consistency checks (fused
// LSTM vs A-LSTM cell lstm, Infer vs Train mode, batch vs one sequence at a time); bad input.
#include <cmath>
#include <string>
#include <vector>

#include "gradcheck.h"
#include "models/alstm_model.h"
#include "nn/alstm.h"
#include "nn/attention_pool.h"
#include "nn/context.h"
#include "nn/lstm.h"
#include "test_main.h"

using namespace emotion;
using namespace emotion::test;

namespace {

// Zero the padded frames of x (the layers ignore them; zero keeps the check honest that the
// numeric gradient there is 0 too).
void zero_padding(nn::Tensor& x, const std::vector<int>& lengths) {
    const int64_t T = x.dim(1), F = x.dim(2);
    for (size_t b = 0; b < lengths.size(); ++b)
        for (int64_t t = lengths[b]; t < T; ++t)
            for (int64_t f = 0; f < F; ++f) x[(static_cast<int64_t>(b) * T + t) * F + f] = 0.0f;
}

// Runs gradcheck on a recurrent layer with loss = sum(y * probe).
template <class Layer>
GradCheckResult check_recurrent(Layer& layer, nn::Tensor& x, const std::vector<int>& lengths, nn::Rng& rng) {
    const int out = layer.directions() * layer.hidden_size();
    nn::Tensor probe = random_tensor({x.dim(0), x.dim(1), out}, rng);
    const auto table = layer.parameters();
    nn::zero_grads(table);
    layer.forward(x, lengths, nn::Mode::Train);
    nn::Tensor dx = copy_of(layer.backward(probe));
    auto loss = [&] { return dot(layer.forward(x, lengths, nn::Mode::Infer), probe); };
    std::vector<GradInput> inputs{{"x", &x, &dx}}, combination;
    for (const auto& entry : table) {
        // alstm_w enters only through the combination softmaxes (smooth), with gradients much
        // smaller than the others': float32 rounding of the loss over a 1e-2 step would pass for
        // "kinks". It gets a larger step (the Richardson error stays O(h^4)).
        auto& list = entry.name.rfind("alstm_w", 0) == 0 ? combination : inputs;
        list.push_back({entry.name, &entry.parameter->value, &entry.parameter->grad});
    }
    GradCheckOptions options;
    options.max_elements = 60;
    GradCheckResult r = gradcheck(loss, inputs, options);
    if (!combination.empty()) {
        options.eps = 5e-2;
        options.kink_ratio = 4e-3;
        GradCheckResult rw = gradcheck(loss, combination, options);
        r.ok &= rw.ok;
        r.max_error = std::max(r.max_error, rw.max_error);
        r.report += rw.report;
    }
    return r;
}

// A gradient check of nn::Lstm: `in` features, uniform weights in [-bound, bound], sequences of
// `lengths` padded to T.
struct LstmCase {
    const char* what;
    int in, hidden;
    bool bidirectional;
    float bound;
    std::vector<int> lengths;
    int T;
    uint64_t seed;
};

GradCheckResult check_lstm(const LstmCase& c) {
    nn::Context context;
    nn::Rng rng(c.seed);
    nn::Lstm layer(context, c.in, c.hidden, c.bidirectional);
    randomize_parameters(layer.parameters(), rng, c.bound);
    nn::Tensor x = random_tensor({static_cast<int64_t>(c.lengths.size()), c.T, c.in}, rng);
    zero_padding(x, c.lengths);
    return check_recurrent(layer, x, c.lengths, rng);
}

// A gradient check of nn::Alstm (3 features, hidden 5): sequences of `lengths` padded to T.
struct AlstmCase {
    const char* what;
    nn::AlstmCell cell;
    int period;
    std::vector<int> offsets, lengths;
    int T;
    bool bidirectional;
    uint64_t seed;
};

GradCheckResult check_alstm(const AlstmCase& c) {
    nn::Context context;
    nn::Rng rng(c.seed);
    nn::AlstmOptions options;
    options.cell = c.cell;
    options.offsets = c.offsets;
    options.period = c.period;
    options.bidirectional = c.bidirectional;
    nn::Alstm layer(context, 3, 5, options);
    randomize_parameters(layer.parameters(), rng, 0.8f);
    if (c.cell == nn::AlstmCell::Alstm)
        for (int d = 0; d < layer.directions(); ++d)
            for (int64_t i = 0; i < layer.w[d].value.size(); ++i)
                layer.w[d].value[i] = rng.uniform(-2.0f, 2.0f);
    nn::Tensor x = random_tensor({static_cast<int64_t>(c.lengths.size()), c.T, 3}, rng);
    zero_padding(x, c.lengths);
    return check_recurrent(layer, x, c.lengths, rng);
}

// A padded batch of sequences of `lengths` (T frames, `in` features) through `layer` (weights
// uniform in [-0.6, 0.6]) in Infer mode must give each sequence exactly what it gets alone (to
// 1e-6), and with `padded_zero` zeros at the padded frames. Returns max |Infer - Train| of the
// batch.
template <class Layer>
double batch_vs_single_sequences(Layer& layer, int in, const std::vector<int>& lengths, int T, nn::Rng& rng,
                                 bool padded_zero) {
    randomize_parameters(layer.parameters(), rng, 0.6f);
    const int out = layer.directions() * layer.hidden_size();
    nn::Tensor x = random_tensor({static_cast<int64_t>(lengths.size()), T, in}, rng);
    nn::Tensor batched = copy_of(layer.forward(x, lengths, nn::Mode::Infer));
    nn::Tensor trained = copy_of(layer.forward(x, lengths, nn::Mode::Train));
    for (size_t b = 0; b < lengths.size(); ++b) {
        const int L = lengths[b];
        nn::Tensor one({1, L, in});
        for (int64_t i = 0; i < L * in; ++i) one[i] = x[b * T * in + i];
        const nn::Tensor& y = layer.forward(one, {L}, nn::Mode::Infer);
        double d = 0.0;
        for (int64_t i = 0; i < L * out; ++i)
            d = std::max(d, double(std::fabs(y[i] - batched[b * T * out + i])));
        EXPECT_MSG(d < 1e-6, "sequence " + std::to_string(b) + ": " + std::to_string(d));
        if (padded_zero)
            for (int64_t i = L * out; i < T * out; ++i) EXPECT(batched[b * T * out + i] == 0.0f);
    }
    return max_abs_diff(batched, trained);
}

} // namespace

TEST(lstm_gradchecks) {
    const LstmCase cases[] = {
        {"LSTM 3 -> 6, bidirectional", 3, 6, true, 0.7f, {4, 9, 1}, 9, 21},
        {"LSTM 4 -> 3, unidirectional", 4, 3, false, 0.9f, {6, 3}, 6, 22},
    };
    for (const LstmCase& c : cases) EXPECT_GRADCHECK(check_lstm(c), c.what);
}

TEST(alstm_gradchecks) {
    const AlstmCase cases[] = {
        {"cell alstm", nn::AlstmCell::Alstm, 1, {1, 3, 5}, {13, 6, 2}, 13, true, 31},
        {"cell alstm, period 5", nn::AlstmCell::Alstm, 5, {1, 3, 5}, {16, 11}, 16, true, 32},
        {"cell alstm, offsets 2 4, unidirectional", nn::AlstmCell::Alstm, 2, {2, 4}, {9, 7}, 10, false, 33},
        {"cell mean", nn::AlstmCell::Mean, 1, {1, 3, 5}, {10, 4}, 10, true, 34},
        {"cell lstm", nn::AlstmCell::Lstm, 1, {1}, {5, 8}, 8, true, 35},
        // Batches above 4 run the per-step products on sgemm over the running sequences only.
        {"cell alstm, batch 6", nn::AlstmCell::Alstm, 1, {1, 3, 5}, {7, 3, 7, 1, 5, 2}, 8, true, 36},
        {"cell mean, batch 5", nn::AlstmCell::Mean, 1, {1, 3, 5}, {2, 6, 6, 4, 1}, 6, true, 37},
    };
    for (const AlstmCase& c : cases) EXPECT_GRADCHECK(check_alstm(c), c.what);
}

TEST(attention_pool_gradcheck) {
    nn::Rng rng(41);
    nn::AttentionPool1d pool(7);
    for (int64_t i = 0; i < 7; ++i) pool.u.value[i] = rng.uniform(-1.5f, 1.5f);
    const std::vector<int> lengths{11, 3, 1};
    nn::Tensor y = random_tensor({3, 11, 7}, rng);
    zero_padding(y, lengths);
    nn::Tensor probe = random_tensor({3, 7}, rng);
    nn::zero_grads(pool.parameters());
    pool.forward(y, lengths, nn::Mode::Train);
    nn::Tensor dy = copy_of(pool.backward(probe));
    auto loss = [&] { return dot(pool.forward(y, lengths, nn::Mode::Infer), probe); };
    EXPECT_GRADCHECK(gradcheck(loss, {{"y", &y, &dy}, {"u", &pool.u.value, &pool.u.grad}}),
                     "attention pooling over time, lengths [11, 3, 1]");
    // The same gradient with y given again, after a forward that kept no copy.
    nn::Tensor dy_into({1});
    pool.forward(y, lengths, nn::Mode::Infer);
    pool.backward_into(y, probe, dy_into);
    EXPECT(max_abs_diff(dy, dy_into) == 0.0);
    // Weights: a softmax over the real frames, 0 at padded frames.
    pool.forward(y, lengths, nn::Mode::Infer);
    for (int b = 0; b < 3; ++b) {
        double sum = 0.0;
        for (int t = 0; t < 11; ++t) {
            const float a = pool.weights()[b * 11 + t];
            if (t >= lengths[b]) EXPECT(a == 0.0f);
            sum += a;
        }
        EXPECT_NEAR(sum, 1.0, 1e-6);
    }
}

// The fused oneDNN LSTM and the A-LSTM layer with cell lstm compute the same function.
TEST(lstm_matches_alstm_lstm_cell) {
    nn::Context context;
    nn::Rng rng(51);
    nn::Lstm fused(context, 6, 8, true);
    nn::AlstmOptions options;
    options.cell = nn::AlstmCell::Lstm;
    nn::Alstm cell(context, 6, 8, options);
    randomize_parameters(fused.parameters(), rng, 0.5f);
    const auto from = fused.parameters(), to = cell.parameters();
    for (size_t i = 0; i < from.size(); ++i) to[i].parameter->value.copy_from(from[i].parameter->value);
    const std::vector<int> lengths{37, 20, 1, 37};
    nn::Tensor x = random_tensor({4, 37, 6}, rng);
    nn::Tensor probe = random_tensor({4, 37, 16}, rng);
    nn::Tensor y1 = copy_of(fused.forward(x, lengths, nn::Mode::Train));
    nn::Tensor y2 = copy_of(cell.forward(x, lengths, nn::Mode::Train));
    EXPECT_MSG(max_abs_diff(y1, y2) < 1e-5, std::to_string(max_abs_diff(y1, y2)));
    EXPECT_MSG(max_abs_diff(fused.h_n(), cell.h_n()) < 1e-5, "h_n");
    nn::Tensor c1 = copy_of(fused.c_n());
    EXPECT_MSG(max_abs_diff(c1, cell.c_n()) < 1e-5, std::to_string(max_abs_diff(c1, cell.c_n())));
    nn::Tensor dx1 = copy_of(fused.backward(probe));
    nn::Tensor dx2 = copy_of(cell.backward(probe));
    EXPECT_MSG(max_abs_diff(dx1, dx2) < 1e-5, std::to_string(max_abs_diff(dx1, dx2)));
    for (size_t i = 0; i < from.size(); ++i) {
        const double d = max_abs_diff(from[i].parameter->grad, to[i].parameter->grad);
        EXPECT_MSG(d < 1e-4, from[i].name + ": " + std::to_string(d));
    }
}

// A padded batch gives each sequence exactly what it gets alone; Infer equals Train.
TEST(alstm_batch_equals_single_sequences) {
    nn::Context context;
    nn::Rng rng(61);
    nn::Alstm layer(context, 4, 6, {});
    EXPECT(batch_vs_single_sequences(layer, 4, {12, 5, 9}, 12, rng, true) == 0.0);
}

TEST(alstm_large_batch_equals_single_sequences) {
    nn::Context context;
    nn::Rng rng(63);
    nn::AlstmOptions options;
    options.cell = nn::AlstmCell::Mean;
    nn::Alstm layer(context, 4, 6, options);
    EXPECT(batch_vs_single_sequences(layer, 4, {12, 5, 9, 1, 12, 7}, 12, rng, true) == 0.0);
}

// With two threads the directions run side by side: the same numbers as with one.
TEST(alstm_two_threads_equal_one) {
    for (const std::vector<int>& lengths : {std::vector<int>{9, 4}, std::vector<int>{9, 4, 9, 1, 6, 3}}) {
        nn::Rng rng(64);
        nn::Tensor x = random_tensor({static_cast<int64_t>(lengths.size()), 9, 5}, rng);
        nn::Tensor probe = random_tensor({static_cast<int64_t>(lengths.size()), 9, 12}, rng);
        std::vector<nn::Tensor> results[2];
        for (int threads : {1, 2}) {
            nn::Context context(threads);
            nn::ThreadScope scope(context);
            nn::Alstm layer(context, 5, 6, {});
            nn::Rng weights(65);
            randomize_parameters(layer.parameters(), weights, 0.6f);
            auto& r = results[threads - 1];
            r.push_back(copy_of(layer.forward(x, lengths, nn::Mode::Train)));
            r.push_back(copy_of(layer.backward(probe)));
            for (const auto& entry : layer.parameters()) r.push_back(copy_of(entry.parameter->grad));
        }
        for (size_t i = 0; i < results[0].size(); ++i)
            EXPECT_MSG(max_abs_diff(results[0][i], results[1][i]) == 0.0,
                       "batch " + std::to_string(lengths.size()) + ", result " + std::to_string(i));
    }
}

TEST(lstm_batch_equals_single_sequences) {
    nn::Context context;
    nn::Rng rng(62);
    nn::Lstm layer(context, 4, 6, true);
    EXPECT(batch_vs_single_sequences(layer, 4, {30, 17, 1}, 30, rng, false) < 1e-6);
}

// Whole M1 model (small sizes, dropout off): gradients of the multitask loss.
TEST(alstm_model_gradcheck) {
    for (const char* cell : {"alstm", "lstm"}) {
        nn::Context context;
        models::AlstmConfig config;
        config.n_in = 5;
        config.fc = 6;
        config.hidden = 4;
        config.cell = cell;
        if (config.cell == "lstm") config.offsets = {1};
        config.heads = {{"emotion", 3}, {"gender", 2}};
        config.dropout = 0.0f;
        models::AlstmModel model(context, config);
        nn::Rng rng(71);
        model.init(rng);
        // Larger weights than the init: gradients well above the float32 noise of the loss.
        randomize_parameters(model.parameters(), rng, 1.0f);
        const std::vector<int> lengths{8, 5};
        nn::Tensor x = random_tensor({2, 8, 5}, rng, -2.0f, 2.0f);
        zero_padding(x, lengths);
        models::Batch batch;
        batch.lengths = lengths;
        batch.targets["emotion"] = {2, 0};
        batch.targets["gender"] = {1, 1};
        const auto table = model.parameters();
        nn::zero_grads(table);
        model.forward(x, lengths, nn::Mode::Train);
        model.backward(batch);
        nn::Tensor dx = copy_of(model.input_gradient());
        auto loss = [&] {
            model.forward(x, lengths, nn::Mode::Train);
            // backward returns the loss but also accumulates grads: keep the analytic ones.
            std::vector<nn::Tensor> grads;
            for (const auto& e : table) grads.push_back(copy_of(e.parameter->grad));
            const double l = model.backward(batch);
            for (size_t i = 0; i < table.size(); ++i) table[i].parameter->grad.copy_from(grads[i]);
            return l;
        };
        std::vector<GradInput> inputs{{"x", &x, &dx}};
        for (const auto& e : table) inputs.push_back({e.name, &e.parameter->value, &e.parameter->grad});
        // The multitask loss is O(1): a larger step keeps float32 rounding of the loss from
        // posing as ReLU kinks (the Richardson error stays O(h^4)).
        GradCheckOptions options;
        options.max_elements = 12;
        options.eps = 3e-2;
        // fc_in.bias moves one ReLU unit at every frame at once, so with 13 frames some
        // pre-activation often lies within h of 0 (true kinks; 2 of its 6 elements here).
        options.max_skip_fraction = 0.4;
        EXPECT_GRADCHECK(gradcheck(loss, inputs, options), std::string("M1, cell ") + cell);
    }
}

// Cell lstm: Train and Infer mode give the same result, also after the weights change (once two
// layers, oneDNN's fused LSTM and nn::Alstm on a copy of its weights; now nn::Alstm in both).
TEST(alstm_model_lstm_small_batch_path) {
    nn::Context context;
    models::AlstmConfig config;
    config.cell = "lstm";
    config.offsets = {1};
    config.dropout = 0.0f;
    models::AlstmModel model(context, config);
    nn::Rng rng(81);
    model.init(rng);
    for (int round = 0; round < 2; ++round) {
        if (round == 1) randomize_parameters(model.parameters(), rng, 0.2f); // an "optimizer step"
        const std::vector<int> lengths{57, 33};
        nn::Tensor x = random_tensor({2, 57, 36}, rng);
        nn::Tensor fused = copy_of(model.forward(x, lengths, nn::Mode::Train));
        nn::Tensor small = copy_of(model.forward(x, lengths, nn::Mode::Infer));
        const double d = max_abs_diff(fused, small);
        EXPECT_MSG(d < 1e-5, "round " + std::to_string(round) + ": " + std::to_string(d));
    }
}

TEST(recurrent_bad_input_n) {
    nn::Context context;
    nn::Lstm lstm(context, 3, 4, true);
    nn::Alstm alstm(context, 3, 4, {});
    nn::Tensor x({2, 5, 3});
    EXPECT_THROWS(lstm.forward(x, {5}, nn::Mode::Infer));                         // lengths count
    EXPECT_THROWS(lstm.forward(x, {5, 6}, nn::Mode::Infer));                      // length > T
    EXPECT_THROWS(alstm.forward(x, {0, 5}, nn::Mode::Infer));                     // length 0
    EXPECT_THROWS(alstm.forward(nn::Tensor({2, 5, 4}), {5, 5}, nn::Mode::Infer)); // features
    EXPECT_THROWS(lstm.backward(nn::Tensor({2, 5, 8})));                          // no Train forward
    nn::AlstmOptions bad;
    bad.offsets = {0, 2};
    EXPECT_THROWS(nn::Alstm(context, 3, 4, bad));
    EXPECT_THROWS(nn::parse_alstm_cell("gru"));
    EXPECT_THROWS(models::AlstmConfig::from_json({{"cell", "gru"}}));
    EXPECT_THROWS(models::AlstmConfig::from_json({{"heads", {{"speaker", 3}}}}));
    EXPECT_THROWS(models::AlstmConfig::from_json({{"period", 0}}));
}

TEST_MAIN()
