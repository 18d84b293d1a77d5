// mu-law spectrogram segments against shared/reference/mulaw/ (|impl - golden| <= 5e-5), split
// invariance of the streaming segmenter, and the edge cases of the spec (T = 0, short input).
#include "dsp/mulaw.h"
#include "io/wav.h"
#include "test_main.h"

#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>

using namespace emotion;

namespace {

constexpr size_t kValues = static_cast<size_t>(dsp::kMulawBins) * dsp::kMulawSegmentFrames;

std::string mulaw_dir() { return test::shared_dir() + "/reference/mulaw/"; }

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        std::vector<std::string> fields;
        std::istringstream stream(line);
        for (std::string field; std::getline(stream, field, ',');) fields.push_back(field);
        rows.push_back(fields);
    }
    return rows;
}

struct Collected {
    std::vector<std::vector<float>> values;
    std::vector<dsp::MulawSegmenter::Segment> info;
};

Collected run(const std::vector<float>& x, size_t chunk) {
    dsp::MulawSegmenter segmenter;
    Collected out;
    const auto keep = [&](const dsp::MulawSegmenter::Segment& s) {
        out.values.emplace_back(s.values, s.values + kValues);
        out.info.push_back(s);
    };
    for (size_t i = 0; i < x.size(); i += chunk)
        segmenter.push(x.data() + i, std::min(chunk, x.size() - i), keep);
    segmenter.finish(keep);
    return out;
}

} // namespace

TEST(golden_parity_every_csv) {
    const auto manifest = read_csv(mulaw_dir() + "manifest.csv");
    EXPECT(manifest.size() == 6u);
    for (size_t r = 1; r < manifest.size(); ++r) {
        const auto& m =
            manifest[r]; // csv,input_wav,samples,frames_total,first_frame,real_frames,zero_columns
        const std::vector<float> x = io::read_wav(mulaw_dir() + m[1]).samples;
        EXPECT(x.size() == std::stoul(m[2]));
        const Collected segments = run(x, 4096);
        const int64_t first = std::stoll(m[4]);
        const size_t j = static_cast<size_t>(first / 100);
        EXPECT_MSG(j < segments.values.size(), m[0]);
        if (j >= segments.values.size()) continue;
        EXPECT(segments.info[j].first_frame == first);
        EXPECT(segments.info[j].real_frames == std::stoll(m[5]));

        const auto golden = read_csv(mulaw_dir() + m[0]);
        EXPECT(golden.size() == 400u && golden[0].size() == 200u);
        double worst = 0.0;
        for (size_t k = 0; k < golden.size(); ++k)
            for (size_t c = 0; c < golden[k].size(); ++c)
                worst = std::max(worst, std::fabs(segments.values[j][k * 200 + c] - std::stod(golden[k][c])));
        std::printf("%s: segment %zu of %zu, max |err| %.3g\n", m[0].c_str(), j, segments.values.size(),
                    worst);
        EXPECT_MSG(worst <= 5e-5, m[0]);
    }
}

TEST(segment_count_and_padding_follow_spec) {
    const std::vector<float> x = io::read_wav(mulaw_dir() + "speech_en_espeak_long.wav").samples;
    const Collected all = run(x, x.size()); // T = 347: segments at 0, 100, 200
    EXPECT(all.values.size() == 3u);
    if (all.values.size() != 3u) return;
    EXPECT(all.info[2].real_frames == 147);
    for (size_t k = 0; k < 400; ++k)
        for (size_t c = 147; c < 200; ++c) EXPECT(all.values[2][k * 200 + c] == -1.0f);
    // Exactly T = 200 frames (N = 640 + 199 * 160): one segment, no padding.
    const std::vector<float> exact(x.begin(), x.begin() + 640 + 199 * 160);
    const Collected one = run(exact, 777);
    EXPECT(one.values.size() == 1u && one.info[0].real_frames == 200);
    // T = 201: segment 0 complete, segment 1 padded.
    const std::vector<float> over(x.begin(), x.begin() + 640 + 200 * 160);
    EXPECT(run(over, 777).values.size() == 2u);
}

TEST(streaming_split_invariance) {
    const std::vector<float> x = io::read_wav(mulaw_dir() + "speech_en_espeak_long.wav").samples;
    const Collected whole = run(x, x.size());
    for (size_t chunk : {size_t{1}, size_t{160}, size_t{641}, size_t{4096}}) {
        const Collected split = run(x, chunk);
        bool same = split.values.size() == whole.values.size();
        for (size_t i = 0; same && i < split.values.size(); ++i)
            same = std::memcmp(split.values[i].data(), whole.values[i].data(), kValues * sizeof(float)) == 0;
        EXPECT_MSG(same, "chunk " + std::to_string(chunk));
    }
    // Complete segments come out during push, before finish().
    dsp::MulawSegmenter segmenter;
    int during_push = 0;
    segmenter.push(x.data(), x.size(), [&](const dsp::MulawSegmenter::Segment&) { ++during_push; });
    EXPECT(during_push == 2);
    EXPECT(segmenter.samples_pushed() == x.size());
}

TEST(zero_frames_give_no_segment) {
    std::vector<float> x(639, 0.25f);
    const Collected none = run(x, 100);
    EXPECT(none.values.empty());
    EXPECT(dsp::mulaw_segments(x.data(), x.size()).empty());
    EXPECT(dsp::mulaw_segments(x.data(), 0).empty());
}

TEST(short_input_gives_one_padded_segment) {
    std::mt19937 rng(3);
    std::normal_distribution<float> noise(0.0f, 0.1f);
    std::vector<float> x(640 + 10 * 160);
    for (float& v : x) v = noise(rng);
    const auto segments = dsp::mulaw_segments(x.data(), x.size());
    EXPECT(segments.size() == 1u);
    if (segments.size() != 1u) return;
    float lo = 1.0f, hi = -1.0f;
    for (size_t k = 0; k < 400; ++k) {
        for (size_t c = 0; c < 200; ++c) {
            const float v = segments[0][k * 200 + c];
            if (c >= 11) EXPECT(v == -1.0f);
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    EXPECT(lo == -1.0f);
    EXPECT_NEAR(hi, 1.0, 1e-6);
}

TEST(constant_and_nonfinite_input) {
    std::vector<float> x(640 + 50 * 160, 0.0f);
    auto segments = dsp::mulaw_segments(x.data(), x.size()); // M = m: -1 everywhere
    EXPECT(segments.size() == 1u);
    bool all_minus_one = true;
    for (float v : segments[0]) all_minus_one &= v == -1.0f;
    EXPECT(all_minus_one);

    x[5000] = std::numeric_limits<float>::quiet_NaN();
    x[7000] = std::numeric_limits<float>::infinity();
    dsp::MulawSegmenter segmenter;
    bool finite = true;
    const auto check = [&](const dsp::MulawSegmenter::Segment& s) {
        for (size_t i = 0; i < kValues; ++i) finite &= std::isfinite(s.values[i]);
    };
    segmenter.push(x.data(), x.size(), check);
    segmenter.finish(check);
    EXPECT(finite);
    EXPECT(segmenter.nonfinite_samples() == 2u);
}

TEST_MAIN()
