#include "train/checkpoint.h"

#include <sstream>

#include "io/untrusted_json.h"

namespace emotion::train {

using nlohmann::json;

namespace {

// "m.safetensors" -> "m.<kind>.safetensors"; any other name gets ".<kind>" appended.
std::string beside_model(const std::string& model_path, const std::string& kind) {
    const std::string suffix = ".safetensors";
    if (model_path.size() > suffix.size() &&
        model_path.compare(model_path.size() - suffix.size(), suffix.size(), suffix) == 0)
        return model_path.substr(0, model_path.size() - suffix.size()) + "." + kind + suffix;
    return model_path + "." + kind;
}

} // namespace

std::string checkpoint_path(const std::string& model_path) { return beside_model(model_path, "checkpoint"); }

std::string pending_model_path(const std::string& model_path) { return beside_model(model_path, "pending"); }

void write_checkpoint(const std::string& path, models::Model& model, const models::ModelInfo& info,
                      const Trainer& trainer, const json& run) {
    io::SafetensorsWriter writer = models::model_writer(model, info);
    for (const auto& [name, tensor] : trainer.optimizer().export_state())
        writer.add(models::kOptimizerPrefix + name, tensor);
    json state = {{"trainer", trainer.progress()}, {"run", run}};
    if (nn::Rng* rng = model.dropout_rng()) {
        std::ostringstream engine;
        engine << rng->engine();
        state["dropout_rng"] = engine.str();
    }
    writer.set_metadata(models::kCheckpointKey, state.dump());
    writer.write_atomic(path);
}

json restore_checkpoint(const std::string& path, models::Model& model, Trainer& trainer) {
    io::SafetensorsFile file = io::SafetensorsFile::read(path);
    const std::string text = file.metadata_value(models::kCheckpointKey);
    json state = io::parse_untrusted_json(text);
    if (!state.is_object() || !state.contains("trainer") || !state.contains("run"))
        throw io::FormatError(path + ": not a training checkpoint (metadata '" + models::kCheckpointKey +
                              "' missing or malformed)");
    nn::OptimizerState optimizer;
    const std::string prefix = models::kOptimizerPrefix;
    for (const std::string& name : file.names())
        if (name.rfind(prefix, 0) == 0) optimizer[name.substr(prefix.size())] = file.f32(name);
    try {
        trainer.optimizer().import_state(optimizer);
        trainer.restore_progress(state.at("trainer"));
        if (nn::Rng* rng = model.dropout_rng()) {
            std::istringstream engine(state.at("dropout_rng").get<std::string>());
            engine >> rng->engine();
            if (!engine) throw std::invalid_argument("unreadable dropout generator state");
        }
    } catch (const std::exception& e) {
        throw io::FormatError(path + ": checkpoint does not fit this training run: " + e.what());
    }
    return state.at("run");
}

} // namespace emotion::train
