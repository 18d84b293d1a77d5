// The warm-up settings of speaker normalisation (models/speaker_normalization.h): a population
// prior blended into a new speaker's statistics, computed by hand; forgetting one speaker, or
// reading their next segment as a first one while it still counts for them; the prior in the
// model file; and the errors of bad settings and bad files.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "models/architecture.h"
#include "models/classifier.h"
#include "models/model_file.h"
#include "models/speaker_normalization.h"
#include "train/run_start.h"
#include "test_main.h"

using namespace emotion::models;

namespace {

constexpr int kWidth = 36;

// `count` frames of speech: feature f around `level` + f, with unit noise.
std::vector<float> frames_at(int count, float level, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    std::vector<float> frames(size_t(count) * kWidth);
    for (int t = 0; t < count; ++t)
        for (int f = 0; f < kWidth; ++f) frames[size_t(t) * kWidth + f] = level + f + noise(rng);
    return frames;
}

SpeakerPrior population(double mean_offset, double variance) {
    SpeakerPrior prior;
    for (int f = 0; f < kWidth; ++f) {
        prior.mean.push_back(f + mean_offset);
        prior.variance.push_back(variance * (1.0 + 0.01 * f));
    }
    return prior;
}

std::unique_ptr<Classifier> new_model(const nlohmann::json& overrides) {
    emotion::train::NewModelSpec spec;
    spec.architecture = &architecture_named("stl");
    spec.config_overrides = overrides;
    spec.labels = {"angry", "happy", "neutral", "sad"};
    spec.seed = 5;
    spec.path = "test.safetensors";
    return emotion::train::new_classifier(spec, nullptr);
}

std::string temp_path(const std::string& name) {
    return "/tmp/speaker-warm-up-" + std::to_string(getpid()) + "-" + name;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = a.size() == b.size() ? 0.0 : INFINITY;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
        worst = std::max(worst, (double)std::fabs(a[i] - b[i]));
    return worst;
}

} // namespace

TEST(a_first_segment_is_read_with_the_population_prior_blended_in) {
    const double prior_frames = 150.0;
    const SpeakerPrior prior = population(0.0, 2.0);
    SpeakerNormalizer normalizer(kWidth);
    normalizer.set_prior(prior, prior_frames);
    auto frames = frames_at(50, 4.0f, 1); // louder than the population by 4
    const auto raw = frames;
    normalizer.normalize("a", frames.data(), 50);
    // by hand: the prior counts as 150 frames of the population's mean and variance, faded by the
    // segment as older frames are (exp(-50 / 6000)), then the segment's 50 frames
    const double fade = std::exp(-50.0 / 6000.0);
    double worst = 0.0, mean_of_first = 0.0;
    for (int f = 0; f < kWidth; ++f) {
        double w = prior_frames * fade, s = prior_frames * prior.mean[f] * fade,
               s2 = prior_frames * (prior.variance[f] + prior.mean[f] * prior.mean[f]) * fade;
        for (int t = 0; t < 50; ++t) {
            const double v = raw[t * kWidth + f];
            w += 1, s += v, s2 += v * v;
        }
        const double mean = s / w, sd = std::sqrt(s2 / w - mean * mean);
        for (int t = 0; t < 50; ++t) {
            worst = std::max(worst, std::fabs(frames[t * kWidth + f] - (raw[t * kWidth + f] - mean) / sd));
            mean_of_first += frames[t * kWidth + f] / (50.0 * kWidth);
        }
    }
    std::printf("first segment with a prior against the hand computation: max error %.2e, mean %.3f\n", worst,
                mean_of_first);
    EXPECT(worst < 1e-4);
    // its level survives (alone it would be centred on 0): louder than the population reads positive
    EXPECT(mean_of_first > 1.0);
    // the prior is only where a speaker starts: a speaker already heard keeps their statistics
    auto second = frames_at(30, 4.0f, 2), second_without = second;
    normalizer.set_prior(population(-10.0, 1.0), prior_frames);
    normalizer.normalize("a", second.data(), 30);
    SpeakerNormalizer same_start(kWidth);
    same_start.set_prior(prior, prior_frames);
    auto first_again = raw;
    same_start.normalize("a", first_again.data(), 50);
    same_start.normalize("a", second_without.data(), 30);
    EXPECT(second == second_without);
}

