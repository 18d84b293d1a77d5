/* load_classifier: see the header. */
#include "classifier-model.h"

#include "model-location.h"

GST_DEBUG_CATEGORY_EXTERN(emotion_classifier_debug);
#define GST_CAT_DEFAULT emotion_classifier_debug

namespace emotion::gst {

std::unique_ptr<models::Classifier> load_classifier(GstElement* element,
                                                    const models::Architecture& architecture,
                                                    std::string location, int threads, std::string* name) {
    const char* arch_name = architecture.name.c_str();
    if (location.empty()) {
        location = default_model_location(architecture.name);
        if (location.empty()) {
            GST_ELEMENT_ERROR(element, RESOURCE, NOT_FOUND,
                              ("No model file given and no shipped '%s' model found.", arch_name),
                              ("Set the 'model' property, or put %s.safetensors into a folder listed in "
                               "GST_EMOTION_MODEL_PATH",
                               arch_name));
            return NULL;
        }
    }
    std::unique_ptr<models::Classifier> classifier;
    try {
        classifier = std::make_unique<models::Classifier>(location, threads);
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(element, RESOURCE, OPEN_READ, ("Cannot use model file '%s'.", location.c_str()),
                          ("%s", e.what()));
        return NULL;
    }
    const auto& info = classifier->info();
    const models::Architecture& holds = classifier->architecture();
    if (&holds != &architecture) {
        GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS,
                          ("Model '%s' is an '%s' model: use %s (%s runs '%s' models).", location.c_str(),
                           holds.name.c_str(), holds.element.c_str(), architecture.element.c_str(),
                           arch_name),
                          (NULL));
        return NULL;
    }
    gchar* base = g_path_get_basename(location.c_str());
    *name = base;
    g_free(base);
    GST_INFO_OBJECT(element, "loaded %s model '%s' (%zu classes)", arch_name, location.c_str(),
                    info.labels.size());
    return classifier;
}

} // namespace emotion::gst
