// The training run without GStreamer (train::TrainingSession): a tiny M1 learns separable
// synthetic segments and the best model is written atomically; early stopping by patience while
// a fine-tuned model's schedule continues; a resumed run equals the uninterrupted one bit for
// bit; resuming refuses another run's checkpoint; an epoch without data changes nothing; bad
// settings and data are typed errors. A speaker-normalised model's population prior is its
// first epoch's training speech, and its warm-up settings resume exactly.
#include <omp.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>

#include "models/model_file.h"
#include "nn/rng.h"
#include "test_main.h"
#include "train/checkpoint.h"
#include "train/dataset_plan.h"
#include "train/training_session.h"

using namespace emotion;
namespace fs = std::filesystem;

namespace {

// A fresh folder, removed with its files at the end of the test.
struct TempFolder {
    std::string path;
    TempFolder() {
        std::string pattern = (fs::temp_directory_path() / "training-session-XXXXXX").string();
        path = ::mkdtemp(pattern.data());
    }
    ~TempFolder() { fs::remove_all(path); }
    std::string file(const std::string& name) const { return path + "/" + name; }
    std::vector<std::string> names() const {
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(path))
            found.push_back(entry.path().filename().string());
        std::sort(found.begin(), found.end());
        return found;
    }
};

struct Recorder : train::TrainingListener {
    std::vector<train::StepProgress> steps;
    std::vector<train::EpochSummary> epochs;
    std::vector<train::RunSummary> done;
    std::vector<train::TrainingNotice> warnings, infos;
    std::vector<std::string> logs;
    void on_step(const train::StepProgress& s) override { steps.push_back(s); }
    void on_epoch(const train::EpochSummary& e) override { epochs.push_back(e); }
    void on_done(const train::RunSummary& r) override { done.push_back(r); }
    void on_warning(const train::TrainingNotice& n) override { warnings.push_back(n); }
    void on_info(const train::TrainingNotice& n) override { infos.push_back(n); }
    void on_log(train::LogDetail, const std::string& text) override { logs.push_back(text); }
};

// LLD-like frames whose classes differ in their temporal pattern only (M1 z-normalises each
// segment): "slow" oscillates with a period of 20 frames, "fast" with 5.
train::LabelledSegment make_segment(const std::string& label, const std::string& split, nn::Rng& rng) {
    train::Example e;
    e.frames = 30 + static_cast<int>(rng.uniform(0.0f, 30.0f));
    e.features.resize(size_t(e.frames) * 36);
    const float period = label == "slow" ? 20.0f : 5.0f, phase = rng.uniform(0.0f, 6.28f);
    for (int t = 0; t < e.frames; ++t)
        for (int f = 0; f < 36; ++f)
            e.features[size_t(t) * 36 + f] =
                rng.normal(0.0f, 0.3f) + (f < 24 ? std::sin(6.2832f * t / period + phase + f) : 0.0f);
    train::LabelledSegment s;
    s.id = label + std::to_string(rng.next() % 100000);
    s.split = split;
    s.true_emotion = label;
    s.speaker = "s" + std::to_string(rng.next() % 4);
    s.gender = "m";
    s.parts.push_back(std::move(e));
    return s;
}

