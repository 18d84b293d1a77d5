// LLD features 0-33 against the pyAudioAnalysis goldens (shared/reference/lld/), with the
// per-feature tolerances of float32_tolerance.csv; silence; split invariance; non-finite input.
#include "dsp/lld.h"
#include "io/wav.h"
#include "test_main.h"

#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>

using namespace emotion;

namespace {

constexpr int kGoldenFeatures = 34;
constexpr int kRolloff = 7;

std::string lld_dir() { return test::shared_dir() + "/reference/lld/"; }

// Splits one CSV line; handles double-quoted fields (manifest sources contain commas).
std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"')
            quoted = !quoted;
        else if (c == ',' && !quoted)
            fields.emplace_back();
        else if (c != '\r')
            fields.back() += c;
    }
    return fields;
}

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open");
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) rows.push_back(split_csv(line));
    return rows;
}

struct Tolerance {
    double atol = 0.0, rtol = 0.0;
};

std::map<std::string, Tolerance> read_tolerances() {
    const auto rows = read_csv(lld_dir() + "float32_tolerance.csv");
    std::map<std::string, int> column;
    for (size_t i = 0; i < rows[0].size(); ++i) column[rows[0][i]] = static_cast<int>(i);
    std::map<std::string, Tolerance> tolerances;
    for (size_t r = 1; r < rows.size(); ++r) {
        tolerances[rows[r][0]] = {std::stod(rows[r][column.at("suggested_atol")]),
                                  std::stod(rows[r][column.at("suggested_rtol")])};
    }
    return tolerances;
}

std::vector<float> lld_of(const std::vector<float>& samples, size_t chunk) {
    dsp::LldStream stream;
    std::vector<float> out;
    for (size_t i = 0; i < samples.size(); i += chunk)
        stream.push(samples.data() + i, std::min(chunk, samples.size() - i), out);
    return out;
}

std::vector<float> read_samples(const std::string& wav) {
    const io::WavAudio audio = io::read_wav(lld_dir() + wav);
    if (audio.sample_rate != dsp::kSampleRate) throw std::runtime_error(wav + ": not 16 kHz");
    return audio.samples;
}

} // namespace

TEST(golden_parity_every_file) {
    const auto tolerances = read_tolerances();
    const auto manifest = read_csv(lld_dir() + "manifest.csv");
    std::map<std::string, int> column;
    for (size_t i = 0; i < manifest[0].size(); ++i) column[manifest[0][i]] = static_cast<int>(i);
    EXPECT(manifest.size() >= 2);

    for (size_t r = 1; r < manifest.size(); ++r) {
        const auto& entry = manifest[r];
        const std::string wav = entry[column.at("wav")];
        std::set<std::string> skipped;
        std::istringstream ill(entry[column.at("ill_conditioned_features")]);
        for (std::string name; ill >> name;) skipped.insert(name);

        const auto golden = read_csv(lld_dir() + entry[column.at("lld_csv")]);
        const std::vector<float> lld = lld_of(read_samples(wav), 4096);
        const size_t frames = lld.size() / dsp::kLldFeatures;
        EXPECT_MSG(frames == golden.size() - 1, wav + ": frame count");
        EXPECT_MSG(frames == std::stoul(entry[column.at("frames")]), wav + ": manifest frames");
        if (frames != golden.size() - 1) continue;

        std::printf("%s (%zu frames, skipping %zu columns)\n", wav.c_str(), frames, skipped.size());
        for (int f = 0; f < kGoldenFeatures; ++f) {
            const std::string name = golden[0][static_cast<size_t>(f)];
            EXPECT_MSG(name == dsp::lld_feature_name(f), "header " + name);
            if (skipped.count(name)) continue;
            const Tolerance tol = tolerances.at(name);
            double worst = 0.0, worst_ratio = 0.0;
            int bad = 0;
            for (size_t t = 0; t < frames; ++t) {
                const double want = std::stod(golden[t + 1][static_cast<size_t>(f)]);
                const double got = lld[t * dsp::kLldFeatures + static_cast<size_t>(f)];
                const double err = std::fabs(got - want);
                worst = std::max(worst, err);
                const double allowed = tol.atol + tol.rtol * std::fabs(want);
                worst_ratio = std::max(worst_ratio, err / allowed);
                bool ok = err <= allowed;
                if (f == kRolloff) ok = std::lround(200.0 * got) == std::lround(200.0 * want);
                if (!ok && ++bad <= 3)
                    test::fail(__FILE__, __LINE__,
                               wav + " frame " + std::to_string(t) + " " + name + ": got " +
                                   std::to_string(got) + ", golden " + std::to_string(want));
            }
            std::printf("  %-17s max |err| %.3g (%.2f of tolerance)%s\n", name.c_str(), worst, worst_ratio,
                        bad ? "  FAIL" : "");
        }
    }
}

