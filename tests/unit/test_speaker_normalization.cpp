// Speaker normalisation (models/speaker_normalization.h): the speech span by energy, running
// statistics computed by hand, and a speaker-normalised model that reads a speaker's first
// segment exactly as the paper's per-segment model reads it.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "models/architecture.h"
#include "models/classifier.h"
#include "models/speaker_normalization.h"
#include "train/run_start.h"
#include "train/training_issue.h"
#include "test_main.h"

using namespace emotion::models;

namespace {

constexpr int kWidth = 36;

// `count` LLD-like frames: feature f of frame t is drawn around f, energy (feature 1) `energy[t]`.
std::vector<float> frames_with_energy(const std::vector<float>& energy, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    std::vector<float> frames(energy.size() * kWidth);
    for (size_t t = 0; t < energy.size(); ++t)
        for (int f = 0; f < kWidth; ++f) frames[t * kWidth + f] = f == 1 ? energy[t] : f + noise(rng);
    return frames;
}

std::vector<float> speech(int silence_before, int speech_frames, int silence_after) {
    std::vector<float> energy(silence_before, 1e-7f);
    energy.insert(energy.end(), speech_frames, 0.5f);
    energy.insert(energy.end(), silence_after, 1e-7f);
    return energy;
}

std::unique_ptr<Classifier> new_model(const std::string& normalization) {
    emotion::train::NewModelSpec spec;
    spec.architecture = &architecture_named("alstm");
    spec.config_overrides = {{"input_normalization", normalization}};
    spec.labels = {"angry", "happy", "neutral", "sad"};
    spec.seed = 7;
    spec.path = "test.safetensors";
    return emotion::train::new_classifier(spec, nullptr);
}

} // namespace

TEST(speech_span_drops_silence_around_speech) {
    auto frames = frames_with_energy(speech(5, 10, 7), 1);
    FrameSpan span = speech_span(frames.data(), 22, kWidth, 1);
    EXPECT(span.begin == 5 && span.end == 15);
    // a quiet frame inside the speech stays (only the edges are cut); 31 dB down is silence
    auto energy = speech(3, 10, 3);
    energy[8] = 1e-7f;
    energy[3] = 0.5f * std::pow(10.0f, -3.1f);
    frames = frames_with_energy(energy, 2);
    span = speech_span(frames.data(), 16, kWidth, 1);
    EXPECT(span.begin == 4 && span.end == 13);
}

TEST(speech_span_widens_to_the_model_minimum_and_keeps_silent_segments) {
    auto frames = frames_with_energy(speech(10, 2, 10), 3);
    FrameSpan span = speech_span(frames.data(), 22, kWidth, 8);
    EXPECT(span.end - span.begin == 8 && span.begin <= 10 && span.end >= 12);
    // widening stops at the segment's edges
    span = speech_span(frames.data(), 22, kWidth, 40);
    EXPECT(span.begin == 0 && span.end == 22);
    // digital silence: nothing is louder than anything else, the whole segment stays
    std::vector<float> zeros(12 * kWidth, 0.0f);
    span = speech_span(zeros.data(), 12, kWidth, 1);
    EXPECT(span.begin == 0 && span.end == 12);
}

TEST(first_segment_is_its_own_z_score_later_ones_use_the_speaker_so_far) {
    SpeakerNormalizer normalizer(kWidth);
    auto first = frames_with_energy(std::vector<float>(50, 0.5f), 4);
    auto second = frames_with_energy(std::vector<float>(30, 0.5f), 5);
    for (float& v : second) v = v * 3.0f + 2.0f; // louder and wider than the first
    const auto first_raw = first, second_raw = second;
    normalizer.normalize("a", first.data(), 50);
    normalizer.normalize("a", second.data(), 30);
    double worst_first = 0.0, worst_second = 0.0;
    for (int f = 0; f < kWidth; ++f) {
        if (f == 1) continue; // constant energy: (v - mean) / floor
        // by hand: the first alone; the second with the first faded by exp(-30 / 6000)
        double s1 = 0, s2 = 0;
        for (int t = 0; t < 50; ++t)
            s1 += first_raw[t * kWidth + f], s2 += first_raw[t * kWidth + f] * first_raw[t * kWidth + f];
        const double m1 = s1 / 50, sd1 = std::sqrt(s2 / 50 - m1 * m1);
        const double fade = std::exp(-30.0 / 6000.0);
        double w = 50 * fade + 30, t1 = s1 * fade, t2 = s2 * fade;
        for (int t = 0; t < 30; ++t)
            t1 += second_raw[t * kWidth + f], t2 += second_raw[t * kWidth + f] * second_raw[t * kWidth + f];
        const double m2 = t1 / w, sd2 = std::sqrt(t2 / w - m2 * m2);
        for (int t = 0; t < 50; ++t)
            worst_first = std::max(worst_first,
                                   std::fabs(first[t * kWidth + f] - (first_raw[t * kWidth + f] - m1) / sd1));
        for (int t = 0; t < 30; ++t)
            worst_second = std::max(
                worst_second, std::fabs(second[t * kWidth + f] - (second_raw[t * kWidth + f] - m2) / sd2));
    }
    std::printf("running statistics against the hand computation: max error %.2e (first), %.2e (second)\n",
                worst_first, worst_second);
    EXPECT(worst_first < 1e-4 && worst_second < 1e-4);
    // the louder second segment stays louder than the speaker's average (a per-segment z-score
    // would centre it on 0)
    double mean_second = 0.0;
    for (int t = 0; t < 30; ++t) mean_second += second[t * kWidth + 20] / 30;
    EXPECT(mean_second > 0.5);
}

