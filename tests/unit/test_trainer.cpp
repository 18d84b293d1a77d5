// The training loop: a small M1 must learn a task whose classes differ only in their temporal
// pattern (per-segment z-normalisation removes level and scale), and early stopping follows the
// patience rule of spec/MODELS.md.
#include <cmath>

#include "models/alstm_model.h"
#include "models/stl_model.h"
#include "nn/rng.h"
#include "test_main.h"
#include "train/trainer.h"

using namespace emotion;

namespace {

// Class 0: slow oscillation of features 0-11; class 1: fast oscillation. Random phase, length,
// level and noise on every feature.
train::Example make_example(int label, nn::Rng& rng) {
    train::Example e;
    e.frames = 40 + static_cast<int>(rng.uniform(0.0f, 40.0f));
    e.emotion = label;
    e.features.resize(size_t(e.frames) * 36);
    float period = label == 0 ? 20.0f : 5.0f, phase = rng.uniform(0.0f, 6.28f);
    float level = rng.uniform(-3.0f, 3.0f);
    for (int t = 0; t < e.frames; ++t)
        for (int f = 0; f < 36; ++f)
            e.features[size_t(t) * 36 + f] =
                level + rng.normal(0.0f, 0.3f) + (f < 12 ? std::sin(6.2832f * t / period + phase + f) : 0.0f);
    return e;
}

std::unique_ptr<models::AlstmModel> small_model(nn::Context& context, const std::string& cell) {
    models::AlstmConfig config;
    config.fc = 16;
    config.hidden = 8;
    config.cell = cell;
    config.dropout = 0.0f;
    config.heads = {{"emotion", 2}};
    auto model = std::make_unique<models::AlstmModel>(context, config);
    nn::Rng rng(3);
    model->init(rng);
    return model;
}

train::TrainSettings m1_settings(int batch_size) {
    train::TrainSettings settings = train::TrainSettings::defaults("alstm");
    settings.batch_size = batch_size;
    return settings;
}

// A small M1 with A-LSTM cell `cell` and its trainer on the slow / fast task; `rng` (seeded
// with `seed`) draws the examples.
struct SmallRun {
    nn::Context context;
    std::unique_ptr<models::AlstmModel> model;
    train::Trainer trainer;
    nn::Rng rng;

    SmallRun(const std::string& cell, const train::TrainSettings& settings, uint64_t seed)
        : model(small_model(context, cell)), trainer(*model, {"slow", "fast"}, settings, 36), rng(seed) {}

    std::vector<train::Example> examples(int count) {
        std::vector<train::Example> out;
        for (int i = 0; i < count; ++i) out.push_back(make_example(i % 2, rng));
        return out;
    }
    // `count` new training examples, the classes alternating.
    void train_on(int count) {
        for (int i = 0; i < count; ++i) trainer.add_training(make_example(i % 2, rng));
    }
    // One epoch: `count` new training examples, then each of `valid` as a validation utterance.
    train::EpochReport epoch(int epoch, int count, const std::vector<train::Example>& valid) {
        trainer.begin_epoch(epoch);
        train_on(count);
        for (const auto& e : valid) trainer.add_validation({e});
        return trainer.end_epoch();
    }
    float first_weight() const { return model->parameters()[0].parameter->value[0]; }
};

} // namespace

TEST(learns_a_temporal_pattern) {
    train::TrainSettings settings = m1_settings(8);
    settings.patience = 0;
    settings.learning_rate = 3e-3;
    SmallRun run("alstm", settings, 7);
    const std::vector<train::Example> valid = run.examples(40);
    train::EpochReport report;
    for (int epoch = 0; epoch < 12; ++epoch) {
        report = run.epoch(epoch, 64, valid);
        std::printf("epoch %d: loss %.3f train acc %.2f valid UA %.2f (%d steps)\n", epoch, report.train_loss,
                    report.train_accuracy, report.ua, report.train_steps);
    }
    EXPECT(report.train_steps == 8);
    EXPECT(report.has_validation && report.valid_examples == 40);
    EXPECT_MSG(run.trainer.best_ua() >= 0.9, "best UA " + std::to_string(run.trainer.best_ua()));
    EXPECT(report.train_loss < 0.4);
}

