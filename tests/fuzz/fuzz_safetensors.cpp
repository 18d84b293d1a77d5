// libFuzzer target for the safetensors reader: any input must either parse or raise
// io::FormatError; a crash, sanitizer report, leak or any other exception is a bug.
// Built and run by tests/fuzz/run-fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace emotion::io;
    try {
        SafetensorsFile file = SafetensorsFile::parse(data, size, "fuzz");
        // Touch every tensor through the typed accessors, as a model loader would.
        for (const auto& name : file.names()) {
            const TensorEntry& entry = file.entry(name);
            if (entry.dtype == DType::F32) {
                emotion::nn::Tensor t = file.f32(name);
                if (t.size() && !(t[0] == t[0] || t[0] != t[0])) __builtin_trap();
                file.f32(name, entry.shape);
            } else if (entry.dtype == DType::I64) {
                file.i64(name);
            }
        }
        file.metadata_value("kind");
    } catch (const FormatError&) {}
    return 0;
}
