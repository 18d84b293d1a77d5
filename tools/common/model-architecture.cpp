#include "model-architecture.h"

#include <stdexcept>

#include "models/model_file.h"

namespace emotion::tools {

const models::Architecture& run_architecture(const std::string& model, const std::string& arch,
                                             const std::string& fallback) {
    if (model.empty()) return models::architecture_named(arch.empty() ? fallback : arch);
    const models::Architecture& recorded =
        models::architecture_named(models::read_model_info(model).architecture);
    if (!arch.empty() && &models::architecture_named(arch) != &recorded)
        throw std::invalid_argument("--arch " + arch + " disagrees with the model: " + model + " is a '" +
                                    recorded.name + "' model (--arch is for new models only)");
    return recorded;
}

} // namespace emotion::tools