// A fixed dataset, fed in an order shuffled per epoch as emodatasetsrc does.
struct Dataset {
    std::vector<train::LabelledSegment> segments; // training, then validation
    size_t train_count;
    train::DatasetDescription description;
    explicit Dataset(int train_count = 48, int valid_count = 16) : train_count(size_t(train_count)) {
        nn::Rng rng(17);
        for (int i = 0; i < train_count; ++i)
            segments.push_back(make_segment(i % 2 ? "fast" : "slow", "train", rng));
        for (int i = 0; i < valid_count; ++i)
            segments.push_back(make_segment(i % 2 ? "fast" : "slow", "valid", rng));
        description.labels = {"slow", "fast"};
        description.speakers = {"s0", "s1", "s2", "s3"};
        description.dataset = "synthetic";
        description.protocol = "valid: 16 segments";
        description.train_utterances = train_count;
    }
    // One epoch of the session: every segment once, the training ones shuffled, then validation.
    void feed(train::TrainingSession& session, int epoch, int epochs, size_t limit = SIZE_MAX) const {
        train::DatasetDescription d = description;
        d.epochs = epochs;
        session.start_epoch(epoch, d);
        std::vector<size_t> order = train::shuffled_order(train_count, 5, uint64_t(epoch));
        for (size_t i = train_count; i < segments.size(); ++i) order.push_back(i);
        for (size_t n = 0; n < order.size(); ++n) {
            if (n == limit) return; // interrupted within the epoch
            session.add(segments[order[n]]);
        }
        session.end_epoch();
    }
    // A whole run: `epochs` epochs, then finish().
    void run(train::TrainingSession& session, int epochs) const {
        for (int epoch = 0; epoch < epochs; ++epoch) feed(session, epoch, epochs);
        session.finish();
    }
};

train::SessionSettings small_m1(const std::string& output) {
    train::SessionSettings s;
    s.architecture = &models::architecture_named("alstm");
    s.train = train::TrainSettings::defaults("alstm");
    s.train.batch_size = 8;
    s.train.learning_rate = 1e-2;
    s.train.patience = 0;
    s.train.seed = 3;
    s.output_path = output;
    // dropout on: a resumed run must also continue the dropout masks
    s.config_overrides = {{"fc", 16}, {"hidden", 8}, {"dropout", 0.1}, {"tasks", nlohmann::json::array()}};
    return s;
}

// What a session of small_m1(output) reported while `steps` drove it (the session is gone after).
Recorder session_of(const std::string& output, const std::function<void(train::TrainingSession&)>& steps) {
    Recorder recorder;
    train::TrainingSession session(small_m1(output), recorder);
    steps(session);
    return recorder;
}

// Every parameter bit for bit (the names and shapes of both files are the same model's).
bool same_weights(const std::string& a, const std::string& b, std::string* why) {
    nn::Context ca, cb;
    auto ma = models::load_model(ca, a, nullptr);
    auto mb = models::load_model(cb, b, nullptr);
    auto ta = ma->parameters(), tb = mb->parameters();
    if (ta.size() != tb.size()) return *why = "parameter counts differ", false;
    for (size_t i = 0; i < ta.size(); ++i) {
        const nn::Tensor &x = ta[i].parameter->value, &y = tb[i].parameter->value;
        if (x.size() != y.size() || std::memcmp(x.data(), y.data(), sizeof(float) * x.size()) != 0)
            return *why = "parameter '" + ta[i].name + "' differs", false;
    }
    return true;
}

train::TrainingIssue kind_thrown(const std::function<void()>& call, std::string* message = nullptr) {
    try {
        call();
    } catch (const train::TrainingError& e) {
        if (message) *message = e.what();
        return e.kind();
    }
    throw std::runtime_error("no TrainingError thrown");
}

} // namespace

