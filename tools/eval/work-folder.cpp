#include "work-folder.h"

#include <glib.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace emotion::tools {

WorkFolder::WorkFolder(std::string given) : path_(std::move(given)) {}

WorkFolder::~WorkFolder() {
    if (!temporary_) return;
    std::error_code ignored; // a folder that cannot be removed is not worth failing a finished run
    std::filesystem::remove_all(path_, ignored);
}

const std::string& WorkFolder::path() {
    if (path_.empty()) {
        gchar* made = g_dir_make_tmp("emotion-eval-XXXXXX", nullptr); // under $TMPDIR, else /tmp
        if (!made)
            throw std::runtime_error(std::string("cannot create a work folder under ") + g_get_tmp_dir());
        path_ = made;
        g_free(made);
        temporary_ = true;
    }
    if (g_mkdir_with_parents(path_.c_str(), 0755) != 0)
        throw std::runtime_error("cannot create the work folder " + path_);
    return path_;
}

} // namespace emotion::tools
