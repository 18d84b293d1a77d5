#include "train/training_session.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "io/files.h"
#include "models/model_file.h"
#include "train/checkpoint.h"

namespace emotion::train {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int index_of(const std::vector<std::string>& values, const std::string& value) {
    auto it = std::find(values.begin(), values.end(), value);
    return it == values.end() ? -1 : int(it - values.begin());
}

// The folder a file is written to ("." for a bare name).
std::string folder_of(const std::string& path) {
    std::string folder = std::filesystem::path(path).parent_path().string();
    return folder.empty() ? "." : folder;
}

bool writable_folder(const std::string& folder) {
    std::error_code error;
    return std::filesystem::is_directory(folder, error) && access(folder.c_str(), W_OK) == 0;
}

} // namespace

TrainingSession::TrainingSession(SessionSettings settings, TrainingListener& listener)
    : settings_(std::move(settings)), listener_(listener), started_(std::chrono::steady_clock::now()) {
    const std::string& out = settings_.output_path;
    if (out.empty())
        throw TrainingError(TrainingIssue::Settings, "Cannot train: no file to write the model to.");
    const std::string folder = folder_of(out);
    if (!writable_folder(folder))
        throw TrainingError(TrainingIssue::OutputFolder, "Cannot write the model to '" + out + "': folder '" +
                                                             folder + "' does not exist or is not writable.");
    if (!settings_.config_overrides.is_object())
        throw TrainingError(TrainingIssue::Settings,
                            "Cannot train: the configuration overrides are not a JSON "
                            "object: " +
                                settings_.config_overrides.dump());
    try {
        io::check_replaceable(out);
    } catch (const std::exception& e) {
        throw TrainingError(TrainingIssue::OutputFolder, "Cannot write the model to '" + out + "'.",
                            e.what());
    }
    checkpoint_path_ = train::checkpoint_path(out);
    pending_path_ = pending_model_path(out);
}

TrainingSession::~TrainingSession() = default;

void TrainingSession::start_from(std::unique_ptr<models::Classifier> classifier) {
    if (trainer_) throw std::logic_error("TrainingSession::start_from after training started");
    if (&models::architecture_of(classifier->model()) != settings_.architecture)
        throw TrainingError(TrainingIssue::Settings, "Cannot fine-tune a '" +
                                                         classifier->info().architecture + "' model as a '" +
                                                         settings_.architecture->name + "' model.");
    classifier_ = std::move(classifier);
    classifier_->set_threads(settings_.threads);
}

std::optional<nn::ThreadScope> TrainingSession::model_threads() const {
    if (!classifier_) return std::nullopt;
    return std::optional<nn::ThreadScope>(std::in_place, classifier_->context());
}

void TrainingSession::start_epoch(int epoch, const DatasetDescription& dataset) {
    const auto threads = model_threads();
    end_epoch();       // an epoch left open upstream
    if (stop_) return; // stopped early: the data source is told by the caller
    if (!trainer_) set_up(dataset);
    begin(epoch);
}

void TrainingSession::set_up(const DatasetDescription& dataset) {
    dataset_ = dataset;
    const bool resumed = settings_.resume && resume();
    if (!resumed) {
        std::error_code error;
        keeps_output_ = std::filesystem::is_regular_file(settings_.output_path, error);
        if (keeps_output_)
            listener_.on_info({TrainingIssue::Write,
                               "'" + settings_.output_path +
                                   "' exists: it is kept until this run finishes; "
                                   "the run's best model goes to '" +
                                   pending_path_ + "' until then.",
                               ""});
    }
    if (!resumed && classifier_) {
        // Fine-tuning a starting model: its schedule continues where its training stopped.
        const auto& previous = classifier_->info().training;
        if (previous.contains("epochs_run") && previous["epochs_run"].is_number_integer())
            epoch_offset_ = previous["epochs_run"].get<int>();
    } else if (!resumed) {
        NewModelSpec spec;
        spec.architecture = settings_.architecture;
        spec.config_overrides = settings_.config_overrides;
        spec.labels = dataset.labels;
        spec.speakers = int(dataset.speakers.size());
        spec.genders = int(dataset.genders.size());
        spec.seed = settings_.train.seed;
        spec.path = settings_.output_path;
        spec.threads = settings_.threads;
        classifier_ = new_classifier(spec, settings_.create_model);
    }
    if (trainer_) return;
    const auto threads = model_threads();
    try {
        trainer_ = std::make_unique<Trainer>(classifier_->model(), classifier_->info().labels,
                                             settings_.train, settings_.architecture->item_size());
    } catch (const std::exception& e) {
        throw TrainingError(TrainingIssue::Settings, std::string("Cannot train: ") + e.what());
    }
}