TEST(learns_and_writes_the_best_model_atomically) {
    TempFolder folder;
    const std::string out = folder.file("m1.safetensors");
    Recorder recorder;
    train::TrainingSession session(small_m1(out), recorder);
    Dataset data;
    data.run(session, 8);

    EXPECT(recorder.epochs.size() == 8);
    EXPECT(recorder.steps.size() == 8 * 6); // 48 training segments in batches of 8
    EXPECT(recorder.steps.front().steps == 6 && recorder.steps.front().epochs == 8);
    for (const auto& e : recorder.epochs)
        std::printf("epoch %d: loss %.3f, train acc %.2f, valid UA %.2f%s\n", e.report.epoch,
                    e.report.train_loss, e.report.train_accuracy, e.report.ua,
                    e.report.improved ? " (best)" : "");
    EXPECT(recorder.epochs.back().report.train_loss < 0.8 * recorder.epochs.front().report.train_loss);
    EXPECT(recorder.done.size() == 1);
    const train::RunSummary& done = recorder.done.at(0);
    EXPECT_MSG(done.best_ua >= 0.9, "best UA " + std::to_string(done.best_ua));
    EXPECT(done.epochs_run == 8 && !done.stopped_early && done.model_path == out);
    EXPECT(recorder.warnings.empty());

    // The best epoch's model and the last epoch's checkpoint, and no temporary file beside them.
    EXPECT(folder.names() == std::vector<std::string>({"m1.checkpoint.safetensors", "m1.safetensors"}));
    nn::Context context;
    models::ModelInfo info;
    models::load_model(context, out, &info);
    EXPECT(info.architecture == "alstm" && info.labels == data.description.labels);
    EXPECT(info.metrics.at("validation").at("ua").get<double>() == done.best_ua);
    EXPECT(info.metrics.at("validation").at("epoch").get<int>() == done.best_epoch + 1); // counted from 1
    // calibrated on the best epoch's validation: the file's temperature is that epoch's fit, and the
    // fit does not raise the validation ECE
    const auto& best = recorder.epochs.at(done.best_epoch).report;
    std::printf("best epoch: temperature %.3f, validation ECE %.3f -> %.3f\n", best.temperature, best.ece,
                best.calibrated_ece);
    EXPECT(best.temperature > 0.0 && best.temperature != 1.0);
    EXPECT(std::fabs(info.temperature - best.temperature) < 1e-5 * best.temperature);
    EXPECT(info.metrics.at("validation").at("temperature").get<double>() == best.temperature);
    EXPECT(best.calibrated_ece <= best.ece + 1e-9);
    EXPECT(info.training.at("data") == "synthetic" && info.training.at("protocol") == "valid: 16 segments");
    EXPECT(info.training.at("settings") == session.classifier()->info().training.at("settings"));
    EXPECT(info.config.at("fc") == 16);
}

TEST(early_stopping_while_fine_tuning_continues_the_schedule) {
    // A trained model fine-tuned with a zero learning rate validates the same every epoch: with
    // patience 2 the run stops after the third epoch; epochs count on from the model's own.
    TempFolder folder;
    Dataset data;
    const std::string first = folder.file("first.safetensors");
    const Recorder before = session_of(first, [&](train::TrainingSession& session) { data.run(session, 5); });
    EXPECT_MSG(before.done.at(0).best_ua > 0.5, "the starting model is at chance");
    auto starting = std::make_unique<models::Classifier>(first);
    const int trained = starting->info().training.at("epochs_run").get<int>(); // up to its best epoch
    train::SessionSettings settings = small_m1(folder.file("tuned.safetensors"));
    settings.train.learning_rate = 0.0;
    settings.train.patience = 2;
    Recorder recorder;
    train::TrainingSession session(settings, recorder);
    session.start_from(std::move(starting));
    for (int epoch = 0; epoch < 6; ++epoch) {
        if (session.stopped()) { // what an element does: no more data
            data.description.epochs = 6;
            session.start_epoch(epoch, data.description);
            break;
        }
        data.feed(session, epoch, 6);
    }
    session.finish();
    EXPECT(recorder.epochs.size() == 3);
    EXPECT(recorder.epochs.back().report.stop && session.stopped());
    EXPECT(recorder.epochs.front().report.epoch == trained && recorder.epochs.front().epochs == trained + 6);
    EXPECT(recorder.steps.front().epoch == trained && recorder.steps.front().epochs == trained + 6);
    EXPECT(recorder.done.at(0).stopped_early && recorder.done.at(0).epochs_run == 3);
    nn::Context context;
    models::ModelInfo info;
    models::load_model(context, folder.file("tuned.safetensors"), &info);
    EXPECT(info.training.at("epochs_run") == trained + 1); // written at its only improvement, the first
}

