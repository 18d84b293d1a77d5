// libFuzzer target for each architecture's `config` (the JSON a model file carries and the
// network is built from): every architecture builds from it or refuses it with an exception
// (load_model turns those into FormatErrors); a crash, sanitizer report, timeout or an
// allocation beyond the fuzzer's memory limit is a bug.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "io/untrusted_json.h"
#include "models/architecture.h"
#include "nn/context.h"
#include "nn/parameter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const nlohmann::json config =
        emotion::io::parse_untrusted_json(std::string(reinterpret_cast<const char*>(data), size));
    if (config.is_discarded()) return 0;
    // as load_model bounds the parameters by the file's tensors; 16 M values (64 MB) is more than
    // any shipped model holds
    const emotion::nn::ParameterBudget budget(16 << 20);
    for (const auto& architecture : emotion::models::architectures()) {
        emotion::nn::Context context;
        try {
            architecture.create(context, config);
        } catch (const std::exception&) {}
    }
    return 0;
}
