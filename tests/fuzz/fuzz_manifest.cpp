// libFuzzer target for the dataset manifest parsers: the first byte chooses CSV or JSON Lines,
// the rest is the manifest. Any input parses or raises io::ManifestError; a crash, sanitizer
// report or any other exception is a bug. Built with -Dfuzzing=true (tests/fuzz/run-fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        if (data[0] & 1)
            emotion::io::parse_jsonl_manifest(text, "fuzz.jsonl", "/data");
        else
            emotion::io::parse_csv_manifest(text, "fuzz.csv", "/data");
    } catch (const emotion::io::ManifestError&) {}
    return 0;
}