// Continues an interrupted run from its checkpoint; false when there is none (a fresh start).
bool TrainingSession::resume() {
    std::error_code error;
    if (!std::filesystem::exists(checkpoint_path_, error)) {
        listener_.on_log(LogDetail::Epoch,
                         "no checkpoint '" + checkpoint_path_ + "': training starts afresh");
        return false;
    }
    ResumedRun run = resume_run(checkpoint_path_, *settings_.architecture, dataset_.labels, settings_.train,
                                settings_.threads, settings_.output_path);
    skip_epochs_ = run.progress.epochs_done;
    epochs_run_ = skip_epochs_;
    epoch_offset_ = run.progress.epoch_offset;
    stop_ = run.progress.stopped;
    keeps_output_ = run.progress.keeps_output;
    seconds_before_ = run.progress.seconds;
    classifier_ = std::move(run.classifier);
    trainer_ = std::move(run.trainer);
    listener_.on_info({TrainingIssue::Resume,
                       "Resuming training after epoch " + std::to_string(skip_epochs_) + " from '" +
                           checkpoint_path_ + "'.",
                       ""});
    return true;
}

void TrainingSession::begin(int epoch) {
    epoch_ = epoch;
    skipping_ = epoch < skip_epochs_;
    // Every epoch hears each speaker anew, as a stream does: a resumed epoch is the same.
    classifier_->forget_speakers();
    if (skipping_) return;
    trainer_->begin_epoch(epoch_offset_ + epoch);
    // A new model's population prior: the first epoch's training speech (so far, as it comes).
    learning_prior_ =
        classifier_->speaker_statistics().prior_frames > 0.0 && classifier_->info().speaker_prior.empty();
    population_ = models::FrameMoments{};
    // speaker_reset's and speaker_first's draws: the same in a resumed epoch
    speaker_resets_.seed(settings_.train.seed * 0x9E3779B97F4A7C15ull + uint64_t(epoch_offset_ + epoch));
}

void TrainingSession::condition(std::vector<Example>& parts, const std::string& speaker, bool validation) {
    const models::SpeakerStatisticsConfig& warm_up = classifier_->speaker_statistics();
    auto drawn = [&](double probability) {
        return !validation && probability > 0.0 &&
               std::uniform_real_distribution<double>(0.0, 1.0)(speaker_resets_) < probability;
    };
    if (drawn(warm_up.reset)) classifier_->forget_speaker(speaker);
    if (drawn(warm_up.first)) classifier_->read_next_as_first(speaker);
    if (settings_.architecture->batch_layout == models::BatchLayout::SegmentImages) {
        // apcnn: no warm-up keys (its config refuses them), so nothing was drawn above
        std::vector<float*> segments;
        for (auto& e : parts) segments.push_back(e.features.data());
        classifier_->condition_segments(segments, speaker);
        return;
    }
    models::FrameMoments* population = learning_prior_ && !validation ? &population_ : nullptr;
    for (auto& e : parts) {
        classifier_->condition_frames(e.features, speaker, false, population);
        e.frames = static_cast<int>(e.features.size() / settings_.architecture->item_size());
    }
    if (population) classifier_->set_speaker_prior(models::SpeakerPrior::of(population_));
}

