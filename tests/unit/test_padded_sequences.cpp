// nn/padded_sequences.h: the padded-batch check, and the copies between frame order and a
// direction's step order that the recurrent layers run on; nn/packed_steps.h: the same batch
// packed step by step, longest first.
#include "nn/packed_steps.h"
#include "nn/padded_sequences.h"
#include "test_main.h"

#include <stdexcept>
#include <string>

using namespace emotion;

namespace {

// x [B, T, F] with x[b, t, f] = 100 b + 10 t + f.
nn::Tensor numbered(int64_t B, int64_t T, int64_t F) {
    nn::Tensor x({B, T, F});
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t)
            for (int64_t f = 0; f < F; ++f) x[(b * T + t) * F + f] = float(100 * b + 10 * t + f);
    return x;
}

std::string message_of(const nn::Tensor& x, int64_t features, const std::vector<int>& lengths) {
    try {
        nn::check_padded_batch("Layer", x, features, lengths);
    } catch (const std::invalid_argument& e) { return e.what(); }
    return "";
}

} // namespace

TEST(check_padded_batch_accepts_and_names_what_is_wrong) {
    const nn::Tensor x({2, 5, 3});
    EXPECT(message_of(x, 3, {5, 1}).empty());
    EXPECT(message_of(x, 4, {5, 1}) == "Layer: input [2, 5, 3], expected [B, T, 4]");
    EXPECT(message_of(nn::Tensor({2, 5}), 3, {5, 1}) == "Layer: input [2, 5], expected [B, T, 3]");
    EXPECT(message_of(x, 3, {5}) == "Layer: 1 lengths for a batch of 2");
    EXPECT(message_of(x, 3, {5, 0}) == "Layer: length 0 outside [1, 5]");
    EXPECT(message_of(x, 3, {6, 1}) == "Layer: length 6 outside [1, 5]");
    try {
        nn::check_padded_batch("alstm", x, 4, {5, 1}, "features");
        EXPECT(false);
    } catch (const std::invalid_argument& e) {
        EXPECT(std::string(e.what()) == "alstm: features [2, 5, 3], expected [B, T, 4]");
    }
}

TEST(step_order_reverses_within_each_length) {
    EXPECT(nn::frame_of_step(0, 2, 5) == 2);
    EXPECT(nn::frame_of_step(1, 0, 5) == 4);
    EXPECT(nn::frame_of_step(1, 4, 5) == 0);
    const nn::Tensor x = numbered(2, 4, 3);
    const std::vector<int> lengths = {4, 2};
    // Columns 1..2 of every frame, 6 steps per item (2 and 4 of them padding).
    std::vector<float> steps(2 * 6 * 2, -1.0f);
    nn::to_step_order(x.data(), 4, 3, 1, 2, 1, lengths, steps.data(), 6);
    const std::vector<float> expected = {31,  32,  21,  22,  11, 12, 1, 2, 0, 0, 0, 0,
                                         111, 112, 101, 102, 0,  0,  0, 0, 0, 0, 0, 0};
    EXPECT(steps == expected);
    nn::to_step_order(x.data(), 4, 3, 0, 3, 0, lengths, steps.data(), 4);
    for (int t = 0; t < 2; ++t) EXPECT(steps[(4 + t) * 3] == float(100 + 10 * t));
    EXPECT(steps[(4 + 2) * 3] == 0.0f && steps[(4 + 3) * 3 + 2] == 0.0f);
}

TEST(frame_order_and_last_steps_undo_step_order) {
    const int64_t B = 3, T = 5, H = 2;
    const std::vector<int> lengths = {5, 3, 1};
    const nn::Tensor y0 = numbered(B, T, 2 * H);
    // Each direction's step-ordered half, 7 steps per item, then back to frame order.
    std::vector<float> forward(B * 7 * H), reverse(B * 7 * H);
    nn::to_step_order(y0.data(), T, 2 * H, 0, H, 0, lengths, forward.data(), 7);
    nn::to_step_order(y0.data(), T, 2 * H, H, H, 1, lengths, reverse.data(), 7);
    std::vector<float> y(B * T * 2 * H, -1.0f);
    const float* steps[2] = {forward.data(), reverse.data()};
    nn::to_frame_order(steps, 2, 7, lengths, T, H, y.data());
    for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t)
            for (int64_t k = 0; k < 2 * H; ++k) {
                const float want = t < lengths[b] ? y0[(b * T + t) * 2 * H + k] : 0.0f;
                EXPECT_MSG(y[(b * T + t) * 2 * H + k] == want, std::to_string(b) + "," + std::to_string(t));
            }
    // The reverse direction's last step is each item's first frame.
    std::vector<float> last(B * H);
    nn::last_steps(reverse.data(), 7, lengths, H, last.data());
    for (int64_t b = 0; b < B; ++b)
        for (int64_t k = 0; k < H; ++k) EXPECT(last[b * H + k] == y0[(b * T) * 2 * H + H + k]);
    nn::last_steps(forward.data(), 7, lengths, H, last.data());
    EXPECT(last[H] == y0[(1 * T + 2) * 2 * H]); // item 1: frame L - 1 = 2
}

