// Speaker normalisation of the mu-law segment model (M2 `apcnn`, models/speaker_normalization.h):
// the speech span from a segment's bins, each frequency row's running mean computed by hand,
// speakers kept apart, and the paper's per-segment model reading its segments as they come.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "dsp/mulaw.h"
#include "models/architecture.h"
#include "models/classifier.h"
#include "models/speaker_normalization.h"
#include "train/run_start.h"
#include "train/training_issue.h"
#include "test_main.h"

using namespace emotion::models;

namespace {

constexpr int kRows = emotion::dsp::kMulawBins, kFrames = emotion::dsp::kMulawSegmentFrames;
constexpr size_t kSize = size_t(kRows) * kFrames;

// The mu-law value of a bin whose min-max scaled magnitude is m in [0, 1] (dsp/mulaw.h).
float mulaw_of(double m) {
    const double y = 2.0 * m - 1.0;
    return static_cast<float>(std::copysign(std::log1p(255.0 * std::fabs(y)) / std::log(256.0), y));
}

// A segment whose frames [begin, end) are speech (magnitudes around `level`, varying by row)
// and the others near silence (magnitude 1e-3: 50 dB down).
std::vector<float> segment(int begin, int end, double level, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> jitter(0.0, 0.3);
    std::vector<float> values(kSize);
    for (int f = 0; f < kRows; ++f)
        for (int t = 0; t < kFrames; ++t) {
            const bool speech = t >= begin && t < end;
            const double m = speech ? level * (0.5 + 0.5 * f / kRows) + jitter(rng) * level : 1e-3;
            values[size_t(f) * kFrames + t] = mulaw_of(std::min(m, 1.0));
        }
    return values;
}

std::unique_ptr<Classifier> new_apcnn(const std::string& normalization) {
    emotion::train::NewModelSpec spec;
    spec.architecture = &architecture_named("apcnn");
    spec.config_overrides = {{"pooling", "gap"}};
    if (!normalization.empty()) spec.config_overrides["input_normalization"] = normalization;
    spec.labels = {"angry", "happy", "neutral", "sad"};
    spec.seed = 7;
    spec.path = "apcnn.safetensors";
    return emotion::train::new_classifier(spec, nullptr);
}

// Per row: weighted sums over the spans (each segment weighing 1/n), the running mean after
// fading `before` (sums and weight of what came before) by exp(-added / 6000).
struct Sums {
    double weight = 0.0;
    std::vector<double> sum = std::vector<double>(kRows, 0.0);
};

Sums by_hand(const std::vector<std::vector<float>>& segments, const std::vector<FrameSpan>& spans,
             Sums before) {
    const double w = 1.0 / segments.size();
    for (size_t i = 0; i < segments.size(); ++i) {
        const double added = (spans[i].end - spans[i].begin) * w, fade = std::exp(-added / 6000.0);
        before.weight = before.weight * fade + added;
        for (int f = 0; f < kRows; ++f) {
            double s = 0;
            for (int t = spans[i].begin; t < spans[i].end; ++t) s += segments[i][size_t(f) * kFrames + t];
            before.sum[f] = before.sum[f] * fade + s * w;
        }
    }
    return before;
}

// The largest difference between `normalized` and the raw segments minus each row's mean in `s`.
double error_against(const std::vector<std::vector<float>>& raw,
                     const std::vector<std::vector<float>>& normalized, const Sums& s) {
    double worst = 0.0;
    for (size_t i = 0; i < raw.size(); ++i)
        for (int f = 0; f < kRows; ++f) {
            const double mean = s.sum[f] / s.weight;
            for (int t = 0; t < kFrames; ++t) {
                const size_t k = size_t(f) * kFrames + t;
                worst = std::max(worst, std::fabs(normalized[i][k] - (raw[i][k] - mean)));
            }
        }
    return worst;
}

std::vector<float*> pointers(std::vector<std::vector<float>>& segments) {
    std::vector<float*> out;
    for (auto& s : segments) out.push_back(s.data());
    return out;
}

} // namespace