void TrainingSession::add(LabelledSegment segment) {
    if (!classifier_ || !trainer_)
        throw TrainingError(TrainingIssue::Training,
                            "Cannot train: a segment came before any epoch start and "
                            "there is no starting model.");
    const auto threads = model_threads();
    if (epoch_ < 0) begin(0); // labelled segments without epoch starts: one epoch
    if (skipping_) return;
    const bool validation = segment.split == "valid";
    if (segment.split == "test" || (segment.split != "train" && segment.split != "" && !validation))
        return; // held-out speakers are never seen in training

    if (segment.true_emotion.empty()) {
        unlabelled_++;
        return;
    }
    const int emotion = index_of(classifier_->info().labels, segment.true_emotion);
    if (emotion < 0) {
        skipped_++;
        listener_.on_log(LogDetail::Segment, "segment " + segment.id + ": label '" + segment.true_emotion +
                                                 "' is not one of the model's");
        return;
    }
    std::vector<Example>& parts = segment.parts;
    if (classifier_->input_normalization() == models::InputNormalization::Speaker)
        condition(parts, segment.speaker, validation);
    const int min_frames = classifier_->min_frames();
    parts.erase(
        std::remove_if(parts.begin(), parts.end(), [&](const Example& e) { return e.frames < min_frames; }),
        parts.end());
    if (parts.empty()) return;
    for (auto& e : parts) {
        e.emotion = emotion;
        e.speaker = index_of(dataset_.speakers, segment.speaker);
        e.gender = index_of(dataset_.genders, segment.gender);
    }

    try {
        if (validation) {
            trainer_->add_validation(parts);
            return;
        }
        const int batch = settings_.train.batch_size;
        for (auto& e : parts) {
            if (!trainer_->add_training(std::move(e))) continue;
            listener_.on_step({epoch_offset_ + epoch_, epoch_offset_ + dataset_.epochs,
                               trainer_->steps_in_epoch(), (dataset_.train_utterances + batch - 1) / batch,
                               trainer_->last_loss()});
        }
    } catch (const std::exception& e) {
        throw TrainingError(TrainingIssue::Training, "Training step failed.", e.what());
    }
}

void TrainingSession::end_epoch() {
    if (epoch_ < 0 || !trainer_) return;
    const auto threads = model_threads();
    if (skipping_) { // done before the resumption
        epoch_ = -1;
        skipping_ = false;
        return;
    }
    EpochReport report = trainer_->end_epoch();
    epoch_ = -1;
    if (report.train_examples == 0 && !report.has_validation)
        return; // an epoch that saw no data (cut short by the end of the stream) changes nothing
    // Validation alone would save the untrained model as the best one.
    if (report.train_examples == 0)
        throw TrainingError(
            TrainingIssue::Training,
            "Cannot train: epoch " + std::to_string(report.epoch) +
                " had validation data but no training examples (every speaker is in "
                "validation or test, or no training utterance has one of the model's labels).");
    epochs_run_++;
    stop_ = report.stop;
    describe_training(report);
    // A model that cannot be written ends the run, but after the checkpoint and the report, so
    // that the run's state is that of a completed epoch.
    std::optional<TrainingError> unwritten;
    if (report.improved) {
        classifier_->info().temperature = report.temperature; // calibrated on this validation
        try {
            models::save_model(best_model_path(), classifier_->model(), classifier_->info());
        } catch (const std::exception& e) {
            unwritten.emplace(TrainingIssue::Write, "Cannot write the model '" + best_model_path() + "'.",
                              e.what());
        }
    }
    save_checkpoint();
    char line[160];
    std::snprintf(line, sizeof line, "epoch %d: loss %.4f, train accuracy %.3f, valid UA %.3f%s",
                  report.epoch, report.train_loss, report.train_accuracy, report.ua,
                  report.stop ? " (early stop)" : "");
    listener_.on_log(LogDetail::Epoch, line);
    listener_.on_epoch({report, epoch_offset_ + dataset_.epochs, seconds_since(started_)});
    if (unwritten) throw *unwritten;
}

