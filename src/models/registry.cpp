// The architectures a model file may name, and how each is built from its configuration.
#include <algorithm>
#include <stdexcept>

#include "models/alstm_model.h"
#include "models/apcnn_model.h"
#include "models/ksmm_model.h"
#include "models/model_file.h"
#include "models/stl_model.h"

namespace emotion::models {

std::unique_ptr<Model> create_model(nn::Context& context, const std::string& architecture,
                                    const nlohmann::json& config) {
    if (architecture == "alstm") return AlstmModel::from_config(context, config);
    if (architecture == "apcnn") return ApcnnModel::from_config(context, config);
    if (architecture == "stl") return StlModel::from_config(context, config);
    if (architecture == "ksmm") return std::make_unique<KsmmModel>(context, KsmmConfig::from_json(config));
    throw std::invalid_argument("unknown architecture '" + architecture +
                                "' (known: alstm, apcnn, stl, ksmm)");
}

nlohmann::json training_config(const std::string& architecture, const nlohmann::json& overrides,
                               int classes, int speakers, int genders) {
    nlohmann::json config = overrides.is_object() ? overrides : nlohmann::json::object();
    if (architecture == "alstm") {
        // "tasks": the auxiliary heads to train (default: every task the data labels).
        std::vector<std::string> tasks = {"speaker", "gender"};
        if (config.contains("tasks")) {
            tasks = config.at("tasks").get<std::vector<std::string>>();
            config.erase("tasks");
        }
        auto wanted = [&](const char* task) { return std::find(tasks.begin(), tasks.end(), task) != tasks.end(); };
        nlohmann::json heads = {{"emotion", classes}};
        if (speakers >= 2 && wanted("speaker")) heads["speaker"] = speakers;
        if (genders >= 2 && wanted("gender")) heads["gender"] = genders;
        config["heads"] = heads;
    } else {
        config["K"] = classes;
    }
    return config;
}

} // namespace emotion::models
