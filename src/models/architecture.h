// The architectures of spec/MODELS.md as data: what each reads, how a model of it is built and
// trained, and which GStreamer elements run it. The registry (architecture.cpp) is the one place
// that lists them; everything else asks a descriptor instead of comparing names, so a fifth model
// is a model class plus one descriptor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/feature_spec.h"
#include "models/model.h"
#include "nn/context.h"

namespace emotion::models {

// How the items of a batch become Batch::features.
enum class BatchLayout {
    Sequences,     // [B, T_max, F] zero-padded frames + lengths (LLD)
    SegmentImages, // [B, 1, H, W], one segment per item; lengths W (mu-law: 400 bins x 200 frames)
};

// One item of a batch: `frames` frames (Sequences) or one whole segment (SegmentImages).
struct FeatureItem {
    const float* values = nullptr;
    int frames = 1;
};

// The optimiser, schedule and batching an architecture's paper trains with (spec/MODELS.md).
// Plain numbers: train::TrainSettings adds the settings of a run to them.
struct PublishedTraining {
    std::string optimizer = "adam"; // "adam" | "sgd"
    double learning_rate = 1e-3;
    double momentum = 0.9; // sgd
    bool nesterov = false; // sgd
    double weight_decay = 0.0;
    std::string schedule = "none"; // "none" | "cosine" | "multistep"
    std::vector<int> milestones;   // multistep (0-based epochs)
    double gamma = 0.1;            // multistep
    int cosine_epochs = 0;         // cosine T_max (0: the number of epochs)
    int batch_size = 32;
    int patience = 0; // epochs without a better validation UA; 0 = never stop
    // Training examples of each epoch (a uniform sample) over which the BatchNorm running
    // statistics are re-estimated before validating; 0 = keep the running averages.
    int bn_recalibration = 0;
};

struct Architecture {
    std::string name;        // a model file's "architecture"; the shipped model is <name>.safetensors
    std::string description; // one line: the model and its paper

    FeatureSpec features; // what it reads (a model file must declare exactly this)
    BatchLayout batch_layout = BatchLayout::Sequences;
    // The features as NNStreamer tensor caps: dimensions innermost first ("36:1", "200:400") and
    // items per second (0: one tensor per segment, no rate).
    std::vector<int> caps_dimensions;
    int caps_frame_rate = 0;
    int min_frames = 1;        // fewest frames a segment needs for a result
    std::string normalisation; // how inputs are normalised, as model files record it

    // Text models (M4) read word ids besides the audio: their files carry a vocabulary of this many
    // words (the embedding rows the configuration asks for), their element has a text pad.
    // nullptr: audio only.
    int (*vocabulary_size)(const nlohmann::json& config) = nullptr;
    bool takes_text() const { return vocabulary_size != nullptr; }

    PublishedTraining training;

    // The configuration of a new model to train: `overrides` (user settings) with the class count
    // set, and the auxiliary heads the architecture trains for the tasks the data labels
    // (M1: speaker and gender, when there are at least two of each).
    nlohmann::json (*training_config)(const nlohmann::json& overrides, int classes, int speakers,
                                      int genders) = nullptr;
    // A model built from its configuration, with fresh (uninitialised) parameters.
    std::unique_ptr<Model> (*create)(nn::Context& context, const nlohmann::json& config) = nullptr;

    // The elements that run it in a pipeline (tools and benchmarks build their pipelines from these).
    std::string element;          // "alstmclassify"
    std::string features_element; // "lldextract"

    int item_size() const { return features.item_size(); }
    // Fills batch.features and batch.lengths from `count` items laid out per batch_layout.
    void fill_features(const FeatureItem* items, size_t count, Batch& batch) const;
};

// Every known architecture, in the order of spec/MODELS.md (M1..M4).
const std::vector<Architecture>& architectures();
// The architecture of that name; std::invalid_argument listing the known names otherwise.
const Architecture& architecture_named(const std::string& name);
// The architecture of a model (by Model::architecture()).
const Architecture& architecture_of(const Model& model);
// The names of the architectures, "alstm, apcnn, stl, ksmm"; `text_only`: those that take text.
std::string architecture_names(bool text_only = false);

// The architecture whose shipped model is used when none is named (emotiondetect, emotion-analyze):
// M3, the shipped model that holds best on speech of another corpus (ravdess-dev UA, README
// "Models"), and the fastest.
inline constexpr const char* kRecommendedArchitecture = "stl";

} // namespace emotion::models
