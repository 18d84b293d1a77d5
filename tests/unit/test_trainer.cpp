// The training loop: a small M1 must learn a task whose classes differ only in their temporal
// pattern (per-segment z-normalisation removes level and scale), and early stopping follows the
// patience rule of spec/MODELS.md.
#include <cmath>

#include "models/alstm_model.h"
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
            e.features[size_t(t) * 36 + f] = level + rng.normal(0.0f, 0.3f) +
                (f < 12 ? std::sin(6.2832f * t / period + phase + f) : 0.0f);
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

} // namespace

TEST(learns_a_temporal_pattern) {
    nn::Context context;
    auto model = small_model(context, "alstm");
    train::TrainSettings settings = train::TrainSettings::defaults("alstm");
    settings.batch_size = 8;
    settings.patience = 0;
    settings.learning_rate = 3e-3;
    train::Trainer trainer(*model, {"slow", "fast"}, settings, 36);
    nn::Rng rng(7);
    std::vector<train::Example> valid;
    for (int i = 0; i < 40; ++i) valid.push_back(make_example(i % 2, rng));
    train::EpochReport report;
    for (int epoch = 0; epoch < 12; ++epoch) {
        trainer.begin_epoch(epoch);
        for (int i = 0; i < 64; ++i) trainer.add_training(make_example(i % 2, rng));
        for (const auto& e : valid) trainer.add_validation({e});
        report = trainer.end_epoch();
        std::printf("epoch %d: loss %.3f train acc %.2f valid UA %.2f (%d steps)\n", epoch,
                    report.train_loss, report.train_accuracy, report.ua, report.train_steps);
    }
    EXPECT(report.train_steps == 8);
    EXPECT(report.has_validation && report.valid_examples == 40);
    EXPECT_MSG(trainer.best_ua() >= 0.9, "best UA " + std::to_string(trainer.best_ua()));
    EXPECT(report.train_loss < 0.4);
}

TEST(best_model_is_restored) {
    nn::Context context;
    auto model = small_model(context, "mean");
    train::TrainSettings settings = train::TrainSettings::defaults("alstm");
    settings.batch_size = 4;
    train::Trainer trainer(*model, {"slow", "fast"}, settings, 36);
    nn::Rng rng(11);
    trainer.begin_epoch(0);
    for (int i = 0; i < 8; ++i) trainer.add_training(make_example(i % 2, rng));
    trainer.add_validation({make_example(0, rng)});
    trainer.end_epoch();
    float kept = model->parameters()[0].parameter->value[0];
    trainer.begin_epoch(1);
    for (int i = 0; i < 8; ++i) trainer.add_training(make_example(i % 2, rng));
    float changed = model->parameters()[0].parameter->value[0];
    EXPECT(kept != changed);
    trainer.copy_best_into_model();
    EXPECT(model->parameters()[0].parameter->value[0] == kept);
}

TEST(patience_counts_from_the_first_epoch_above_chance) {
    // With a zero learning rate the validation UA is the same every epoch: above chance it must
    // stop after exactly `patience` epochs without improvement, at chance never.
    nn::Context context;
    auto model = small_model(context, "lstm");
    train::TrainSettings settings = train::TrainSettings::defaults("alstm");
    settings.learning_rate = 0.0;
    settings.batch_size = 4;
    settings.patience = 3;
    train::Trainer trainer(*model, {"slow", "fast"}, settings, 36);
    nn::Rng rng(5);
    std::vector<train::Example> valid;
    for (int i = 0; i < 20; ++i) valid.push_back(make_example(i % 2, rng));
    int stopped_at = -1;
    double ua = 0.0;
    for (int epoch = 0; epoch < 8 && stopped_at < 0; ++epoch) {
        trainer.begin_epoch(epoch);
        for (int i = 0; i < 4; ++i) trainer.add_training(make_example(i % 2, rng));
        for (const auto& e : valid) trainer.add_validation({e});
        auto report = trainer.end_epoch();
        ua = report.ua;
        EXPECT(report.improved == (epoch == 0));
        if (report.stop) stopped_at = epoch;
    }
    std::printf("constant validation UA %.3f, stopped at epoch %d\n", ua, stopped_at);
    if (ua > 0.5) EXPECT(stopped_at == 3);
    else EXPECT(stopped_at == -1);
}

TEST(an_empty_epoch_keeps_the_best_model) {
    // An epoch cut short before any data (early stop, EOS) must not replace the best model.
    nn::Context context;
    auto model = small_model(context, "mean");
    train::TrainSettings settings = train::TrainSettings::defaults("alstm");
    settings.batch_size = 4;
    train::Trainer trainer(*model, {"slow", "fast"}, settings, 36);
    nn::Rng rng(13);
    trainer.begin_epoch(0);
    for (int i = 0; i < 8; ++i) trainer.add_training(make_example(i % 2, rng));
    auto first = trainer.end_epoch();
    EXPECT(first.improved && trainer.best_epoch() == 0);
    trainer.begin_epoch(1);
    auto empty = trainer.end_epoch();
    EXPECT(!empty.improved && empty.train_examples == 0);
    EXPECT(trainer.best_epoch() == 0);
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