TEST(a_resumed_run_equals_the_uninterrupted_one) {
    omp_set_num_threads(1); // one thread: the same arithmetic in the same order
    TempFolder folder;
    Dataset data;
    const int epochs = 4;
    const std::string whole = folder.file("whole.safetensors"), resumed = folder.file("resumed.safetensors");
    const Recorder uninterrupted =
        session_of(whole, [&](train::TrainingSession& session) { data.run(session, epochs); });
    session_of(resumed, [&](train::TrainingSession& session) {
        for (int epoch = 0; epoch < 2; ++epoch) data.feed(session, epoch, epochs);
        data.feed(session, 2, epochs, 20); // interrupted during the third epoch: no end_epoch
    });
    Recorder rest;
    train::SessionSettings settings = small_m1(resumed);
    settings.resume = true;
    train::TrainingSession session(settings, rest);
    data.run(session, epochs);

    EXPECT(rest.infos.size() == 1 && rest.infos.at(0).kind == train::TrainingIssue::Resume);
    EXPECT(rest.infos.at(0).message.find("after epoch 2") != std::string::npos);
    EXPECT(rest.epochs.size() == 2);
    for (const auto& e : rest.epochs) {
        const train::EpochReport& same = uninterrupted.epochs.at(e.report.epoch).report;
        std::printf("epoch %d: loss %.9f resumed, %.9f uninterrupted\n", e.report.epoch, e.report.train_loss,
                    same.train_loss);
        EXPECT(e.report.train_loss == same.train_loss && e.report.valid_loss == same.valid_loss);
        EXPECT(e.report.ua == same.ua && e.report.learning_rate == same.learning_rate);
    }
    EXPECT(rest.done.at(0).epochs_run == epochs &&
           rest.done.at(0).best_epoch == uninterrupted.done.at(0).best_epoch);
    EXPECT(rest.done.at(0).best_ua == uninterrupted.done.at(0).best_ua);
    std::string why;
    EXPECT_MSG(same_weights(train::checkpoint_path(whole), train::checkpoint_path(resumed), &why), why);
    EXPECT_MSG(same_weights(whole, resumed, &why), why);
}

TEST(resuming_refuses_another_runs_checkpoint) {
    TempFolder folder;
    Dataset data;
    const std::string out = folder.file("m.safetensors");
    session_of(out, [&](train::TrainingSession& session) { data.feed(session, 0, 3); });
    train::SessionSettings settings = small_m1(out);
    settings.resume = true;
    auto start = [&](const train::SessionSettings& s, const train::DatasetDescription& d) {
        Recorder recorder;
        train::TrainingSession session(s, recorder);
        session.start_epoch(0, d);
    };
    std::string message;
    train::SessionSettings faster = settings;
    faster.train.learning_rate = 0.05;
    EXPECT(kind_thrown([&] { start(faster, data.description); }, &message) == train::TrainingIssue::Resume);
    EXPECT_MSG(message.find("other training settings") != std::string::npos, message);

    train::DatasetDescription three = data.description;
    three.labels = {"slow", "medium", "fast"};
    EXPECT(kind_thrown([&] { start(settings, three); }, &message) == train::TrainingIssue::Resume);
    EXPECT_MSG(message.find("labels") != std::string::npos, message);

    fs::copy_file(out, train::checkpoint_path(out),
                  fs::copy_options::overwrite_existing); // a model, no checkpoint
    try {
        start(settings, data.description);
        EXPECT_MSG(false, "a model file was resumed from as a checkpoint");
    } catch (const train::TrainingError& e) {
        EXPECT(e.kind() == train::TrainingIssue::Resume);
        EXPECT_MSG(std::string(e.what()).find("Cannot resume") != std::string::npos, e.what());
        EXPECT(e.details() == "delete the checkpoint to start afresh");
    }

    // without a checkpoint, resume starts afresh
    fs::remove(train::checkpoint_path(out));
    Recorder recorder;
    train::TrainingSession session(settings, recorder);
    data.feed(session, 0, 1);
    EXPECT(recorder.infos.size() == 1 && recorder.epochs.size() == 1); // the earlier model is kept
    EXPECT_MSG(recorder.infos.at(0).message.find("is kept") != std::string::npos,
               recorder.infos.at(0).message);
    EXPECT(!recorder.logs.empty() && recorder.logs.front().find("starts afresh") != std::string::npos);
}

