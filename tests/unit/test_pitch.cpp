// PitchEstimator on harmonic tones of known F0 (shared/reference/pitch/): every 400-sample frame
// voiced within 2 % of F0; white noise frames unvoiced (none allowed).
#include "dsp/lld.h"
#include "dsp/pitch.h"
#include "io/wav.h"
#include "test_main.h"

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace emotion;

namespace {

std::string pitch_dir() { return test::shared_dir() + "/reference/pitch/"; }

struct Reference {
    std::string file;
    double f0_hz;
    bool voiced;
};

std::vector<Reference> read_reference() {
    std::ifstream in(pitch_dir() + "pitch_reference.csv");
    if (!in) throw std::runtime_error("pitch_reference.csv: cannot open");
    std::vector<Reference> rows;
    std::string line;
    std::getline(in, line); // header: file,f0_hz,voiced,...
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string file, f0, voiced;
        std::getline(fields, file, ',');
        std::getline(fields, f0, ',');
        std::getline(fields, voiced, ',');
        if (!file.empty()) rows.push_back({file, std::stod(f0), voiced == "1"});
    }
    return rows;
}

std::vector<dsp::PitchResult> analyze_frames(const std::vector<float>& x) {
    dsp::PitchEstimator estimator;
    std::vector<dsp::PitchResult> results;
    for (size_t start = 0; start + dsp::kLldWindow <= x.size(); start += dsp::kLldHop)
        results.push_back(estimator.analyze(x.data() + start));
    return results;
}

} // namespace

TEST(tones_voiced_within_two_percent) {
    int files = 0;
    for (const Reference& ref : read_reference()) {
        if (!ref.voiced) continue;
        ++files;
        const auto frames = analyze_frames(io::read_wav(pitch_dir() + ref.file).samples);
        EXPECT(frames.size() == 98u);
        std::vector<double> errors;
        int unvoiced = 0;
        for (const auto& r : frames) {
            if (r.f0_hz <= 0.0f) ++unvoiced;
            errors.push_back(std::fabs(r.f0_hz - ref.f0_hz) / ref.f0_hz);
            EXPECT(r.harmonic_ratio >= 0.99f && r.harmonic_ratio <= 1.0f);
        }
        std::sort(errors.begin(), errors.end());
        const double median = errors[errors.size() / 2], worst = errors.back();
        std::printf("%s: F0 %.0f Hz, %zu frames, %d unvoiced, relative error median %.4f %% "
                    "worst %.4f %%\n",
                    ref.file.c_str(), ref.f0_hz, frames.size(), unvoiced, 100 * median, 100 * worst);
        EXPECT_MSG(unvoiced == 0, ref.file);
        EXPECT_MSG(worst <= 0.02, ref.file);
    }
    EXPECT(files == 5);
}

// Allowed fraction of voiced noise frames: 0.
TEST(noise_unvoiced) {
    int files = 0;
    for (const Reference& ref : read_reference()) {
        if (ref.voiced) continue;
        ++files;
        const auto frames = analyze_frames(io::read_wav(pitch_dir() + ref.file).samples);
        EXPECT(frames.size() == 48u);
        int voiced = 0;
        float highest = 0.0f;
        for (const auto& r : frames) {
            voiced += r.f0_hz > 0.0f;
            highest = std::max(highest, r.harmonic_ratio);
        }
        std::printf("%s: %zu frames, %d voiced, highest harmonic ratio %.3f\n", ref.file.c_str(),
                    frames.size(), voiced, highest);
        EXPECT_MSG(voiced == 0, ref.file);
        EXPECT(highest > 0.0f && highest < 0.5f);
    }
    EXPECT(files == 1);
}

