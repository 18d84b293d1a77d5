// stream::SpeakerBalance: known numbers of the running mean and its uniform prior, a voice that
// holds one class is balanced toward uniform, voices apart, interim looks that count for nothing,
// reset, and inputs left as they are (_n).
#include <cmath>
#include <string>
#include <vector>

#include "stream/speaker_balance.h"
#include "test_main.h"

using emotion::stream::SpeakerBalance;

TEST(balance_known_numbers) {
    SpeakerBalance balance(2.0);
    // prior: 2 results of (0.5, 0.5); with (0.8, 0.2) the mean is (1.8, 1.2) / 3 = (0.6, 0.4):
    // (0.8 / 0.6, 0.2 / 0.4) = (4/3, 1/2), normalised (8/11, 3/11)
    std::vector<float> first = balance.apply("a", {0.8f, 0.2f});
    EXPECT_NEAR(first[0], 8.0 / 11.0, 1e-6);
    EXPECT_NEAR(first[1], 3.0 / 11.0, 1e-6);
    // again: mean (2.6, 1.4) / 4 = (0.65, 0.35): (0.8 / 0.65, 0.2 / 0.35), normalised
    std::vector<float> second = balance.apply("a", {0.8f, 0.2f});
    const double a = 0.8 / 0.65, b = 0.2 / 0.35;
    EXPECT_NEAR(second[0], a / (a + b), 1e-6);
    EXPECT_NEAR(second[1], b / (a + b), 1e-6);
}

TEST(balance_of_a_voice_that_holds_one_class_tends_to_uniform) {
    SpeakerBalance balance;
    std::vector<float> out;
    for (int i = 0; i < 2000; ++i) out = balance.apply("", {0.7f, 0.1f, 0.1f, 0.1f});
    for (float p : out) EXPECT_NEAR(p, 0.25, 2e-3);
    // a result unlike the voice's usual ones stands out the more: about (1/7, 7, 1, 1) / 9.14
    out = balance.apply("", {0.1f, 0.7f, 0.1f, 0.1f});
    EXPECT_NEAR(out[1], 7.0 / (1.0 / 7.0 + 9.0), 5e-3);
}

TEST(balance_keeps_voices_apart_and_interim_looks_out) {
    SpeakerBalance balance;
    for (int i = 0; i < 20; ++i) balance.apply("angry voice", {0.9f, 0.1f});
    const std::vector<float> fresh = balance.apply("new voice", {0.9f, 0.1f});
    const std::vector<float> again = SpeakerBalance().apply("x", {0.9f, 0.1f});
    EXPECT_NEAR(fresh[0], again[0], 1e-7); // another voice's history does not count
    EXPECT(balance.speakers() == 2);

    SpeakerBalance looked;
    for (int i = 0; i < 5; ++i) looked.apply("", {0.6f, 0.4f}, false); // interim: not kept
    EXPECT(looked.speakers() == 0);
    EXPECT_NEAR(looked.apply("", {0.6f, 0.4f})[0], SpeakerBalance().apply("", {0.6f, 0.4f})[0], 1e-7);
    looked.reset();
    EXPECT(looked.speakers() == 0);
}

TEST(balance_bad_inputs_n) {
    EXPECT_THROWS(SpeakerBalance(0.0));
    EXPECT_THROWS(SpeakerBalance(-1.0));
    EXPECT_THROWS(SpeakerBalance(std::nan("")));
    SpeakerBalance balance;
    EXPECT(balance.apply("", {}).empty());
    const std::vector<float> zeros = balance.apply("", {0.0f, 0.0f});
    EXPECT(zeros[0] == 0.0f && zeros[1] == 0.0f);
    EXPECT(balance.speakers() == 0);
    // unnormalised scores are read as their proportions
    SpeakerBalance other;
    const std::vector<float> scaled = other.apply("", {8.0f, 2.0f});
    EXPECT_NEAR(scaled[0], 8.0 / 11.0, 1e-6);
    // a model with another number of classes starts the voice afresh
    balance.apply("", {0.5f, 0.5f});
    EXPECT(balance.apply("", {0.2f, 0.3f, 0.5f}).size() == 3);
}

TEST_MAIN()