TEST(best_model_is_restored) {
    SmallRun run("mean", m1_settings(4), 11);
    run.trainer.begin_epoch(0);
    run.train_on(8);
    run.trainer.add_validation({make_example(0, run.rng)});
    run.trainer.end_epoch();
    float kept = run.first_weight();
    run.trainer.begin_epoch(1);
    run.train_on(8);
    float changed = run.first_weight();
    EXPECT(kept != changed);
    run.trainer.copy_best_into_model();
    EXPECT(run.first_weight() == kept);
}

TEST(patience_counts_from_the_first_epoch_above_chance) {
    // With a zero learning rate the validation UA is the same every epoch: above chance it must
    // stop after exactly `patience` epochs without improvement, at chance never.
    train::TrainSettings settings = m1_settings(4);
    settings.learning_rate = 0.0;
    settings.patience = 3;
    SmallRun run("lstm", settings, 5);
    const std::vector<train::Example> valid = run.examples(20);
    int stopped_at = -1;
    double ua = 0.0;
    for (int epoch = 0; epoch < 8 && stopped_at < 0; ++epoch) {
        auto report = run.epoch(epoch, 4, valid);
        ua = report.ua;
        EXPECT(report.improved == (epoch == 0));
        if (report.stop) stopped_at = epoch;
    }
    std::printf("constant validation UA %.3f, stopped at epoch %d\n", ua, stopped_at);
    if (ua > 0.5)
        EXPECT(stopped_at == 3);
    else
        EXPECT(stopped_at == -1);
}

TEST(the_validated_model_is_the_one_kept) {
    // 10 examples in batches of 4: the last 2 are a step of their own, taken before the first
    // validation utterance, so the best model is exactly the one validation saw.
    SmallRun run("mean", m1_settings(4), 5);
    run.trainer.begin_epoch(0);
    run.train_on(10);
    const float before_validation = run.first_weight();
    run.trainer.add_validation({make_example(0, run.rng)});
    const float validated = run.first_weight();
    EXPECT(validated != before_validation); // the partial batch stepped
    train::EpochReport report = run.trainer.end_epoch();
    EXPECT(report.train_steps == 3 && report.train_examples == 10);
    EXPECT(run.first_weight() == validated);
    run.trainer.copy_best_into_model();
    EXPECT(run.first_weight() == validated);
}

