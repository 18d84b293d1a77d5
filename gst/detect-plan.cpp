/* emotiondetect's plan: see the header. */
#include "detect-plan.h"

#include <stdexcept>

#include "model-location.h"
#include "models/model_file.h"

namespace emotion::gst {

namespace {

std::string trimmed(const std::string& text) {
    const size_t first = text.find_first_not_of(" \t");
    if (first == std::string::npos) return "";
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

/* The files of the `model` list, in order; none when it is empty. */
std::vector<std::string> model_paths(const std::string& list) {
    std::vector<std::string> paths;
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string::npos) comma = list.size();
        std::string path = trimmed(list.substr(start, comma - start));
        if (path.empty() && !trimmed(list).empty())
            throw std::runtime_error("'model' has an empty entry: \"" + list + "\"");
        if (!path.empty()) paths.push_back(path);
        start = comma + 1;
    }
    return paths;
}

/* The error for a text model (M4): this element takes audio only. `subject` names it. */
std::runtime_error needs_text(const std::string& subject, const models::Architecture& architecture,
                              bool train) {
    return std::runtime_error(
        subject + " needs a text stream: " +
        (train ? "train it with " + architecture.element + " mode=train and emodatasetsrc's text pad"
               : "use " + architecture.element + " with its text pad"));
}

/* "alstm, apcnn or stl": the architectures this element runs (audio only). */
std::string audio_architecture_names() {
    std::vector<std::string> names;
    for (const models::Architecture& a : models::architectures())
        if (!a.takes_text()) names.push_back(a.name);
    std::string text;
    for (size_t i = 0; i < names.size(); ++i)
        text += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
    return text;
}

/* The architecture `name` (the recommended one when empty); an audio one, as this element takes
 * audio only. */
const models::Architecture& requested_architecture(const std::string& name, bool train) {
    const std::string chosen = name.empty() ? models::kRecommendedArchitecture : name;
    const models::Architecture* named = nullptr;
    for (const models::Architecture& a : models::architectures())
        if (a.name == chosen) named = &a;
    if (!named)
        throw std::runtime_error("unknown architecture '" + chosen + "': 'architecture' is one of " +
                                 audio_architecture_names());
    const models::Architecture& architecture = *named;
    if (architecture.takes_text())
        throw needs_text("architecture '" + architecture.name + "'", architecture, train);
    return architecture;
}

/* The model file `path` as the plan runs it: its recorded architecture, which an explicit
 * `architecture` must agree with. */
DetectModel model_of(const std::string& path, const std::string& architecture, bool train) {
    DetectModel model;
    model.path = path;
    model.architecture = &models::architecture_named(models::read_model_info(path).architecture);
    if (model.architecture->takes_text())
        throw needs_text("model '" + path + "' is " + model.architecture->name + ", which",
                         *model.architecture, train);
    if (!architecture.empty() && architecture != model.architecture->name)
        throw std::runtime_error("model '" + path + "' is an " + model.architecture->name +
                                 " model, but architecture=" + architecture +
                                 " (a model file's own architecture decides: leave 'architecture' empty)");
    return model;
}

/* The models of `request`, in order. */
std::vector<DetectModel> planned_models(const DetectRequest& request) {
    if (!request.architecture.empty()) requested_architecture(request.architecture, request.train);
    const std::vector<std::string> paths = model_paths(request.models);
    if (request.train && paths.size() > 1)
        throw std::runtime_error("mode=train trains one model, but 'model' lists " +
                                 std::to_string(paths.size()) +
                                 " (several models are fused for inference only)");
    std::vector<DetectModel> planned;
    for (const std::string& path : paths) {
        for (const DetectModel& earlier : planned)
            if (earlier.path == path) throw std::runtime_error("model '" + path + "' is listed twice");
        planned.push_back(model_of(path, request.architecture, request.train));
    }
    if (!planned.empty()) return planned;

    DetectModel model;
    model.architecture = &requested_architecture(request.architecture, request.train);
    if (!request.train) { /* inference without a file: the architecture's shipped model */
        model.path = default_model_location(model.architecture->name);
        if (model.path.empty())
            throw std::runtime_error("no model given and the shipped " + model.architecture->name +
                                     ".safetensors was not found (set 'model' or GST_EMOTION_MODEL_PATH)");
    }
    return {model};
}

} // namespace

DetectPlan plan_detection(const DetectRequest& request) {
    DetectPlan plan;
    plan.models = planned_models(request);
    for (size_t index = 0; index < plan.models.size(); ++index) {
        const models::Architecture& architecture = *plan.models[index].architecture;
        DetectBranch* branch = nullptr;
        for (DetectBranch& b : plan.branches)
            if (b.features_element == architecture.features_element) branch = &b;
        if (!branch) {
            plan.branches.push_back({architecture.features_element, {}});
            branch = &plan.branches.back();
        }
        branch->models.push_back(index);
    }
    return plan;
}

} // namespace emotion::gst