TEST(speakers_are_kept_apart_and_forgotten_on_reset) {
    SpeakerNormalizer normalizer(kWidth);
    auto a = frames_with_energy(std::vector<float>(40, 0.5f), 6);
    auto b = a;
    auto b_again = a;
    normalizer.normalize("a", a.data(), 40);
    normalizer.normalize("b", b.data(), 40); // same frames, other speaker: the same result
    EXPECT(a == b);
    normalizer.normalize("b", b_again.data(), 40); // b's second time: statistics of both
    normalizer.reset();
    auto b_after_reset = frames_with_energy(std::vector<float>(40, 0.5f), 6);
    normalizer.normalize("b", b_after_reset.data(), 40);
    EXPECT(b_after_reset == a);
}

TEST(an_interim_look_leaves_the_statistics_alone) {
    SpeakerNormalizer looked(kWidth), fresh(kWidth);
    auto open_part = frames_with_energy(std::vector<float>(25, 0.5f), 9);
    auto seen = open_part;
    looked.normalize("a", seen.data(), 25, false);
    auto alone = open_part;
    fresh.normalize("a", alone.data(), 25);
    EXPECT(seen == alone); // the open part is read with its own frames counted
    auto next_a = frames_with_energy(std::vector<float>(40, 0.5f), 10), next_b = next_a;
    looked.normalize("a", next_a.data(), 40);
    SpeakerNormalizer never(kWidth);
    never.normalize("a", next_b.data(), 40);
    EXPECT(next_a == next_b); // and then forgotten
}

TEST(speaker_model_reads_a_first_segment_as_the_segment_model_does) {
    auto by_segment = new_model("segment");
    auto by_speaker = new_model("speaker");
    EXPECT(by_segment->input_normalization() == InputNormalization::Segment);
    EXPECT(by_speaker->input_normalization() == InputNormalization::Speaker);
    EXPECT(by_speaker->info().normalisation == kSpeakerNormalisation);
    EXPECT(by_speaker->info().config.at("input_normalization") == "speaker");
    EXPECT(!by_segment->info().config.contains("input_normalization"));
    // all speech: the span is the segment, and a speaker's first segment is z-scored by itself
    auto frames = frames_with_energy(std::vector<float>(120, 0.5f), 8);
    for (size_t t = 0; t < 120; ++t) frames[t * kWidth + 1] += 0.001f * t; // energy varies too
    auto p_segment = by_segment->classify_frames(frames.data(), 120);
    auto p_speaker = by_speaker->classify_frames(frames.data(), 120, "s1");
    double worst = 0.0;
    for (int k = 0; k < 4; ++k) worst = std::max(worst, (double)std::fabs(p_segment[k] - p_speaker[k]));
    std::printf("first segment, speaker vs segment model: max posterior difference %.2e\n", worst);
    EXPECT(worst < 1e-5);
    // silence around it is cut: the same posteriors
    std::vector<float> padded(10 * kWidth, 0.0f);
    padded.insert(padded.end(), frames.begin(), frames.end());
    padded.insert(padded.end(), 10 * kWidth, 0.0f);
    by_speaker->forget_speakers();
    auto p_padded = by_speaker->classify_frames(padded.data(), 140, "s1");
    worst = 0.0;
    for (int k = 0; k < 4; ++k) worst = std::max(worst, (double)std::fabs(p_padded[k] - p_speaker[k]));
    EXPECT(worst < 1e-5);
    // the same segment again: now read against both, a different answer is allowed but the
    // statistics moved (the second time is not the first)
    auto louder = frames;
    for (size_t t = 0; t < 120; ++t) louder[t * kWidth + 10] += 5.0f;
    auto p_louder_second = by_speaker->classify_frames(louder.data(), 120, "s1");
    auto p_louder_segment = by_segment->classify_frames(louder.data(), 120);
    double differs = 0.0;
    for (int k = 0; k < 4; ++k)
        differs = std::max(differs, (double)std::fabs(p_louder_second[k] - p_louder_segment[k]));
    EXPECT(differs > 1e-4);
}

TEST(speaker_normalization_setting_of_an_lld_model) {
    // (apcnn and the ksmm refusal: test_mulaw_speaker_normalization.cpp)
    emotion::train::NewModelSpec spec;
    spec.labels = {"angry", "sad"};
    spec.path = "stl.safetensors";
    spec.architecture = &architecture_named("stl");
    spec.config_overrides = {{"input_normalization", "by-corpus"}};
    EXPECT_THROWS(emotion::train::new_classifier(spec, nullptr));
    spec.config_overrides = {{"input_normalization", "speaker"}};
    EXPECT(emotion::train::new_classifier(spec, nullptr)->input_normalization() ==
           InputNormalization::Speaker);
}

TEST_MAIN()
