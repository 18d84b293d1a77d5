// A minimal test runner for the core library: TEST(name) registers a case, EXPECT_* record
// failures with file:line, main() runs every case (or those named on the command line) and exits
// non-zero when any failed. Golden comparisons print their largest error so logs show margins.
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace emotion::test {

struct Case {
    const char* name;
    std::function<void()> body;
};

inline std::vector<Case>& registry() {
    static std::vector<Case> cases;
    return cases;
}

inline int& failures() {
    static int count = 0;
    return count;
}

struct Registrar {
    Registrar(const char* name, std::function<void()> body) { registry().push_back({name, body}); }
};

inline void fail(const char* file, int line, const std::string& message) {
    std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, message.c_str());
    ++failures();
}

// Path of the shared reference/data folder (EMOTION_SHARED_DIR, set by meson test).
inline std::string shared_dir() {
    const char* dir = std::getenv("EMOTION_SHARED_DIR");
    return dir ? dir : "../shared";
}

// `name` in a temporary folder of this test process (made on first use, left for inspection).
inline std::string temp_path(const std::string& name) {
    static const std::string dir = [] {
        char pattern[] = "/tmp/emotion-test-XXXXXX";
        const char* d = ::mkdtemp(pattern);
        return std::string(d ? d : "/tmp");
    }();
    return dir + "/" + name;
}

} // namespace emotion::test

#define TEST(name)                                                                                           \
    static void name();                                                                                      \
    static ::emotion::test::Registrar name##_registrar(#name, name);                                         \
    static void name()

#define EXPECT(cond)                                                                                         \
    do {                                                                                                     \
        if (!(cond)) ::emotion::test::fail(__FILE__, __LINE__, #cond);                                       \
    } while (0)

#define EXPECT_MSG(cond, msg)                                                                                \
    do {                                                                                                     \
        if (!(cond)) ::emotion::test::fail(__FILE__, __LINE__, std::string(#cond) + ": " + (msg));           \
    } while (0)

#define EXPECT_NEAR(a, b, tol)                                                                               \
    do {                                                                                                     \
        double a_ = (a), b_ = (b);                                                                           \
        if (!(std::fabs(a_ - b_) <= (tol)))                                                                  \
            ::emotion::test::fail(__FILE__, __LINE__,                                                        \
                                  std::string(#a " = ") + std::to_string(a_) + ", " #b " = " +               \
                                      std::to_string(b_) + ", tolerance " + std::to_string(tol));            \
    } while (0)

#define EXPECT_THROWS(stmt)                                                                                  \
    do {                                                                                                     \
        bool thrown_ = false;                                                                                \
        try {                                                                                                \
            stmt;                                                                                            \
        } catch (const std::exception&) { thrown_ = true; }                                                  \
        if (!thrown_) ::emotion::test::fail(__FILE__, __LINE__, #stmt " did not throw");                     \
    } while (0)

namespace emotion::test {

// Runs every registered case (or those named on the command line).
inline int run_all(int argc, char** argv) {
    int ran = 0;
    for (auto& c : registry()) {
        if (argc > 1) {
            bool wanted = false;
            for (int i = 1; i < argc; ++i) wanted |= std::string(argv[i]) == c.name;
            if (!wanted) continue;
        }
        int before = failures();
        try {
            c.body();
        } catch (const std::exception& e) { fail(c.name, 0, std::string("exception: ") + e.what()); }
        std::printf("%s: %s\n", failures() == before ? "PASS" : "FAIL", c.name);
        ++ran;
    }
    std::printf("%d cases, %d failures\n", ran, failures());
    return ran == 0 || failures() ? 1 : 0;
}

// The exit code meson counts as a skipped test.
constexpr int kSkipped = 77;

} // namespace emotion::test

#define TEST_MAIN()                                                                                          \
    int main(int argc, char** argv) { return ::emotion::test::run_all(argc, argv); }

// Like TEST_MAIN, but the test is skipped when `reason` (a std::string expression, e.g. "no
// data at ...") is not empty: data a test needs is absent.
#define TEST_MAIN_UNLESS(reason)                                                                             \
    int main(int argc, char** argv) {                                                                        \
        const std::string skip_ = (reason);                                                                  \
        if (!skip_.empty()) {                                                                                \
            std::printf("SKIP: %s\n", skip_.c_str());                                                        \
            return ::emotion::test::kSkipped;                                                                \
        }                                                                                                    \
        return ::emotion::test::run_all(argc, argv);                                                         \
    }