TEST(an_epoch_without_data_changes_nothing) {
    TempFolder folder;
    Dataset data;
    Recorder recorder;
    train::TrainingSession session(small_m1(folder.file("m.safetensors")), recorder);
    data.description.epochs = 3;
    session.start_epoch(0, data.description);
    session.end_epoch();
    session.start_epoch(1, data.description);
    train::LabelledSegment held_out = data.segments.front();
    held_out.split = "test";
    session.add(held_out); // never seen in training
    session.end_epoch();
    EXPECT(recorder.epochs.empty() && recorder.steps.empty());
    EXPECT(folder.names().empty());

    data.feed(session, 2, 3);
    session.finish();
    EXPECT(recorder.epochs.size() == 1 && recorder.epochs.at(0).report.epoch == 2);
    EXPECT(recorder.done.at(0).epochs_run == 1);
}

TEST(segments_the_model_cannot_use_are_left_out) {
    TempFolder folder;
    Dataset data(16, 0);
    Recorder recorder;
    train::TrainingSession session(small_m1(folder.file("m.safetensors")), recorder);
    data.feed(session, 0, 1);
    nn::Rng rng(2);
    train::LabelledSegment unknown = make_segment("slow", "train", rng);
    unknown.true_emotion = "bored";
    train::LabelledSegment empty = make_segment("fast", "", rng);
    empty.parts.clear();
    data.description.epochs = 2;
    session.start_epoch(1, data.description);
    session.add(unknown);
    session.add(empty);
    session.end_epoch();
    session.finish();
    EXPECT(recorder.epochs.size() == 1);
    EXPECT(recorder.warnings.size() == 1 &&
           recorder.warnings.at(0).kind == train::TrainingIssue::UnknownLabels);
    EXPECT_MSG(recorder.warnings.at(0).message.rfind("1 segments", 0) == 0, recorder.warnings.at(0).message);
}

TEST(bad_settings_and_data_are_typed_errors) {
    TempFolder folder;
    Dataset data;
    Recorder recorder;
    using train::TrainingIssue;
    auto make = [&](const train::SessionSettings& s) { train::TrainingSession session(s, recorder); };
    const std::string out = folder.file("m.safetensors");
    std::string message;

    EXPECT(kind_thrown([&] { make(small_m1("")); }) == TrainingIssue::Settings);
    EXPECT(kind_thrown([&] { make(small_m1("/nonexistent/m.safetensors")); }, &message) ==
           TrainingIssue::OutputFolder);
    EXPECT_MSG(message.find("'/nonexistent'") != std::string::npos, message);
    // An output that is not a regular file is refused before any training (the atomic save would
    // have renamed a regular file over a device node or symlink).
    fs::create_symlink("/dev/null", folder.file("null.safetensors"));
    EXPECT(kind_thrown([&] { make(small_m1(folder.file("null.safetensors"))); }, &message) ==
           TrainingIssue::OutputFolder);
    EXPECT_MSG(message.find("Cannot write the model") != std::string::npos, message);
    fs::remove(folder.file("null.safetensors"));
    train::SessionSettings not_object = small_m1(out);
    not_object.config_overrides = nlohmann::json::array({1});
    EXPECT(kind_thrown([&] { make(not_object); }) == TrainingIssue::Settings);

    auto first_epoch = [&](const train::SessionSettings& s, const train::DatasetDescription& d) {
        train::TrainingSession session(s, recorder);
        session.start_epoch(0, d);
    };
    train::SessionSettings bad_optimizer = small_m1(out);
    bad_optimizer.train.optimizer = "rmsprop";
    EXPECT(kind_thrown([&] { first_epoch(bad_optimizer, data.description); }, &message) ==
           TrainingIssue::Settings);
    EXPECT_MSG(message.find("rmsprop") != std::string::npos, message);
    train::SessionSettings bad_cell = small_m1(out);
    bad_cell.config_overrides["cell"] = "gru";
    EXPECT(kind_thrown([&] { first_epoch(bad_cell, data.description); }, &message) ==
           TrainingIssue::Settings);
    EXPECT_MSG(message.find("Cannot build the model") != std::string::npos, message);
    train::DatasetDescription one_class = data.description;
    one_class.labels = {"slow"};
    EXPECT(kind_thrown([&] { first_epoch(small_m1(out), one_class); }, &message) == TrainingIssue::Training);
    EXPECT_MSG(message.find("fewer than two") != std::string::npos, message);

    train::TrainingSession session(small_m1(out), recorder);
    EXPECT(kind_thrown([&] { session.add(data.segments.front()); }) == TrainingIssue::Training);
    EXPECT(folder.names().empty());
}