TEST(silence_and_dc_unvoiced) {
    dsp::PitchEstimator estimator;
    std::vector<float> frame(dsp::kLldWindow, 0.0f);
    dsp::PitchResult r = estimator.analyze(frame.data());
    EXPECT(r.f0_hz == 0.0f && r.harmonic_ratio == 0.0f);
    std::fill(frame.begin(), frame.end(), 0.3f); // constant: no periodicity after DC removal
    r = estimator.analyze(frame.data());
    EXPECT(r.f0_hz == 0.0f);
}

// A strong second harmonic (nr at half the period ~0.78) must not halve the period, and a
// missing fundamental still gives the period of the whole waveform.
TEST(no_octave_errors_on_synthetic_voices) {
    struct Voice {
        double f0;
        double amplitudes[6];
    };
    const Voice voices[] = {{100.0, {1.0, 3.0, 1.0 / 3, 0.25, 0.2, 1.0 / 6}},
                            {150.0, {0.0, 1.0, 1.0, 1.0, 0.5, 0.5}},
                            {210.0, {0.3, 1.0, 0.2, 0.1, 0.0, 0.0}}};
    for (const Voice& v : voices) {
        std::vector<float> x(4000);
        for (size_t n = 0; n < x.size(); ++n)
            for (int k = 0; k < 6; ++k)
                x[n] +=
                    static_cast<float>(v.amplitudes[k] * std::sin(2 * M_PI * (k + 1) * v.f0 * n / 16000.0));
        double worst = 0.0;
        for (const auto& r : analyze_frames(x)) worst = std::max(worst, std::fabs(r.f0_hz - v.f0) / v.f0);
        std::printf("synthetic voice F0 %.0f Hz: worst relative error %.4f %%\n", v.f0, 100 * worst);
        EXPECT(worst <= 0.02);
    }
}

TEST(bad_settings_throw) {
    EXPECT_THROWS(dsp::PitchEstimator(400, 16000, 300.0f, 200.0f));
    EXPECT_THROWS(dsp::PitchEstimator(400, 0));
    EXPECT_THROWS(dsp::PitchEstimator(30, 16000, 70.0f, 500.0f)); // no lag range left
}

// Real speech (EmoDB speaker 03, male): a good part of the sentence is voiced, the median F0 is
// in a male speaking range, and at least 90 % of the voiced frames lie within 70-350 Hz (a few
// octave or formant errors at irregular phonation are tolerated).
TEST(speech_f0_plausible) {
    const auto x = io::read_wav(test::shared_dir() + "/reference/lld/emodb_03a01Fa.wav").samples;
    const auto frames = analyze_frames(x);
    std::vector<float> f0;
    for (const auto& r : frames)
        if (r.f0_hz > 0.0f) f0.push_back(r.f0_hz);
    std::sort(f0.begin(), f0.end());
    const auto in_range = std::count_if(f0.begin(), f0.end(), [](float v) { return v <= 350.0f; });
    const float median = f0.empty() ? 0.0f : f0[f0.size() / 2];
    std::printf("emodb_03a01Fa: %zu of %zu frames voiced, median F0 %.1f Hz, %ld in 70-350 Hz\n", f0.size(),
                frames.size(), median, static_cast<long>(in_range));
    EXPECT(f0.size() > frames.size() / 4 && f0.size() < frames.size());
    EXPECT(median >= 90.0f && median <= 250.0f);
    EXPECT(in_range >= static_cast<long>(0.9 * f0.size()));
}

// The LLD stream carries the same pitch in features 34-35.
TEST(lld_stream_reports_pitch) {
    const auto x = io::read_wav(pitch_dir() + "harm_f0_180.wav").samples;
    dsp::LldStream stream;
    std::vector<float> lld;
    const size_t frames = stream.push(x.data(), x.size(), lld);
    EXPECT(frames == 98u);
    for (size_t t = 0; t < frames; ++t) {
        EXPECT_NEAR(lld[t * dsp::kLldFeatures + 35], 180.0, 3.6);
        EXPECT(lld[t * dsp::kLldFeatures + 34] >= 0.99f);
    }
}

TEST_MAIN()