TEST(no_prior_or_zero_frames_is_the_segment_alone) {
    auto alone = frames_at(40, 3.0f, 3), empty_prior = alone, zero_frames = alone;
    SpeakerNormalizer plain(kWidth), with_empty(kWidth), with_zero(kWidth);
    with_empty.set_prior(SpeakerPrior{}, 300.0);
    with_zero.set_prior(population(0.0, 1.0), 0.0);
    plain.normalize("a", alone.data(), 40);
    with_empty.normalize("a", empty_prior.data(), 40);
    with_zero.normalize("a", zero_frames.data(), 40);
    EXPECT(alone == empty_prior && alone == zero_frames);
    SpeakerNormalizer wrong(kWidth);
    SpeakerPrior short_prior = population(0.0, 1.0);
    short_prior.mean.pop_back();
    EXPECT_THROWS(wrong.set_prior(short_prior, 100.0));
}

TEST(a_forgotten_speaker_is_read_as_new_and_others_are_kept) {
    SpeakerNormalizer normalizer(kWidth), fresh(kWidth);
    for (auto* n : {&normalizer, &fresh}) n->set_prior(population(0.0, 1.0), 100.0);
    auto a1 = frames_at(40, 2.0f, 4), b1 = frames_at(40, -2.0f, 5);
    normalizer.normalize("a", a1.data(), 40);
    normalizer.normalize("b", b1.data(), 40);
    normalizer.forget("a");
    auto a2 = frames_at(30, 1.0f, 6), a2_fresh = a2;
    normalizer.normalize("a", a2.data(), 30);
    fresh.normalize("a", a2_fresh.data(), 30);
    EXPECT(a2 == a2_fresh); // with the prior, as a new speaker
    auto b2 = frames_at(30, 1.0f, 6), b2_fresh = b2;
    normalizer.normalize("b", b2.data(), 30);
    fresh.normalize("b", b2_fresh.data(), 30);
    EXPECT(b2 != b2_fresh); // b still remembers their first segment
}

TEST(a_segment_read_as_first_still_counts_for_its_speaker) {
    SpeakerNormalizer normalizer(kWidth), fresh(kWidth), plain(kWidth);
    for (auto* n : {&normalizer, &fresh, &plain}) n->set_prior(population(0.0, 1.0), 100.0);
    auto a1 = frames_at(40, 2.0f, 8), a1_plain = a1;
    normalizer.normalize("a", a1.data(), 40);
    plain.normalize("a", a1_plain.data(), 40);
    normalizer.read_next_as_first("a");
    auto a2 = frames_at(30, -1.0f, 9), a2_fresh = a2, a2_plain = a2;
    normalizer.normalize("a", a2.data(), 30);
    fresh.normalize("a", a2_fresh.data(), 30);
    plain.normalize("a", a2_plain.data(), 30);
    EXPECT(a2 == a2_fresh && a2 != a2_plain); // read as a new speaker's first segment
    // ...and counted: the next one reads the speaker's statistics of both, as without the flag
    auto a3 = frames_at(30, 0.5f, 10), a3_plain = a3;
    normalizer.normalize("a", a3.data(), 30);
    plain.normalize("a", a3_plain.data(), 30);
    EXPECT(a3 == a3_plain);
    // an interim look does not use the flag up, and a reset drops it
    normalizer.read_next_as_first("a");
    auto look = frames_at(20, 0.5f, 11), look_plain = look;
    normalizer.normalize("a", look.data(), 20, false);
    plain.normalize("a", look_plain.data(), 20, false);
    EXPECT(look == look_plain);
    normalizer.reset();
    plain.reset();
    auto after = frames_at(20, 0.5f, 12), after_plain = after;
    normalizer.normalize("a", after.data(), 20);
    plain.normalize("a", after_plain.data(), 20);
    auto after_second = frames_at(20, 3.0f, 13), after_second_plain = after_second;
    normalizer.normalize("a", after_second.data(), 20);
    plain.normalize("a", after_second_plain.data(), 20);
    EXPECT(after_second == after_second_plain);
}

TEST(warm_up_settings_are_checked) {
    auto config = [](nlohmann::json extra) {
        nlohmann::json j = {{"input_normalization", "speaker"}};
        j.update(extra);
        return j;
    };
    auto c =
        SpeakerStatisticsConfig::from_json(config({{"speaker_prior_frames", 300}, {"speaker_reset", 0.25}}));
    EXPECT(c.prior_frames == 300.0 && c.reset == 0.25);
    nlohmann::json written = nlohmann::json::object();
    c.add_to(written);
    EXPECT(written == nlohmann::json({{"speaker_prior_frames", 300.0}, {"speaker_reset", 0.25}}));
    nlohmann::json defaults = nlohmann::json::object();
    SpeakerStatisticsConfig{}.add_to(defaults);
    EXPECT(defaults.empty()); // older files are written as they were
    for (const nlohmann::json& bad :
         {config({{"speaker_prior_frames", -1}}), config({{"speaker_prior_frames", 1e6}}),
          config({{"speaker_prior_frames", "300"}}), config({{"speaker_reset", 1.0}}),
          config({{"speaker_reset", -0.1}}), config({{"speaker_first", 1}}),
          nlohmann::json({{"speaker_first", 0.3}}), nlohmann::json({{"speaker_prior_frames", 300}}),
          nlohmann::json({{"input_normalization", "segment"}, {"speaker_reset", 0.2}})}) {
        bool refused = false;
        try {
            SpeakerStatisticsConfig::from_json(bad);
        } catch (const std::invalid_argument& e) {
            refused = true;
            std::printf("%s: %s\n", bad.dump().c_str(), e.what());
        }
        EXPECT_MSG(refused, bad.dump());
    }
    // a new model refuses them too, through its architecture's config
    EXPECT_THROWS(new_model({{"input_normalization", "speaker"}, {"speaker_reset", 2}}));
    EXPECT_THROWS(new_model({{"speaker_prior_frames", 300}}));
}

