#include "train/run_start.h"

#include <stdexcept>

#include "models/model_file.h"
#include "train/checkpoint.h"
#include "train/dataset_plan.h"
#include "train/training_issue.h"

namespace emotion::train {

std::unique_ptr<models::Classifier> new_classifier(const NewModelSpec& spec, const ModelFactory& factory) {
    if (spec.labels.size() < 2)
        throw TrainingError(TrainingIssue::Training,
                            "Cannot train: the dataset has fewer than two emotion classes.",
                            "labels of the epoch-start event: '" + join_list(spec.labels) + "'");
    auto context = std::make_unique<nn::Context>(spec.threads);
    nn::ThreadScope threads(*context);
    std::unique_ptr<models::Model> model;
    models::ModelInfo info;
    try {
        const models::Architecture& architecture = *spec.architecture;
        nlohmann::json config = architecture.training_config(spec.config_overrides, int(spec.labels.size()),
                                                             spec.speakers, spec.genders);
        nn::Rng rng(spec.seed);
        if (factory) {
            model = factory(*context, config, rng, info);
        } else {
            model = architecture.create(*context, config);
            model->init(rng);
        }
    } catch (const std::exception& e) {
        throw TrainingError(TrainingIssue::Settings,
                            std::string("Cannot build the model to train: ") + e.what());
    }
    info.architecture = spec.architecture->name;
    info.config = model->config();
    info.labels = spec.labels;
    info.features = spec.architecture->features;
    info.normalisation = spec.architecture->normalisation;
    // The models that read speaker-normalised inputs (the LLD sequence models and the mu-law
    // segment model) keep the key in their configuration; the others drop it.
    const bool by_speaker = spec.config_overrides.is_object() &&
                            spec.config_overrides.contains("input_normalization") &&
                            spec.config_overrides["input_normalization"] == "speaker";
    if (by_speaker) {
        if (models::input_normalization(info.config) != models::InputNormalization::Speaker)
            throw TrainingError(TrainingIssue::Settings,
                                "Cannot build the model to train: input_normalization \"speaker\" is for "
                                "alstm, stl and apcnn, not " +
                                    spec.architecture->name + ".");
        info.normalisation = spec.architecture->batch_layout == models::BatchLayout::SegmentImages
                                 ? models::kSpeakerMulawNormalisation
                                 : models::kSpeakerNormalisation;
    }
    return std::make_unique<models::Classifier>(std::move(context), std::move(model), std::move(info),
                                                spec.path);
}

nlohmann::json RunProgress::to_json() const {
    return {{"epochs_done", epochs_done},
            {"epoch_offset", epoch_offset},
            {"stopped", stopped},
            {"seconds", seconds},
            {"keeps_output", keeps_output}};
}

RunProgress RunProgress::from_json(const nlohmann::json& run) {
    RunProgress p;
    p.epochs_done = run.at("epochs_done").get<int>();
    p.epoch_offset = run.at("epoch_offset").get<int>();
    p.stopped = run.at("stopped").get<bool>();
    p.seconds = run.at("seconds").get<double>();
    p.keeps_output = run.value("keeps_output", false); // absent from checkpoints before it existed
    return p;
}

ResumedRun resume_run(const std::string& checkpoint, const models::Architecture& architecture,
                      const std::vector<std::string>& labels, const TrainSettings& settings, int threads,
                      const std::string& model_path) {
    try {
        auto context = std::make_unique<nn::Context>(threads);
        nn::ThreadScope scope(*context);
        models::ModelInfo info;
        auto model = models::load_model(*context, checkpoint, &info);
        if (&models::architecture_of(*model) != &architecture)
            throw std::runtime_error("it holds a '" + info.architecture + "' model, this element trains '" +
                                     architecture.name + "'");
        if (labels != info.labels)
            throw std::runtime_error("its labels " + nlohmann::json(info.labels).dump() +
                                     " differ from the dataset's " + nlohmann::json(labels).dump());
        const nlohmann::json wanted = settings.to_json();
        const nlohmann::json recorded = info.training.value("settings", nlohmann::json());
        if (recorded != wanted)
            throw std::runtime_error("it was made with other training settings: " + recorded.dump() +
                                     ", now " + wanted.dump());
        auto trainer = std::make_unique<Trainer>(*model, info.labels, settings, architecture.item_size());
        RunProgress progress = RunProgress::from_json(restore_checkpoint(checkpoint, *model, *trainer));
        auto classifier = std::make_unique<models::Classifier>(std::move(context), std::move(model),
                                                               std::move(info), model_path);
        return {std::move(classifier), std::move(trainer), progress};
    } catch (const std::exception& e) {
        throw TrainingError(TrainingIssue::Resume,
                            "Cannot resume from the checkpoint '" + checkpoint + "': " + e.what(),
                            "delete the checkpoint to start afresh");
    }
}

} // namespace emotion::train