TEST(packed_steps_hold_the_running_sequences_longest_first) {
    nn::PackedSteps packed;
    packed.pack({3, 5, 1, 5});
    EXPECT(packed.batch() == 4 && packed.steps() == 5 && packed.rows() == 14);
    // Longest first, ties in batch order.
    const std::vector<int> items = {1, 3, 0, 2};
    for (int r = 0; r < 4; ++r) EXPECT(packed.item(r) == items[r]);
    const std::vector<int64_t> counts = {4, 3, 3, 2, 2}, first_rows = {0, 4, 7, 10, 12};
    for (int64_t t = 0; t < 5; ++t) {
        EXPECT_MSG(packed.count(t) == counts[t], "step " + std::to_string(t));
        EXPECT_MSG(packed.first_row(t) == first_rows[t], "step " + std::to_string(t));
    }
    packed.pack({2}); // packing again starts over
    EXPECT(packed.batch() == 1 && packed.steps() == 2 && packed.rows() == 2 && packed.count(1) == 1);
}

TEST(packed_steps_gather_and_scatter_each_direction) {
    const int64_t B = 3, T = 4, F = 3;
    const std::vector<int> lengths = {2, 4, 1};
    const nn::Tensor x = numbered(B, T, F);
    nn::PackedSteps packed;
    packed.pack(lengths); // items 1, 0, 2; counts 3, 2, 1, 1
    for (int d = 0; d < 2; ++d) {
        // Columns 1..2 of every real frame, in step order.
        std::vector<float> rows(packed.rows() * 2, -1.0f);
        packed.gather(x.data(), T, F, 1, 2, d, rows.data());
        const std::vector<float> expected =
            d == 0 ? std::vector<float>{101, 102, 1, 2, 201, 202, 111, 112, 11, 12, 121, 122, 131, 132}
                   : std::vector<float>{131, 132, 11, 12, 201, 202, 121, 122, 1, 2, 111, 112, 101, 102};
        EXPECT_MSG(rows == expected, "direction " + std::to_string(d));
        // Back: the real frames' columns set, then increased; the rest untouched.
        std::vector<float> frames(B * T * F, -1.0f);
        packed.scatter(rows.data(), 2, d, frames.data(), T, F, 1, false);
        packed.scatter(rows.data(), 2, d, frames.data(), T, F, 1, true);
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                for (int64_t f = 0; f < F; ++f) {
                    const int64_t i = (b * T + t) * F + f;
                    const float want = t < lengths[b] && f > 0 ? 2 * x[i] : -1.0f;
                    EXPECT_MSG(frames[i] == want,
                               std::to_string(b) + "," + std::to_string(t) + "," + std::to_string(f));
                }
        // Each sequence's last step, in batch order: frame L - 1 forward, frame 0 reverse.
        std::vector<float> last(B * 2);
        packed.last_rows(rows.data(), 2, last.data());
        for (int64_t b = 0; b < B; ++b) {
            const int64_t frame = d == 0 ? lengths[b] - 1 : 0;
            EXPECT(last[b * 2] == x[(b * T + frame) * F + 1] &&
                   last[b * 2 + 1] == x[(b * T + frame) * F + 2]);
        }
    }
}

TEST(packed_steps_sum_the_directions_of_each_frame) {
    const int64_t T = 5, F = 2;
    for (const std::vector<int>& lengths : {std::vector<int>{3, 5}, std::vector<int>{1, 5, 2, 4, 5, 3}}) {
        const int64_t B = static_cast<int64_t>(lengths.size());
        const nn::Tensor x = numbered(B, T, F);
        nn::PackedSteps packed;
        packed.pack(lengths);
        std::vector<float> forward(packed.rows() * F), reverse(packed.rows() * F);
        packed.gather(x.data(), T, F, 0, F, 0, forward.data());
        packed.gather(x.data(), T, F, 0, F, 1, reverse.data());
        std::vector<float> sum(B * T * F, -1.0f), one(B * T * F, -1.0f);
        packed.sum_directions(forward.data(), reverse.data(), F, sum.data(), T);
        packed.sum_directions(reverse.data(), nullptr, F, one.data(), T); // reverse rows read forward
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                for (int64_t f = 0; f < F; ++f) {
                    const int64_t i = (b * T + t) * F + f;
                    const bool real = t < lengths[b];
                    EXPECT_MSG(sum[i] == (real ? 2 * x[i] : 0.0f),
                               std::to_string(b) + "," + std::to_string(t));
                    const int64_t mirrored = (b * T + lengths[b] - 1 - t) * F + f;
                    EXPECT_MSG(one[i] == (real ? x[mirrored] : 0.0f),
                               std::to_string(b) + "," + std::to_string(t));
                }
    }
}

TEST_MAIN()