TEST(silence_gives_documented_values) {
    const std::vector<float> lld = lld_of(read_samples("silence.wav"), 160);
    EXPECT(lld.size() == 18u * dsp::kLldFeatures);
    const double mfcc1 = std::sqrt(40.0) * std::log10(std::numeric_limits<double>::epsilon());
    for (size_t t = 0; t * dsp::kLldFeatures < lld.size(); ++t) {
        for (int f = 0; f < dsp::kLldFeatures; ++f) {
            const double want = f == 8 ? mfcc1 : 0.0;
            EXPECT_NEAR(lld[t * dsp::kLldFeatures + f], want, 1e-4);
        }
    }
    EXPECT_NEAR(mfcc1, -99.0018048, 1e-6);
}

TEST(split_invariance_bit_identical) {
    const std::vector<float> samples = read_samples("emodb_03a01Fa.wav");
    const std::vector<float> whole = lld_of(samples, samples.size());
    EXPECT(whole.size() == 188u * dsp::kLldFeatures);
    for (size_t chunk : {size_t{1}, size_t{160}, size_t{4096}}) {
        const std::vector<float> split = lld_of(samples, chunk);
        EXPECT_MSG(split.size() == whole.size() &&
                       std::memcmp(split.data(), whole.data(), whole.size() * sizeof(float)) == 0,
                   "chunk " + std::to_string(chunk));
    }
    std::mt19937 rng(7);
    std::uniform_int_distribution<size_t> size(0, 1000);
    dsp::LldStream stream;
    std::vector<float> random_split;
    for (size_t i = 0; i < samples.size();) {
        const size_t count = std::min(size(rng), samples.size() - i);
        stream.push(samples.data() + i, count, random_split);
        i += count;
    }
    EXPECT(random_split.size() == whole.size() &&
           std::memcmp(random_split.data(), whole.data(), whole.size() * sizeof(float)) == 0);
    EXPECT(stream.frames_emitted() == 188);
    EXPECT(stream.samples_pushed() == samples.size());

    // reset() starts a new stream: same output again, flux of the first frame 0.
    stream.reset();
    std::vector<float> again;
    stream.push(samples.data(), samples.size(), again);
    EXPECT(again.size() == whole.size() &&
           std::memcmp(again.data(), whole.data(), whole.size() * sizeof(float)) == 0);
    EXPECT(again[6] == 0.0f);
}

TEST(nonfinite_input_is_zeroed_and_counted) {
    std::vector<float> samples = read_samples("speech_en_espeak.wav");
    std::vector<float> zeroed = samples;
    const float bad[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                         -std::numeric_limits<float>::infinity()};
    for (size_t i = 1000, k = 0; i < samples.size(); i += 997, ++k) {
        samples[i] = bad[k % 3];
        zeroed[i] = 0.0f;
    }
    const size_t expected_bad = (samples.size() - 1000 + 996) / 997;
    dsp::LldStream stream;
    std::vector<float> out;
    stream.push(samples.data(), samples.size(), out);
    EXPECT(stream.nonfinite_samples() == expected_bad);
    bool all_finite = true;
    for (float v : out) all_finite &= std::isfinite(v);
    EXPECT(all_finite);
    const std::vector<float> reference = lld_of(zeroed, zeroed.size());
    EXPECT(out.size() == reference.size() &&
           std::memcmp(out.data(), reference.data(), out.size() * sizeof(float)) == 0);
}

// mulawspec's VAD must see lldextract's energies: LldEnergyStream gives feature 1 bit for bit,
// in chunks of any size, and counts non-finite samples like LldStream.
TEST(energy_stream_is_feature_1) {
    std::vector<float> samples = read_samples("speech_en_espeak.wav");
    samples[5000] = std::numeric_limits<float>::quiet_NaN();
    dsp::LldStream full;
    std::vector<float> features;
    full.push(samples.data(), samples.size(), features);
    dsp::LldEnergyStream energies;
    std::vector<float> energy;
    for (size_t begin = 0, chunk = 1; begin < samples.size(); begin += chunk, chunk = chunk * 3 % 1001 + 1)
        energies.push(samples.data() + begin, std::min(chunk, samples.size() - begin), energy);
    const size_t frames = features.size() / dsp::kLldFeatures;
    bool same = energy.size() == frames && frames > 100;
    for (size_t f = 0; same && f < frames; ++f)
        same = std::memcmp(&energy[f], &features[f * dsp::kLldFeatures + 1], sizeof(float)) == 0;
    EXPECT(same);
    EXPECT(energies.nonfinite_samples() == 1);
    energies.reset();
    energy.clear();
    EXPECT(energies.push(samples.data(), dsp::kLldWindow - 1, energy) == 0 && energy.empty());
}

TEST(feature_names_in_order) {
    EXPECT(std::string(dsp::lld_feature_name(0)) == "zcr");
    EXPECT(std::string(dsp::lld_feature_name(33)) == "chroma_std");
    EXPECT(std::string(dsp::lld_feature_name(34)) == "harmonic_ratio");
    EXPECT(std::string(dsp::lld_feature_name(35)) == "f0");
    EXPECT(std::string(dsp::lld_feature_name(36)).empty());
}

TEST_MAIN()
