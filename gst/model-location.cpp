#include "model-location.h"

#include <glib.h>

#include <vector>

namespace emotion::gst {

std::string default_model_location(const std::string& architecture) {
    std::vector<std::string> folders;
    if (const char* path = g_getenv("GST_EMOTION_MODEL_PATH")) {
        gchar** parts = g_strsplit(path, G_SEARCHPATH_SEPARATOR_S, -1);
        for (gchar** p = parts; *p; ++p)
            if (**p) folders.push_back(*p);
        g_strfreev(parts);
    }
    folders.push_back(EMOTION_MODELS_INSTALL_DIR);
    folders.push_back(EMOTION_MODELS_SOURCE_DIR);

    const std::string file = architecture + ".safetensors";
    for (const auto& folder : folders) {
        gchar* candidate = g_build_filename(folder.c_str(), file.c_str(), NULL);
        bool exists = g_file_test(candidate, G_FILE_TEST_IS_REGULAR);
        std::string result = candidate;
        g_free(candidate);
        if (exists) return result;
    }
    return "";
}

} // namespace emotion::gst
