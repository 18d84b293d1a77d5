// Running a command-line tool in the tool tests: its exit status, stdout and stderr (echoed to the
// test log), and the environment meson's test setup gives (tests/meson.build).
#pragma once

#include <glib.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace emotion::test {

struct Run {
    int status = -1; // exit code
    std::string out, err;
};

inline std::string env(const char* name) {
    const char* value = std::getenv(name);
    if (!value) std::fprintf(stderr, "%s is not set (tests/meson.build sets it)\n", name);
    return value ? value : "";
}

inline Run run(std::vector<std::string> argv) {
    std::vector<gchar*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    gchar *out = nullptr, *err = nullptr;
    gint wait_status = -1;
    GError* error = nullptr;
    Run r;
    if (!g_spawn_sync(nullptr, args.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out, &err,
                      &wait_status, &error)) {
        r.err = error ? error->message : "cannot spawn";
        g_clear_error(&error);
        return r;
    }
    r.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    r.out = out ? out : "";
    r.err = err ? err : "";
    g_free(out);
    g_free(err);
    std::printf("$");
    for (const auto& a : argv) std::printf(" %s", a.c_str());
    std::printf("\n-> exit %d\n%s%s", r.status, r.out.c_str(), r.err.c_str());
    return r;
}

inline bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace emotion::test
