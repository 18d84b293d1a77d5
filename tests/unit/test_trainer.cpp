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
        std::printf("epoch %d: loss %.3f train acc %.2f valid UA %.2f (%d steps)\n", epoch, report.train_loss,
                    report.train_accuracy, report.ua, report.train_steps);
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
    if (ua > 0.5)
        EXPECT(stopped_at == 3);
    else
        EXPECT(stopped_at == -1);
}

TEST(the_validated_model_is_the_one_kept) {
    // 10 examples in batches of 4: the last 2 are a step of their own, taken before the first
    // validation utterance, so the best model is exactly the one validation saw.
    nn::Context context;
    auto model = small_model(context, "mean");
    train::TrainSettings settings = train::TrainSettings::defaults("alstm");
    settings.batch_size = 4;
    train::Trainer trainer(*model, {"slow", "fast"}, settings, 36);
    nn::Rng rng(5);
    trainer.begin_epoch(0);
    for (int i = 0; i < 10; ++i) trainer.add_training(make_example(i % 2, rng));
    const float before_validation = model->parameters()[0].parameter->value[0];
    trainer.add_validation({make_example(0, rng)});
    const float validated = model->parameters()[0].parameter->value[0];
    EXPECT(validated != before_validation); // the partial batch stepped
    train::EpochReport report = trainer.end_epoch();
    EXPECT(report.train_steps == 3 && report.train_examples == 10);
    EXPECT(model->parameters()[0].parameter->value[0] == validated);
    trainer.copy_best_into_model();
    EXPECT(model->parameters()[0].parameter->value[0] == validated);
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
