// The command-line options of every tool (tools/common/options.h). number() and
// integer() once parsed a copy that was gone before they read where parsing stopped (ASan:
// stack-use-after-scope for short values, heap-use-after-free for long ones); the sanitizer
// build runs these.
#include "../../tools/common/options.h"
#include "test_main.h"

#include <vector>

using emotion::tools::Options;

namespace {

// Options from a command line written as words (argv[0] added).
Options parse(std::vector<std::string> words, const std::map<std::string, std::string>& defaults,
              const std::map<std::string, std::string>& bare = {}) {
    words.insert(words.begin(), "tool");
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    return Options(int(argv.size()), argv.data(), defaults, {{"help", false}}, bare);
}

template <typename F> bool throws_invalid_argument(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument&) { return true; }
    return false;
}

} // namespace

TEST(values_given_and_defaulted) {
    Options o = parse({"--epochs", "12", "--help"}, {{"epochs", "30"}, {"lr", "5e-4"}});
    EXPECT(o.integer("epochs") == 12);
    EXPECT_NEAR(o.number("lr"), 5e-4, 0.0);
    EXPECT(o.flag("help"));
}

TEST(values_after_equals_and_bare_options) {
    const std::map<std::string, std::string> defaults = {{"epochs", "30"}, {"augment", ""}};
    Options o = parse({"--epochs=7", "--augment", "--help"}, defaults, {{"augment", "default"}});
    EXPECT(o.integer("epochs") == 7);
    EXPECT(o.str("augment") == "default");
    EXPECT(o.flag("help"));
    Options given = parse({"--augment=speed=0.9:1.1,noise=5:20"}, defaults, {{"augment", "default"}});
    EXPECT(given.str("augment") == "speed=0.9:1.1,noise=5:20");
    EXPECT(parse({}, defaults, {{"augment", "default"}}).str("augment").empty());
    // without `bare` a lone value option still needs its value, and flags take none
    EXPECT(throws_invalid_argument([&] { parse({"--augment"}, defaults); }));
    EXPECT(throws_invalid_argument([&] { parse({"--help=yes"}, defaults); }));
}

TEST(short_and_long_values_parse_in_place) {
    // 2 characters live in the string itself, 30 on the heap: both sanitizer reports covered
    Options o = parse({"--seed", "42", "--batch-size", "000000000000000000000000000064", "--lr",
                       "0.00000000000000000000000000125"},
                      {{"seed", "1"}, {"batch-size", "1"}, {"lr", "1"}});
    EXPECT(o.integer("seed") == 42);
    EXPECT(o.integer("batch-size") == 64);
    EXPECT_NEAR(o.number("lr"), 1.25e-27, 1e-40);
}

TEST(values_that_do_not_parse_whole_are_refused) {
    Options o = parse({"--a", "3x", "--b", "", "--c", "1.5e", "--d", ""},
                      {{"a", "0"}, {"b", "0"}, {"c", "0"}, {"d", "0"}});
    EXPECT(throws_invalid_argument([&] { o.integer("a"); }));
    EXPECT(throws_invalid_argument([&] { o.integer("b"); }));
    EXPECT(throws_invalid_argument([&] { o.number("c"); }));
    EXPECT(throws_invalid_argument([&] { o.number("d"); }));
}

TEST(unknown_options_and_missing_values_are_refused) {
    EXPECT(throws_invalid_argument([] { parse({"--nope", "1"}, {{"epochs", "30"}}); }));
    EXPECT(throws_invalid_argument([] { parse({"--epochs"}, {{"epochs", "30"}}); }));
    EXPECT(throws_invalid_argument([] { parse({"epochs", "3"}, {{"epochs", "30"}}); }));
}

// Words of a command line as argv (argv[0] added); the strings live as long as the vector.
std::vector<char*> argv_of(std::vector<std::string>& words) {
    words.insert(words.begin(), "tool");
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    return argv;
}

TEST(short_help_positional_arguments_and_repeated_options) {
    std::vector<std::string> words = {"-h", "--model", "a.safetensors", "in.wav", "--model=b.safetensors"};
    auto argv = argv_of(words);
    Options o(int(argv.size()), argv.data(), {{"model", ""}}, {{"help", false}}, {}, 1);
    EXPECT(o.flag("help"));
    EXPECT(o.positional() == std::vector<std::string>{"in.wav"});
    EXPECT(o.all("model") == (std::vector<std::string>{"a.safetensors", "b.safetensors"}));
    EXPECT(o.str("model") == "b.safetensors"); // the last one
    EXPECT(o.all("nothing").empty());

    // more positional arguments than allowed, a short option that is not -h, a lone "--"
    std::vector<std::string> two = {"a.wav", "b.wav"};
    auto two_argv = argv_of(two);
    EXPECT(throws_invalid_argument([&] {
        Options(int(two_argv.size()), two_argv.data(), {}, {{"help", false}}, {}, 1);
    }));
    std::vector<std::string> any = {"a.wav", "b.wav", "c.wav"};
    auto any_argv = argv_of(any);
    EXPECT(Options(int(any_argv.size()), any_argv.data(), {}, {}, {}, -1).positional().size() == 3);
    EXPECT(throws_invalid_argument([] { parse({"-x"}, {{"epochs", "30"}}); }));
    EXPECT(throws_invalid_argument([] { parse({"--"}, {{"epochs", "30"}}); }));
    // without a help flag, -h is an unknown option like any other
    std::vector<std::string> h = {"-h"};
    auto h_argv = argv_of(h);
    EXPECT(throws_invalid_argument([&] { Options(int(h_argv.size()), h_argv.data(), {}); }));
}

TEST_MAIN()
