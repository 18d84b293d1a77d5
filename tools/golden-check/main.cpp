// emotion-golden-check FILE...: checks the implementation against reference files of
// shared/reference/nn/ (see golden.h). Exit status 0 when every file passes, 1 when any fails
// (tolerance, unknown kind, unreadable file, exception), 2 on a usage error.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "golden.h"

namespace {

void usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s [--list-kinds] FILE.safetensors...\n"
                 "Rebuilds each reference case by its metadata 'kind', runs it and compares every\n"
                 "out.* / grad.* tensor (err = max|c - r| / max|r|; tolerances 1e-4 out, 1e-3 grad).\n",
                 argv0);
}

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
    if (argc < 2) {
        usage(argv[0]);
        return 2;
    }
    int failed = 0, files = 0;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            usage(argv[0]);
            return 0;
        }
        if (std::strcmp(argv[i], "--list-kinds") == 0) {
            for (const auto& kv : emotion::golden::registry()) std::printf("%s\n", kv.first.c_str());
            continue;
        }
        ++files;
        if (!check_file(argv[i])) ++failed;
    }
    if (files > 1) std::printf("%d of %d files passed\n", files - failed, files);
    std::fflush(stdout);
    return failed ? 1 : 0;
}
