// Model files: safetensors whose tensors are the model's state_dict and whose __metadata__
// describes everything needed to use the model (DESIGN.md "Model files"):
//   format        "gst-emotion-model/1"
//   architecture  the name of a known architecture (models/architecture.h)
//   config        JSON object: the architecture's configuration (Model::config())
//   labels        JSON array of class names, in output order
//   features      JSON object: {"kind": "lld" | "mulaw", "sample_rate": 16000, "dimensions": [..]}
//   normalisation text: how inputs are normalised (e.g. "per-segment z-score")
//   training      JSON object: data, protocol, settings (optional)
//   metrics       JSON object: measured accuracy (optional)
//   temperature   number > 0: divides the logits at inference (temperature scaling, fitted on
//                 validation data; train/calibration.h); optional, 1 when absent
//   speaker_prior speaker-normalised models with "speaker_prior_frames" in their config (required
//                 there): JSON object {"mean": [...], "variance": [...]}, the training population's
//                 frame statistics per feature (models/speaker_normalization.h)
//   vocabulary    architectures that take text only (required there): JSON array of the config's
//                 `vocab` words, word i = row i of text.embedding, entry 0 = "" (unknown / padding;
//                 models/ksmm_text.h)
// A training checkpoint (train/checkpoint.h) is a model file with the metadata key "checkpoint"
// and the optimiser's state as extra tensors named "optim.*"; it loads as the model it holds.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "models/feature_spec.h"
#include "models/model.h"
#include "models/speaker_normalization.h"

namespace emotion::models {

constexpr const char* kModelFormat = "gst-emotion-model/1";
constexpr const char* kCheckpointKey = "checkpoint";
constexpr const char* kOptimizerPrefix = "optim.";

// The features an architecture consumes (its descriptor's, models/architecture.h).
FeatureSpec features_for(const std::string& architecture);

struct ModelInfo {
    std::string architecture;
    nlohmann::json config = nlohmann::json::object();
    std::vector<std::string> labels;
    FeatureSpec features;
    std::string normalisation;
    nlohmann::json training = nlohmann::json::object();
    nlohmann::json metrics = nlohmann::json::object();
    double temperature = 1.0;            // calibration: softmax(logits / temperature)
    SpeakerPrior speaker_prior;          // speaker-normalised models with a population prior
    std::vector<std::string> vocabulary; // text models (ksmm): the words of text.embedding's rows
};

// Reads and validates the metadata; throws io::FormatError naming the key that is wrong.
ModelInfo read_model_info(const io::SafetensorsFile& file);
// The same for the model file at `path` (what it is, without building the model); the errors
// name the file.
ModelInfo read_model_info(const std::string& path);

// Copies every entry of `table` from the file: each must exist with the expected shape
// ("tensor 'fc_in.weight': shape [256, 40], expected [256, 36]"), and every tensor of the file
// must be used ("not all tensors loaded: 'x', 'y'"). I64 buffers (num_batches_tracked) are read
// into float parameters of shape [1] or [].
void load_parameters(const io::SafetensorsFile& file, const nn::ParameterTable& table);

// A model built from its architecture and configuration, with fresh (uninitialised) parameters
// (Architecture::create by name).
std::unique_ptr<Model> create_model(nn::Context& context, const std::string& architecture,
                                    const nlohmann::json& config);

// The configuration of a new model to train (Architecture::training_config by name).
nlohmann::json training_config(const std::string& architecture, const nlohmann::json& overrides, int classes,
                               int speakers, int genders);

// Loads a model file: validation, construction, parameters. Throws io::FormatError or
// std::runtime_error with a message a user can act on (it names the file).
std::unique_ptr<Model> load_model(nn::Context& context, const std::string& path, ModelInfo* info);

// The model's tensors and metadata, ready to write (checkpoints add their own entries). A model
// that takes text (ksmm) needs info.vocabulary with one word per embedding row (std::invalid_argument
// otherwise: an unreadable file is never written).
io::SafetensorsWriter model_writer(Model& model, const ModelInfo& info);

// Writes the model atomically (temporary file, fsync, rename).
void save_model(const std::string& path, Model& model, const ModelInfo& info);

} // namespace emotion::models
