// Every tool under tools/ (EMOTION_TOOLS, from tests/meson.build): --help and -h print the usage
// on stdout and succeed; an unknown option, an option without its value, a stray argument and a
// missing required argument print "TOOL: what is wrong" and the usage on stderr, exit status 2,
// and nothing on stdout. emotion-analyze once read --help as the name of an audio file.
#include <map>
#include <sstream>

#include "test_main.h"
#include "tool_run.h"

using namespace emotion::test;

namespace {

std::vector<std::string> tools() {
    std::vector<std::string> paths;
    std::stringstream list(env("EMOTION_TOOLS"));
    std::string path;
    while (std::getline(list, path, ':'))
        if (!path.empty()) paths.push_back(path);
    return paths;
}

std::string name_of(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

// What each tool refuses besides an unknown option: an option of it given without its value,
// and whether it runs without arguments (then "no arguments" is no usage error).
struct Refusals {
    std::string value_option;
    bool needs_arguments = true;
};

const std::map<std::string, Refusals> kRefusals = {
    {"emotion-analyze", {"--model"}},
    {"emotion-eval", {"--manifest"}},
    {"emotion-train", {"--out"}},
    {"emotion-model", {"--labels"}},
    {"emotion-embeddings", {"--words", false}},
    {"emotion-pair-text", {"--text"}},
    {"emotion-pretrain-text", {"--data"}},
    {"emotion-golden-check", {""}},
    {"emotion-report", {"--out"}},
};

void expect_usage_error(const Run& r, const std::string& tool, const std::string& message) {
    EXPECT_MSG(r.status == 2, tool + ": exit " + std::to_string(r.status));
    EXPECT_MSG(r.err.rfind(tool + ": ", 0) == 0 && contains(r.err, message), r.err);
    EXPECT_MSG(contains(r.err, "usage: " + tool), r.err);
    EXPECT_MSG(r.out.empty(), r.out);
}

} // namespace

TEST(every_tool_is_listed) {
    EXPECT_MSG(tools().size() == kRefusals.size(), env("EMOTION_TOOLS"));
    for (const auto& path : tools()) EXPECT_MSG(kRefusals.count(name_of(path)), path);
}

TEST(help_prints_the_usage) {
    for (const auto& path : tools()) {
        const std::string tool = name_of(path);
        for (const char* help : {"--help", "-h"}) {
            Run r = run({path, help});
            EXPECT_MSG(r.status == 0, tool + " " + help + ": exit " + std::to_string(r.status));
            EXPECT_MSG(r.out.rfind("usage: " + tool, 0) == 0, tool + " " + help + ": " + r.out);
            EXPECT_MSG(r.err.empty(), r.err);
        }
    }
}

TEST(usage_errors_exit_2_with_the_usage_on_stderr_n) {
    for (const auto& path : tools()) {
        const std::string tool = name_of(path);
        auto refusals = kRefusals.find(tool);
        if (refusals == kRefusals.end()) continue; // every_tool_is_listed says so
        expect_usage_error(run({path, "--no-such-option"}), tool, "unknown option --no-such-option");
        expect_usage_error(run({path, "-x"}), tool, "unknown option -x");
        if (!refusals->second.value_option.empty())
            expect_usage_error(run({path, refusals->second.value_option}), tool,
                               refusals->second.value_option + " needs a value");
        if (refusals->second.needs_arguments) {
            Run r = run({path});
            EXPECT_MSG(r.status == 2 && contains(r.err, "usage: " + tool) && r.out.empty(),
                       tool + ": " + r.err);
        }
    }
    // a stray argument, a missing one, one model too many
    const std::map<std::string, std::vector<std::pair<std::vector<std::string>, std::string>>> cases = {
        {"emotion-analyze", {{{"a.wav", "b.wav"}, "unexpected argument 'b.wav'"}}},
        {"emotion-eval",
         {{{"--manifest", "m.csv", "extra"}, "unexpected argument 'extra'"},
          {{"--manifest", "m.csv", "--model", "a", "--model", "b"}, "--model given more than once"}}},
        {"emotion-train",
         {{{"--manifest", "m.csv", "--out", "o.safetensors", "--model", "a", "--model", "b"},
           "--model given more than once"}}},
        {"emotion-model", {{{"info"}, "info takes 1 argument"}, {{"convert", "a", "b"}, "unknown command"}}},
    };
    for (const auto& path : tools()) {
        auto tool_cases = cases.find(name_of(path));
        if (tool_cases == cases.end()) continue;
        for (const auto& [arguments, message] : tool_cases->second) {
            std::vector<std::string> argv = {path};
            argv.insert(argv.end(), arguments.begin(), arguments.end());
            expect_usage_error(run(argv), name_of(path), message);
        }
    }
}

TEST_MAIN()