void TrainingSession::finish() {
    end_epoch();
    if (epochs_run_ == 0) // a run that trained nothing must not look like one that did
        throw TrainingError(TrainingIssue::Training,
                            "Nothing was trained: no labelled segment reached the model (" +
                                std::to_string(unlabelled_) + " without a true label, " +
                                std::to_string(skipped_) +
                                " with labels the model does not have). Training needs labelled input: "
                                "emodatasetsrc, or emotion-segment-start events with an 'emotion' field.");
    publish_pending_model();
    if (skipped_)
        listener_.on_warning({TrainingIssue::UnknownLabels,
                              std::to_string(skipped_) + " segments had labels the "
                                                         "model does not know and were left out.",
                              ""});
    if (unlabelled_)
        listener_.on_warning({TrainingIssue::UnknownLabels,
                              std::to_string(unlabelled_) + " segments had no true label and were left out.",
                              ""});
    listener_.on_done(
        {epochs_run_, trainer_->best_epoch(), trainer_->best_ua(), stop_, settings_.output_path});
}

double TrainingSession::training_seconds() const { return seconds_before_ + seconds_since(started_); }

// Records data, protocol, settings and the epoch's metrics in the model's metadata.
void TrainingSession::describe_training(const EpochReport& report) {
    models::ModelInfo& info = classifier_->info();
    info.training = {
        {"data", dataset_.dataset},
        {"protocol", dataset_.protocol},
        {"settings", settings_.train.to_json()},
        {"epochs_run", epoch_offset_ + epochs_run_},
        {"best_epoch", report.best_epoch + 1}, // counted from 1, as emotion-train and the messages do
        {"train_examples", report.train_examples},
        {"seconds", training_seconds()},
    };
    if (!dataset_.speakers.empty()) info.training["train_speakers"] = dataset_.speakers;
    if (report.has_validation)
        info.metrics = {{"validation",
                         {{"wa", report.wa},
                          {"ua", report.ua},
                          {"macro_f1", report.macro_f1},
                          {"loss", report.valid_loss},
                          {"temperature", report.temperature},
                          {"ece", report.ece},
                          {"calibrated_ece", report.calibrated_ece},
                          {"epoch", report.epoch + 1},
                          {"confusion", report.confusion}}}};
}

// The latest weights and everything else a resumed run needs (written after the best model, so
// that a crash between the two never loses an improvement).
void TrainingSession::save_checkpoint() {
    RunProgress run{epochs_run_, epoch_offset_, stop_, training_seconds(), keeps_output_};
    try {
        write_checkpoint(checkpoint_path_, classifier_->model(), classifier_->info(), *trainer_,
                         run.to_json());
    } catch (const std::exception& e) {
        listener_.on_warning({TrainingIssue::Write,
                              "Cannot write the training checkpoint '" + checkpoint_path_ +
                                  "'; training goes on, but cannot be resumed from this epoch.",
                              e.what()});
    }
}

const std::string& TrainingSession::best_model_path() const {
    return keeps_output_ ? pending_path_ : settings_.output_path;
}

// The finished run's best model replaces the one that was kept.
void TrainingSession::publish_pending_model() {
    if (!keeps_output_) return;
    std::error_code error;
    if (!std::filesystem::is_regular_file(pending_path_, error)) return; // nothing better was found
    try {
        io::check_replaceable(settings_.output_path);
        std::filesystem::rename(pending_path_, settings_.output_path);
    } catch (const std::exception& e) {
        throw TrainingError(TrainingIssue::Write,
                            "Cannot replace '" + settings_.output_path + "' with this run's model '" +
                                pending_path_ + "'.",
                            e.what());
    }
    keeps_output_ = false;
}

} // namespace emotion::train