TEST(batchnorm_statistics_are_re_estimated_before_validation) {
    // One batch holding every training example: after the step, recalibration makes the running
    // statistics those of the updated weights on these examples, which a Train forward with
    // momentum 1 reproduces. Without recalibration they are the momentum-0.1 average instead.
    for (int recalibrate : {8, 0}) {
        nn::Context context;
        models::StlConfig config;
        config.K = 2;
        config.dropout = 0.0f;
        models::StlModel model(context, config);
        nn::Rng rng(13);
        model.init(rng);
        train::TrainSettings settings = train::TrainSettings::defaults("stl");
        settings.batch_size = 8;
        settings.bn_recalibration = recalibrate;
        train::Trainer trainer(model, {"slow", "fast"}, settings, 36);
        std::vector<train::Example> examples;
        for (int i = 0; i < 8; ++i) {
            examples.push_back(make_example(i % 2, rng));
            examples.back().frames = 40; // one length: the batch below needs no padding
            examples.back().features.resize(40 * 36);
        }
        trainer.begin_epoch(0);
        for (const auto& e : examples) trainer.add_training(e);
        trainer.add_validation({examples[0]});
        trainer.end_epoch();
        nn::BatchNorm2d& bn = *model.batch_norms().front();
        std::vector<float> kept(bn.running_mean.value.data(), bn.running_mean.value.data() + bn.channels());

        models::Batch batch;
        batch.features.resize({8, 40, 36});
        for (int i = 0; i < 8; ++i)
            std::copy(examples[i].features.begin(), examples[i].features.end(),
                      batch.features.data() + size_t(i) * 40 * 36);
        batch.lengths.assign(8, 40);
        for (nn::BatchNorm2d* norm : model.batch_norms()) norm->set_momentum(1.0f);
        model.forward(batch, nn::Mode::Train);
        double diff = 0.0, scale = 0.0;
        for (int c = 0; c < bn.channels(); ++c) {
            diff = std::max(diff, std::fabs(double(kept[c]) - bn.running_mean.value[c]));
            scale = std::max(scale, std::fabs(double(bn.running_mean.value[c])));
        }
        std::printf("recalibration %d: running mean vs batch mean, max difference %.2e (scale %.2e)\n",
                    recalibrate, diff, scale);
        if (recalibrate)
            EXPECT(diff <= 1e-5 * std::max(1.0, scale));
        else
            EXPECT(diff > 0.1 * scale);
    }
}

TEST(an_empty_epoch_keeps_the_best_model) {
    // An epoch cut short before any data (early stop, EOS) must not replace the best model.
    SmallRun run("mean", m1_settings(4), 13);
    auto first = run.epoch(0, 8, {});
    EXPECT(first.improved && run.trainer.best_epoch() == 0);
    auto empty = run.epoch(1, 0, {});
    EXPECT(!empty.improved && empty.train_examples == 0);
    EXPECT(run.trainer.best_epoch() == 0);
}

TEST(feature_masks_change_training_the_same_way_every_run) {
    train::TrainSettings masked = m1_settings(8);
    masked.feature_masks = dsp::FeatureMaskSettings::parse("time=2:0.2,feature=2:4");
    // the weights after one epoch of 16 examples (2 steps), same examples and initial weights
    auto weights_after_an_epoch = [](const train::TrainSettings& settings) {
        SmallRun run("mean", settings, 5);
        run.trainer.begin_epoch(0);
        run.train_on(16);
        return run.first_weight();
    };
    const float plain = weights_after_an_epoch(m1_settings(8));
    const float once = weights_after_an_epoch(masked), again = weights_after_an_epoch(masked);
    EXPECT(once == again);
    EXPECT(once != plain);
    EXPECT(masked.to_json().value("feature_masks", "") == "time=2:0.2,feature=2:4");
    EXPECT(!m1_settings(8).to_json().contains("feature_masks")); // runs without masks record as before
    // the task is still learnt with masks on
    masked.patience = 0;
    masked.learning_rate = 3e-3;
    SmallRun run("alstm", masked, 7);
    const std::vector<train::Example> valid = run.examples(40);
    for (int epoch = 0; epoch < 12; ++epoch) run.epoch(epoch, 64, valid);
    EXPECT_MSG(run.trainer.best_ua() >= 0.85, "best UA " + std::to_string(run.trainer.best_ua()));
}

TEST(settings_defaults_follow_the_papers) {
    auto m2 = train::TrainSettings::defaults("apcnn");
    EXPECT(m2.optimizer == "sgd" && m2.nesterov && m2.batch_size == 64 && m2.learning_rate == 0.05);
    EXPECT((m2.milestones == std::vector<int>{21, 31, 41}));
    auto m3 = train::TrainSettings::defaults("stl");
    EXPECT(m3.learning_rate == 2e-4 && m3.patience == 8);
    auto m4 = train::TrainSettings::defaults("ksmm");
    EXPECT(m4.schedule == "cosine" && m4.cosine_epochs == 120);
    EXPECT_THROWS(train::TrainSettings::defaults("svm"));
}

TEST_MAIN()