TEST(mulaw_speech_span_is_where_the_bins_are_loud) {
    auto values = segment(40, 130, 0.6, 1);
    FrameSpan span = mulaw_speech_span(values.data());
    EXPECT(span.begin == 40 && span.end == 130);
    // a real spectrogram: a tone between two silences, through the segmenter
    std::vector<float> audio(32000, 0.0f);
    for (int i = 8000; i < 24000; ++i) audio[i] = 0.5f * std::sin(2.0 * M_PI * 440.0 * i / 16000.0);
    std::mt19937 rng(2);
    std::normal_distribution<float> hiss(0.0f, 1e-4f);
    for (float& v : audio) v += hiss(rng);
    auto segments = emotion::dsp::mulaw_segments(audio.data(), audio.size());
    span = mulaw_speech_span(segments.at(0).data());
    std::printf("tone at 0.5-1.5 s in 2 s of hiss: speech frames [%d, %d)\n", span.begin, span.end);
    // frames of 640 samples every 160: the tone reaches frames 47..150
    EXPECT(span.begin >= 45 && span.begin <= 50 && span.end >= 147 && span.end <= 152);
    // all padding (mu-law -1 everywhere): nothing is louder, the whole segment
    std::vector<float> silent(kSize, -1.0f);
    span = mulaw_speech_span(silent.data());
    EXPECT(span.begin == 0 && span.end == kFrames);
}

TEST(mulaw_rows_lose_the_speakers_running_mean) {
    SpeakerNormalizer normalizer(kRows);
    std::vector<std::vector<float>> first = {segment(20, 180, 0.4, 3), segment(0, 120, 0.4, 4)};
    std::vector<std::vector<float>> second = {segment(10, 190, 0.8, 5)}; // louder
    const auto first_raw = first, second_raw = second;
    const std::vector<FrameSpan> first_spans = {{20, 180}, {0, 120}}, second_spans = {{10, 190}};
    normalizer.normalize_segments("a", pointers(first), first_spans, kFrames);
    normalizer.normalize_segments("a", pointers(second), second_spans, kFrames);
    const Sums after_first = by_hand(first_raw, first_spans, Sums{});
    const Sums after_second = by_hand(second_raw, second_spans, after_first);
    const double e1 = error_against(first_raw, first, after_first);
    const double e2 = error_against(second_raw, second, after_second);
    std::printf("mu-law rows against the hand computation: max error %.2e (first), %.2e (second)\n", e1, e2);
    EXPECT(e1 < 1e-4 && e2 < 1e-4);
    // the louder utterance stays above the speaker's average over its speech, its spread kept
    double mean = 0.0;
    for (int t = 10; t < 190; ++t) mean += second[0][size_t(200) * kFrames + t] / 180.0;
    EXPECT(mean > 0.05);
    const size_t k0 = size_t(200) * kFrames + 50, k1 = k0 + 1;
    EXPECT(std::fabs((second[0][k1] - second[0][k0]) - (second_raw[0][k1] - second_raw[0][k0])) < 1e-6);
    // mismatched spans are a clear error
    EXPECT_THROWS(normalizer.normalize_segments("a", pointers(second), first_spans, kFrames));
}

TEST(mulaw_speakers_are_kept_apart_and_an_interim_look_leaves_them_alone) {
    SpeakerNormalizer normalizer(kRows);
    std::vector<std::vector<float>> a = {segment(0, 200, 0.5, 6)};
    std::vector<std::vector<float>> other = {segment(0, 200, 0.9, 7)};
    auto b = a, a_interim = a, a_after = a;
    const std::vector<FrameSpan> spans = {{0, 200}};
    normalizer.normalize_segments("b", pointers(other), spans, kFrames);
    normalizer.normalize_segments("a", pointers(a), spans, kFrames); // b's utterance is not a's
    SpeakerNormalizer fresh(kRows);
    auto alone = b;
    fresh.normalize_segments("a", pointers(alone), spans, kFrames);
    EXPECT(a == alone);
    normalizer.normalize_segments("b", pointers(b), spans, kFrames); // b's second: read against both
    EXPECT(!(b == alone));
    SpeakerNormalizer looked(kRows);
    looked.normalize_segments("a", pointers(a_interim), spans, kFrames, false);
    EXPECT(a_interim == a);
    looked.normalize_segments("a", pointers(a_after), spans, kFrames); // the look left nothing
    EXPECT(a_after == a);
}

