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
    if (paths.empty()) {
        std::string shipped = default_model_location(models::kRecommendedArchitecture);
        if (shipped.empty())
            throw std::runtime_error(std::string("no model given and the shipped ") +
                                     models::kRecommendedArchitecture +
                                     ".safetensors was not found (set 'model' or GST_EMOTION_MODEL_PATH)");
        paths.push_back(shipped);
    }
    return paths;
}

} // namespace

DetectPlan plan_detection(const std::string& list) {
    DetectPlan plan;
    for (const std::string& path : model_paths(list)) {
        for (const DetectModel& earlier : plan.models)
            if (earlier.path == path) throw std::runtime_error("model '" + path + "' is listed twice");
        DetectModel model;
        model.path = path;
        model.architecture = &models::architecture_named(models::read_model_info(path).architecture);
        if (model.architecture->takes_text())
            throw std::runtime_error("model '" + path + "' is " + model.architecture->name +
                                     ", which needs a text stream: use " + model.architecture->element +
                                     " with its text pad");
        plan.models.push_back(model);

        const size_t index = plan.models.size() - 1;
        DetectBranch* branch = nullptr;
        for (DetectBranch& b : plan.branches)
            if (b.features_element == model.architecture->features_element) branch = &b;
        if (!branch) {
            plan.branches.push_back({model.architecture->features_element, {}});
            branch = &plan.branches.back();
        }
        branch->models.push_back(index);
    }
    return plan;
}

} // namespace emotion::gst
