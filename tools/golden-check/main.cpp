// emotion-golden-check FILE...: checks the implementation against reference files of
// shared/reference/nn/ (see golden.h). Exit status 0 when every file passes, 1 when any fails
// (tolerance, unknown kind, unreadable file, exception), 2 on a usage error.
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "../common/options.h"
#include "golden.h"

namespace {

const char* kUsage = "usage: emotion-golden-check [--list-kinds] FILE.safetensors...\n"
                     "Rebuilds each reference case by its metadata 'kind', runs it and compares every\n"
                     "out.* / grad.* tensor (err = max|c - r| / max|r|; tolerances 1e-4 out, 1e-3 grad).\n";

bool check_file(const std::string& path) {
    using namespace emotion;
    std::printf("%s\n", path.c_str());
    auto start = std::chrono::steady_clock::now();
    bool ok = false;
    std::string kind;
    try {
        io::SafetensorsFile file = io::SafetensorsFile::read(path);
        kind = file.metadata_value("kind");
        auto& checkers = golden::registry();
        auto it = checkers.find(kind);
        if (it == checkers.end()) {
            std::string known;
            for (const auto& kv : checkers) known += (known.empty() ? "" : " ") + kv.first;
            std::printf("  unknown kind '%s' (implemented: %s)\n", kind.c_str(),
                        known.empty() ? "none" : known.c_str());
        } else {
            golden::Case c(file, path);
            try {
                it->second(c);
                ok = c.report();
            } catch (const std::exception& e) {
                c.report();
                std::printf("  error: %s\n", e.what());
                ok = false;
            }
        }
    } catch (const std::exception& e) { std::printf("  error: %s\n", e.what()); }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s %s (kind %s, %.2f s)\n", ok ? "PASS" : "FAIL", path.c_str(),
                kind.empty() ? "?" : kind.c_str(), seconds);
    return ok;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> files;
    try {
        emotion::tools::Options o(argc, argv, {}, {{"help", false}, {"list-kinds", false}}, {}, -1);
        if (o.flag("help")) {
            std::printf("%s", kUsage);
            return 0;
        }
        if (o.flag("list-kinds"))
            for (const auto& kv : emotion::golden::registry()) std::printf("%s\n", kv.first.c_str());
        files = o.positional();
        if (files.empty() && !o.flag("list-kinds")) throw std::invalid_argument("no reference file given");
    } catch (const std::exception& e) {
        return emotion::tools::usage_error("emotion-golden-check", e.what(), kUsage);
    }
    int failed = 0;
    for (const std::string& file : files)
        if (!check_file(file)) ++failed;
    if (files.size() > 1) std::printf("%zu of %zu files passed\n", files.size() - failed, files.size());
    std::fflush(stdout);
    return failed ? 1 : 0;
}