// Every speaker in validation used to write the untrained model ("train loss 0.0000") and end
// well; unlabelled input in mode=train did nothing and said nothing.
TEST(a_run_that_trains_nothing_is_an_error_n) {
    TempFolder folder;
    Recorder recorder;
    std::string message;
    const Dataset validation_only(0, 8);
    EXPECT(kind_thrown(
               [&] {
                   train::TrainingSession session(small_m1(folder.file("v.safetensors")), recorder);
                   validation_only.run(session, 1);
               },
               &message) == train::TrainingIssue::Training);
    EXPECT_MSG(message.find("no training examples") != std::string::npos, message);

    Dataset unlabelled(8, 0);
    for (auto& s : unlabelled.segments) s.true_emotion.clear();
    EXPECT(kind_thrown(
               [&] {
                   train::TrainingSession session(small_m1(folder.file("u.safetensors")), recorder);
                   unlabelled.run(session, 1);
               },
               &message) == train::TrainingIssue::Training);
    EXPECT_MSG(message.find("Nothing was trained") != std::string::npos &&
                   message.find("8 without a true label") != std::string::npos,
               message);
    EXPECT(folder.names().empty());
}

// A model already at the output is kept until the new run finishes (it was replaced after the
// new run's first epoch, however bad that epoch's model was).
TEST(an_existing_model_is_kept_until_the_run_finishes) {
    TempFolder folder;
    const std::string out = folder.file("m.safetensors"), kept = folder.file("kept.safetensors");
    const Dataset data;
    {
        Recorder recorder;
        train::TrainingSession first(small_m1(out), recorder);
        data.run(first, 2);
        fs::copy_file(out, kept);
        fs::remove(folder.file("m.checkpoint.safetensors")); // a fresh run, not a resumption
    }
    Recorder recorder;
    train::SessionSettings settings = small_m1(out);
    settings.train.seed = 9;
    train::TrainingSession second(settings, recorder);
    data.feed(second, 0, 2);
    std::string why;
    EXPECT_MSG(same_weights(out, kept, &why), why); // still the first run's model
    EXPECT(fs::exists(folder.file("m.pending.safetensors")));
    EXPECT(recorder.infos.size() == 1 &&
           recorder.infos.at(0).message.find("is kept until this run finishes") != std::string::npos);
    data.feed(second, 1, 2);
    second.finish();
    EXPECT(!same_weights(out, kept, &why));
    EXPECT(folder.names() ==
           std::vector<std::string>({"kept.safetensors", "m.checkpoint.safetensors", "m.safetensors"}));
}

TEST(a_model_that_cannot_be_written_ends_the_epoch_with_a_write_error) {
    TempFolder folder;
    Dataset data(16, 8);
    const std::string out = folder.file("m.safetensors");
    Recorder recorder;
    train::TrainingSession session(small_m1(out), recorder);
    fs::create_directory(out); // the model's path is taken by a folder after the run began
    EXPECT(kind_thrown([&] { data.feed(session, 0, 1); }) == train::TrainingIssue::Write);
    // after the epoch's report and checkpoint: the run's state is that of a completed epoch
    EXPECT(recorder.epochs.size() == 1);
    EXPECT(fs::exists(train::checkpoint_path(out)));
}