TEST(apcnn_speaker_model_reads_hand_normalised_segments_and_segment_default_is_unchanged) {
    auto by_segment = new_apcnn("");
    auto by_segment_named = new_apcnn("segment");
    auto by_speaker = new_apcnn("speaker");
    EXPECT(by_segment->input_normalization() == InputNormalization::Segment);
    EXPECT(!by_segment->info().config.contains("input_normalization"));
    EXPECT(!by_segment_named->info().config.contains("input_normalization"));
    EXPECT(by_segment->info().normalisation == architecture_named("apcnn").normalisation);
    EXPECT(by_speaker->input_normalization() == InputNormalization::Speaker);
    EXPECT(by_speaker->info().config.at("input_normalization") == "speaker");
    EXPECT(by_speaker->info().normalisation == kSpeakerMulawNormalisation);

    std::vector<std::vector<float>> utterance = {segment(30, 200, 0.5, 8), segment(0, 150, 0.6, 9)};
    const auto raw = utterance;
    // the per-segment model: segments as they come, conditioning leaves them alone
    by_segment->condition_segments(pointers(utterance), "s1");
    EXPECT(utterance == raw);
    const std::vector<const float*> raw_pointers = {raw[0].data(), raw[1].data()};
    const auto p_plain = by_segment->classify_segments(raw_pointers);
    EXPECT(p_plain == by_segment->classify_segments(raw_pointers, "s1"));

    // the speaker model = the same weights (seed 7) on the segments normalised by hand
    const auto p_speaker = by_speaker->classify_segments(raw_pointers, "s1");
    auto by_hand = raw;
    SpeakerNormalizer normalizer(kRows);
    normalizer.normalize_segments("s1", pointers(by_hand), {{30, 200}, {0, 150}}, kFrames);
    const auto p_hand = by_segment->classify_segments({by_hand[0].data(), by_hand[1].data()});
    double worst = 0.0, differs = 0.0;
    for (int k = 0; k < 4; ++k) {
        worst = std::max(worst, double(std::fabs(p_speaker[k] - p_hand[k])));
        differs = std::max(differs, double(std::fabs(p_speaker[k] - p_plain[k])));
    }
    std::printf("apcnn speaker model vs hand-normalised segments: max difference %.2e (vs raw %.2e)\n", worst,
                differs);
    EXPECT(worst < 1e-6);
    EXPECT(differs > 1e-4);
    // the classifier remembers s1 (after a louder utterance, the same one reads differently) and
    // forgets on forget_speakers
    const auto louder = segment(0, 200, 0.95, 10);
    by_speaker->classify_segments({louder.data()}, "s1");
    EXPECT(!(by_speaker->classify_segments(raw_pointers, "s1") == p_speaker));
    by_speaker->forget_speakers();
    EXPECT(by_speaker->classify_segments(raw_pointers, "s1") == p_speaker);
}

TEST(speaker_normalization_is_refused_for_ksmm) {
    emotion::train::NewModelSpec spec;
    spec.architecture = &architecture_named("ksmm");
    spec.config_overrides = {{"input_normalization", "speaker"}};
    spec.labels = {"angry", "sad"};
    spec.path = "ksmm.safetensors";
    bool refused = false;
    try {
        emotion::train::new_classifier(spec, nullptr);
    } catch (const emotion::train::TrainingError& e) {
        refused = std::string(e.what()).find("alstm, stl and apcnn, not ksmm") != std::string::npos;
        std::printf("ksmm with speaker normalisation: %s\n", e.what());
    }
    EXPECT(refused);
    spec.architecture = &architecture_named("apcnn");
    spec.config_overrides = {{"input_normalization", "by-corpus"}};
    EXPECT_THROWS(emotion::train::new_classifier(spec, nullptr));
}

TEST(apcnn_refuses_the_lld_models_warm_up_keys) {
    emotion::train::NewModelSpec spec;
    spec.architecture = &architecture_named("apcnn");
    spec.labels = {"angry", "sad"};
    spec.path = "apcnn.safetensors";
    for (const char* key : {"speaker_prior_frames", "speaker_reset", "speaker_first"}) {
        spec.config_overrides = {{"input_normalization", "speaker"}, {key, 0.2}};
        bool refused = false;
        try {
            emotion::train::new_classifier(spec, nullptr);
        } catch (const emotion::train::TrainingError& e) {
            refused =
                std::string(e.what()).find(std::string(key) + " is for alstm and stl") != std::string::npos;
            std::printf("apcnn with %s: %s\n", key, e.what());
        }
        EXPECT(refused);
    }
    // without them the same model is built
    spec.config_overrides = {{"input_normalization", "speaker"}};
    EXPECT(emotion::train::new_classifier(spec, nullptr) != nullptr);
}

TEST_MAIN()