TEST(the_model_file_keeps_the_prior_and_needs_it) {
    auto model = new_model({{"input_normalization", "speaker"}, {"speaker_prior_frames", 300}});
    const std::string path = temp_path("prior.safetensors");
    // a file that could not be read is never written: the prior is missing
    EXPECT_THROWS(save_model(path, model->model(), model->info()));
    model->set_speaker_prior(population(1.0, 4.0));
    save_model(path, model->model(), model->info());
    Classifier loaded(path);
    EXPECT(loaded.info().speaker_prior.mean == model->info().speaker_prior.mean);
    EXPECT(loaded.info().speaker_prior.variance == model->info().speaker_prior.variance);
    EXPECT(loaded.speaker_statistics().prior_frames == 300.0);
    // a first segment reads the same in the loaded file as in memory, and not as the segment alone
    auto frames = frames_at(80, 2.0f, 7);
    for (int t = 0; t < 80; ++t) frames[t * kWidth + 1] = 0.5f; // all speech
    auto p_memory = model->classify_frames(frames.data(), 80, "s");
    auto p_file = loaded.classify_frames(frames.data(), 80, "s");
    EXPECT(max_difference(p_memory, p_file) < 1e-6);
    // the same weights without the prior read the segment alone: another answer
    auto written_with = [&](const std::string& key, const std::string& value) {
        emotion::io::SafetensorsWriter writer = model_writer(model->model(), model->info());
        writer.set_metadata(key, value);
        const std::string changed = temp_path("changed.safetensors");
        writer.write_atomic(changed);
        return changed;
    };
    nlohmann::json without_prior = model->model().config();
    without_prior.erase("speaker_prior_frames");
    Classifier alone(written_with("config", without_prior.dump()));
    const double differs = max_difference(p_file, alone.classify_frames(frames.data(), 80, "s"));
    std::printf("first segment, prior against alone: max posterior difference %.2e\n", differs);
    EXPECT(differs > 1e-4);

    // bad priors in a file are format errors that say what is wrong
    auto refused = [&](const std::string& key, const std::string& value, const std::string& says) {
        try {
            read_model_info(written_with(key, value));
        } catch (const emotion::io::FormatError& e) {
            std::printf("%s = %s: %s\n", key.c_str(), value.substr(0, 40).c_str(), e.what());
            return std::string(e.what()).find(says) != std::string::npos;
        }
        return false;
    };
    nlohmann::json prior = model->info().speaker_prior.to_json();
    nlohmann::json short_mean = prior, negative = prior, text = prior;
    short_mean["mean"].erase(0);
    negative["variance"][3] = -1.0;
    text["mean"][0] = "1";
    EXPECT(refused("speaker_prior", short_mean.dump(), "'mean' must be an array of 36 numbers"));
    EXPECT(refused("speaker_prior", negative.dump(), "expected finite numbers >= 0"));
    EXPECT(refused("speaker_prior", text.dump(), "'mean' holds \"1\""));
    EXPECT(refused("speaker_prior", "[1, 2]", "'speaker_prior' is not a JSON object"));
    // a config with the prior's weight in a file without the prior (written here by hand)
    const std::string missing = temp_path("missing.safetensors");
    alone.info().speaker_prior = SpeakerPrior{};
    emotion::io::SafetensorsWriter bare = model_writer(alone.model(), alone.info());
    bare.set_metadata("config", model->model().config().dump());
    bare.write_atomic(missing);
    bool says_missing = false;
    try {
        read_model_info(missing);
    } catch (const emotion::io::FormatError& e) {
        says_missing = std::string(e.what()).find("missing 'speaker_prior'") != std::string::npos;
    }
    EXPECT(says_missing);
    for (const auto& name : {"prior.safetensors", "changed.safetensors", "missing.safetensors"})
        std::remove(temp_path(name).c_str());
}

TEST_MAIN()
