// Training checkpoints: what continues an interrupted training run exactly where it stopped.
// A checkpoint is a model file of the latest (not the best) weights plus the optimiser's state as
// "optim.*" tensors and the metadata "checkpoint": the trainer's progress, the dropout
// generator's state and the caller's bookkeeping ("run"). models::load_model reads it as the
// model it holds.
//
//   write_checkpoint(checkpoint_path(out), model, info, trainer, {{"epochs_done", 3}});
//   ...after a crash...
//   auto model = models::load_model(context, path, &info);
//   Trainer trainer(*model, info.labels, settings, 36);
//   nlohmann::json run = restore_checkpoint(path, *model, trainer);
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "models/model_file.h"
#include "train/trainer.h"

namespace emotion::train {

// "m.safetensors" -> "m.checkpoint.safetensors"; any other name gets ".checkpoint" appended.
std::string checkpoint_path(const std::string& model_path);
// "m.safetensors" -> "m.pending.safetensors": the best model so far of a run that found a model
// at its output and keeps it until the run finishes.
std::string pending_model_path(const std::string& model_path);

// Writes the checkpoint atomically (a crash leaves the previous one).
void write_checkpoint(const std::string& path, models::Model& model, const models::ModelInfo& info,
                      const Trainer& trainer, const nlohmann::json& run);

// Restores the optimiser, the trainer's progress and the dropout generator into `trainer` and its
// `model` (loaded from the same file). Returns the caller's "run" object. Throws io::FormatError
// naming the file when it is not a checkpoint or does not fit the trainer.
nlohmann::json restore_checkpoint(const std::string& path, models::Model& model, Trainer& trainer);

} // namespace emotion::train