// A speaker-normalised model's warm-up settings (models/speaker_normalization.h).
train::SessionSettings small_m1_with_warm_up(const std::string& output) {
    train::SessionSettings s = small_m1(output);
    s.config_overrides.update({{"input_normalization", "speaker"},
                               {"speaker_prior_frames", 200},
                               {"speaker_reset", 0.3},
                               {"speaker_first", 0.3}});
    return s;
}

TEST(a_speaker_prior_is_the_first_epochs_training_speech) {
    TempFolder folder;
    Dataset data;
    const std::string out = folder.file("m.safetensors");
    Recorder recorder;
    train::TrainingSession session(small_m1_with_warm_up(out), recorder);
    data.run(session, 2);
    models::ModelInfo info;
    nn::Context context;
    models::load_model(context, out, &info);
    EXPECT(info.config.at("speaker_prior_frames") == 200 && info.config.at("speaker_reset") == 0.3);
    // by hand: mean and variance of the training segments' speech spans, validation left out
    const int min_frames = session.classifier()->min_frames();
    std::vector<double> sum(36, 0.0), sum_of_squares(36, 0.0);
    double frames = 0.0;
    for (size_t i = 0; i < data.train_count; ++i) {
        const train::Example& e = data.segments[i].parts.at(0);
        const models::FrameSpan span = models::speech_span(e.features.data(), e.frames, 36, min_frames);
        frames += span.end - span.begin;
        for (int t = span.begin; t < span.end; ++t)
            for (int f = 0; f < 36; ++f) {
                const double v = e.features[size_t(t) * 36 + f];
                sum[f] += v, sum_of_squares[f] += v * v;
            }
    }
    double worst = 0.0;
    EXPECT(info.speaker_prior.mean.size() == 36 && info.speaker_prior.variance.size() == 36);
    for (int f = 0; f < 36 && info.speaker_prior.mean.size() == 36; ++f) {
        const double mean = sum[f] / frames, variance = sum_of_squares[f] / frames - mean * mean;
        worst = std::max({worst, std::fabs(info.speaker_prior.mean[f] - mean),
                          std::fabs(info.speaker_prior.variance[f] - variance)});
    }
    std::printf("speaker prior against the training speech (%.0f frames): max error %.2e\n", frames, worst);
    EXPECT(worst < 1e-9);
}

TEST(a_resumed_run_with_speaker_warm_up_equals_the_uninterrupted_one) {
    // the prior comes back with the checkpoint, and speaker_reset and speaker_first draw the same
    omp_set_num_threads(1);
    TempFolder folder;
    Dataset data;
    const int epochs = 3;
    const std::string whole = folder.file("whole.safetensors"), resumed = folder.file("resumed.safetensors");
    Recorder uninterrupted, interrupted, rest;
    {
        train::TrainingSession session(small_m1_with_warm_up(whole), uninterrupted);
        data.run(session, epochs);
    }
    {
        train::TrainingSession session(small_m1_with_warm_up(resumed), interrupted);
        data.feed(session, 0, epochs);
        data.feed(session, 1, epochs, 20); // interrupted during the second epoch
    }
    train::SessionSettings settings = small_m1_with_warm_up(resumed);
    settings.resume = true;
    train::TrainingSession session(settings, rest);
    data.run(session, epochs);
    EXPECT(rest.epochs.size() == 2);
    std::string why;
    EXPECT_MSG(same_weights(whole, resumed, &why), why);
    EXPECT_MSG(same_weights(train::checkpoint_path(whole), train::checkpoint_path(resumed), &why), why);
    // and the draws are not a no-op: without them the run differs
    train::SessionSettings no_reset = small_m1_with_warm_up(folder.file("no-reset.safetensors"));
    no_reset.config_overrides.erase("speaker_reset");
    no_reset.config_overrides.erase("speaker_first");
    Recorder other;
    train::TrainingSession without(no_reset, other);
    data.run(without, epochs);
    EXPECT(!same_weights(train::checkpoint_path(whole),
                         train::checkpoint_path(folder.file("no-reset.safetensors")), &why));
}

TEST_MAIN()
