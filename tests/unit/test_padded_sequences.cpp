// nn/padded_sequences.h: the padded-batch check, and the copies between frame order and a
// direction's step order that the recurrent layers run on.
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

TEST_MAIN()
