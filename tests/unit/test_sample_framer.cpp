// dsp::SampleFramer: windows at every hop whatever the buffer sizes, non-finite samples as 0 and
// counted, reset, and bounded memory for a buffer much larger than a piece.
#include "dsp/sample_framer.h"
#include "test_main.h"

#include <limits>
#include <vector>

using namespace emotion;

namespace {

// Every window's samples, one after the other, for `audio` pushed in buffers of `buffer` samples.
std::vector<float> windows_of(const std::vector<float>& audio, size_t buffer, size_t window, size_t hop) {
    dsp::SampleFramer framer(window, hop);
    std::vector<float> out;
    for (size_t begin = 0; begin < audio.size(); begin += buffer)
        framer.push(audio.data() + begin, std::min(buffer, audio.size() - begin),
                    [&](const float* w) { out.insert(out.end(), w, w + window); });
    EXPECT(framer.samples_pushed() == audio.size());
    return out;
}

} // namespace

TEST(windows_start_every_hop) {
    std::vector<float> audio(23);
    for (size_t i = 0; i < audio.size(); ++i) audio[i] = float(i);
    const std::vector<float> out = windows_of(audio, 23, 5, 3);
    // Windows at 0, 3, ..., 18 (18 + 5 = 23 fits, 21 + 5 does not).
    EXPECT(out.size() == 7 * 5);
    for (size_t w = 0; w < out.size() / 5; ++w)
        for (size_t k = 0; k < 5; ++k) EXPECT(out[w * 5 + k] == float(w * 3 + k));
}

TEST(buffer_sizes_do_not_matter) {
    std::vector<float> audio(1000);
    for (size_t i = 0; i < audio.size(); ++i) audio[i] = float(i % 97) - 40.0f;
    const std::vector<float> whole = windows_of(audio, audio.size(), 40, 16);
    EXPECT(whole.size() == ((1000 - 40) / 16 + 1) * 40);
    for (size_t buffer : {1, 7, 16, 39, 41, 333})
        EXPECT_MSG(windows_of(audio, buffer, 40, 16) == whole, "buffer " + std::to_string(buffer));
}

TEST(nonfinite_samples_become_zero_and_are_counted) {
    dsp::SampleFramer framer(4, 4);
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const std::vector<float> audio = {1.0f, nan, 3.0f, -inf, 5.0f, 6.0f, inf, 8.0f};
    std::vector<float> out;
    framer.push(audio.data(), audio.size(), [&](const float* w) { out.insert(out.end(), w, w + 4); });
    EXPECT(out == (std::vector<float>{1.0f, 0.0f, 3.0f, 0.0f, 5.0f, 6.0f, 0.0f, 8.0f}));
    EXPECT(framer.nonfinite_samples() == 3);
    framer.reset();
    EXPECT(framer.nonfinite_samples() == 3); // since construction
    EXPECT(framer.samples_pushed() == 0);    // since reset
}

TEST(reset_drops_the_incomplete_window) {
    dsp::SampleFramer framer(4, 2);
    const std::vector<float> first = {9, 9, 9}, second = {1, 2, 3, 4};
    int windows = 0;
    std::vector<float> seen;
    auto collect = [&](const float* w) {
        ++windows;
        seen.assign(w, w + 4);
    };
    framer.push(first.data(), first.size(), collect);
    EXPECT(windows == 0);
    framer.reset();
    framer.push(second.data(), second.size(), collect);
    EXPECT(windows == 1);
    EXPECT(seen == second);
}

TEST(a_large_buffer_is_framed_in_pieces) {
    // Windows across the piece boundaries are whole and in order.
    const size_t count = 3 * dsp::SampleFramer::kPiece + 123;
    std::vector<float> audio(count);
    for (size_t i = 0; i < count; ++i) audio[i] = float(i % 1000);
    dsp::SampleFramer framer(400, 160);
    size_t windows = 0;
    bool in_order = true;
    framer.push(audio.data(), count, [&](const float* w) {
        for (size_t k = 0; k < 400; ++k) in_order = in_order && w[k] == float((windows * 160 + k) % 1000);
        ++windows;
    });
    EXPECT(in_order);
    EXPECT(windows == (count - 400) / 160 + 1);
}

TEST_MAIN()
