// emotion-golden-check: rebuilds a layer, optimiser step or model from a reference file of
// shared/reference/nn/ (its `kind`, `config`, `param.*`, `in.*`), runs it, and compares every
// `out.*` and `grad.*` with err = max|c - r| / max|r|.
//
// Each kind lives in its own check_<area>.cpp and registers with GOLDEN_KIND("kind") { ... }.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/safetensors.h"
#include "nn/parameter.h"
#include "nn/tensor.h"

namespace emotion::golden {

class Case {
public:
    Case(const io::SafetensorsFile& file, const std::string& path);

    const io::SafetensorsFile& file() const { return file_; }
    const std::string& path() const { return path_; }
    const nlohmann::json& config() const { return config_; }
    std::string meta(const std::string& key) const { return file_.metadata_value(key); }
    bool train_mode() const { return meta("mode") == "train"; }

    nn::Tensor in(const std::string& name) const { return file_.f32("in." + name); }
    std::vector<int64_t> in_i64(const std::string& name) const { return file_.i64("in." + name); }
    bool has(const std::string& name) const { return file_.has(name); }
    // Copies every `param.<name>` whose name starts with `prefix` into the table entry of the
    // same name (after the prefix); fails on a missing or mis-shaped tensor.
    void load_params(const nn::ParameterTable& table, const std::string& prefix = "") const;

    // Compare an implementation tensor with `out.<name>` / `grad.<name>` (full names given).
    // Flags: exact (keep masks), zero_grad_rule (see the reference README) are derived from the
    // metadata automatically.
    void compare(const std::string& reference_name, const nn::Tensor& computed);
    void compare(const std::string& reference_name, const float* data, size_t count);
    // Marks a reference tensor as deliberately not compared (intermediates an implementation does
    // not materialise); listed in the report, never silently.
    void skip(const std::string& reference_name, const std::string& why);

    // Report: one line per compared tensor; returns false when any exceeds its tolerance or any
    // out.* / grad.* tensor of the file was neither compared nor skipped.
    bool report() const;

private:
    const io::SafetensorsFile& file_;
    std::string path_;
    nlohmann::json config_;
    struct Result {
        std::string name;
        double error;
        double tolerance;
        bool ok;
        std::string note;
    };
    std::vector<Result> results_;
    // From metadata zero_grads_json: whole tensors that are zero in exact arithmetic (checked
    // against the same conv's weight gradient) and zero slices [name, start, stop) (checked by
    // the relative metric over the whole tensor; their max|c| is noted).
    std::vector<std::string> zero_grad_tensors_;
    struct ZeroSlice {
        std::string name;
        int64_t start, stop;
    };
    std::vector<ZeroSlice> zero_grad_slices_;

    void record(Result result);
};

using Checker = std::function<void(Case&)>;
std::map<std::string, Checker>& registry();

struct Registrar {
    Registrar(const std::string& kind, Checker checker) { registry()[kind] = std::move(checker); }
};

} // namespace emotion::golden

#define GOLDEN_CONCAT2(a, b) a##b
#define GOLDEN_CONCAT(a, b) GOLDEN_CONCAT2(a, b)
#define GOLDEN_KIND(kind)                                                                                    \
    static void GOLDEN_CONCAT(golden_check_, __LINE__)(::emotion::golden::Case&);                            \
    static ::emotion::golden::Registrar GOLDEN_CONCAT(golden_registrar_, __LINE__)(                          \
        kind, GOLDEN_CONCAT(golden_check_, __LINE__));                                                       \
    static void GOLDEN_CONCAT(golden_check_, __LINE__)(::emotion::golden::Case & c)
