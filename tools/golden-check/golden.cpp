#include "golden.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

namespace emotion::golden {

namespace {

constexpr double kOutTolerance = 1e-4;
constexpr double kGradTolerance = 1e-3;
// zero_grads rule of the reference README: max|c| <= 5e-2 * max|grad.param.<conv>.weight|.
constexpr double kZeroGradFactor = 5e-2;

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string format_error(double value) {
    char buffer[32];
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return "inf";
    std::snprintf(buffer, sizeof buffer, "%.1e", value);
    return buffer;
}

std::string format_tolerance(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0e", value);
    return buffer;
}

double max_abs(const float* data, size_t count) {
    double m = 0.0;
    for (size_t i = 0; i < count; ++i) {
        double v = std::fabs(static_cast<double>(data[i]));
        if (!(v <= m)) m = v; // NaN propagates
    }
    return m;
}

// A reference tensor read as F32 (I64 tensors, e.g. num_batches_tracked, converted).
nn::Tensor reference_f32(const io::SafetensorsFile& file, const std::string& name) {
    const io::TensorEntry& entry = file.entry(name);
    if (entry.dtype == io::DType::I64) {
        auto values = file.i64(name);
        nn::Tensor t(entry.shape);
        for (size_t i = 0; i < values.size(); ++i) t[static_cast<int64_t>(i)] = static_cast<float>(values[i]);
        return t;
    }
    return file.f32(name);
}

bool is_scalar_shape(const nn::Shape& s) { return s.empty() || (s.size() == 1 && s[0] == 1); }

} // namespace

std::map<std::string, Checker>& registry() {
    static std::map<std::string, Checker> checkers;
    return checkers;
}

Case::Case(const io::SafetensorsFile& file, const std::string& path) : file_(file), path_(path) {
    const std::string config = meta("config");
    try {
        config_ = config.empty() ? nlohmann::json::object() : nlohmann::json::parse(config);
    } catch (const nlohmann::json::exception& e) {
        throw io::FormatError(path + ": metadata 'config' is not valid JSON: " + e.what());
    }
    const std::string zero = meta("zero_grads_json");
    if (!zero.empty()) {
        try {
            auto j = nlohmann::json::parse(zero);
            for (const auto& name : j.value("tensors", nlohmann::json::array()))
                zero_grad_tensors_.push_back(name.get<std::string>());
            for (const auto& s : j.value("slices", nlohmann::json::array()))
                zero_grad_slices_.push_back(
                    {s.at(0).get<std::string>(), s.at(1).get<int64_t>(), s.at(2).get<int64_t>()});
        } catch (const nlohmann::json::exception& e) {
            throw io::FormatError(path + ": metadata 'zero_grads_json' is malformed: " + e.what());
        }
    }
}

void Case::load_params(const nn::ParameterTable& table, const std::string& prefix) const {
    std::string full_prefix = "param." + prefix;
    if (!prefix.empty() && prefix.back() != '.') full_prefix += '.';

    std::set<std::string> wanted;
    for (const auto& entry : table) {
        const std::string name = full_prefix + entry.name;
        wanted.insert(name);
        if (!file_.has(name))
            throw io::FormatError(path_ + ": parameter '" + entry.name + "' has no tensor '" + name + "'");
        nn::Tensor value = reference_f32(file_, name);
        nn::Tensor& target = entry.parameter->value;
        bool same = value.shape() == target.shape() ||
                    (is_scalar_shape(value.shape()) && is_scalar_shape(target.shape()));
        if (!same)
            throw io::FormatError(path_ + ": tensor '" + name + "': shape " +
                                  nn::shape_to_string(value.shape()) + ", expected " +
                                  nn::shape_to_string(target.shape()));
        std::copy(value.data(), value.data() + value.size(), target.data());
    }
    // The other direction: a parameter of the file the implementation does not have is an error
    // too ("not all tensors loaded").
    for (const auto& name : file_.names())
        if (starts_with(name, full_prefix) && !wanted.count(name))
            throw io::FormatError(path_ + ": tensor '" + name +
                                  "' matches no parameter of the implementation");
}

void Case::record(Result result) {
    for (auto& r : results_)
        if (r.name == result.name) {
            r = std::move(result);
            return;
        }
    results_.push_back(std::move(result));
}

void Case::compare(const std::string& reference_name, const nn::Tensor& computed) {
    if (file_.has(reference_name)) {
        const auto& shape = file_.entry(reference_name).shape;
        bool same =
            shape == computed.shape() || (is_scalar_shape(shape) && is_scalar_shape(computed.shape()));
        if (!same && nn::shape_elements(shape) == computed.size()) {
            // Same count, different shape: compare the values but say so.
            compare(reference_name, computed.data(), static_cast<size_t>(computed.size()));
            results_.back().note += (results_.back().note.empty() ? "" : "; ") +
                                    std::string("computed shape ") + nn::shape_to_string(computed.shape()) +
                                    ", reference " + nn::shape_to_string(shape);
            return;
        }
    }
    compare(reference_name, computed.data(), static_cast<size_t>(computed.size()));
}

void Case::compare(const std::string& reference_name, const float* data, size_t count) {
    const bool is_grad = starts_with(reference_name, "grad.");
    const double tolerance = is_grad ? kGradTolerance : kOutTolerance;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (!file_.has(reference_name)) {
        record({reference_name, nan, tolerance, false, "no such tensor in the reference file"});
        return;
    }
    nn::Tensor reference = reference_f32(file_, reference_name);
    if (static_cast<size_t>(reference.size()) != count) {
        record({reference_name, nan, tolerance, false,
                "computed " + std::to_string(count) + " elements, reference " +
                    std::to_string(reference.size()) + " " + nn::shape_to_string(reference.shape())});
        return;
    }
    const float* r = reference.data();

    double max_diff = 0.0, max_ref = 0.0;
    size_t worst = 0, mismatches = 0;
    for (size_t i = 0; i < count; ++i) {
        double c = data[i], ref = r[i];
        double diff = std::isfinite(c) ? std::fabs(c - ref) : std::numeric_limits<double>::infinity();
        if (diff > max_diff) {
            max_diff = diff;
            worst = i;
        }
        if (c != ref) ++mismatches;
        max_ref = std::max(max_ref, std::fabs(ref));
    }
    auto where = [&] {
        return "worst at [" + std::to_string(worst) + "]: " + std::to_string(data[worst]) + " vs " +
               std::to_string(r[worst]);
    };

    // Key-sparse keep masks: exact.
    if (starts_with(reference_name, "out.keep.") || reference_name == "out.keep") {
        record({reference_name, max_diff, 0.0, mismatches == 0,
                mismatches ? std::to_string(mismatches) + " elements differ; " + where() : "exact"});
        return;
    }

    // Gradients that are zero in exact arithmetic (conv biases before a train-mode BatchNorm).
    if (std::find(zero_grad_tensors_.begin(), zero_grad_tensors_.end(), reference_name) !=
        zero_grad_tensors_.end()) {
        std::string weight_name = reference_name;
        if (ends_with(weight_name, ".bias"))
            weight_name = weight_name.substr(0, weight_name.size() - 5) + ".weight";
        if (weight_name == reference_name || !file_.has(weight_name)) {
            record({reference_name, nan, kZeroGradFactor, false,
                    "zero_grads tensor without a '" + weight_name + "' to scale by"});
            return;
        }
        nn::Tensor weight = reference_f32(file_, weight_name);
        const double scale = max_abs(weight.data(), static_cast<size_t>(weight.size()));
        const double c_max = max_abs(data, count);
        const double err = scale > 0 ? c_max / scale : c_max;
        record({reference_name, err, kZeroGradFactor, err <= kZeroGradFactor,
                "zero_grads: max|c| / max|" + weight_name + "|"});
        return;
    }

    const double err = max_ref > 0 ? max_diff / max_ref : max_diff;
    std::string note;
    if (max_ref == 0) note = "reference all zero: absolute max|c|";
    for (const auto& s : zero_grad_slices_)
        if (s.name == reference_name && s.start >= 0 && s.stop <= static_cast<int64_t>(count) &&
            s.start <= s.stop) {
            double slice_max = max_abs(data + s.start, static_cast<size_t>(s.stop - s.start));
            note += (note.empty() ? "" : "; ") + std::string("zero slice [") + std::to_string(s.start) +
                    ", " + std::to_string(s.stop) + ") max|c| " + format_error(slice_max);
        }
    const bool ok = err <= tolerance;
    if (!ok) note += (note.empty() ? "" : "; ") + where();
    record({reference_name, err, tolerance, ok, note});
}

void Case::skip(const std::string& reference_name, const std::string& why) {
    const bool exists = file_.has(reference_name);
    record({reference_name, std::numeric_limits<double>::quiet_NaN(), 0.0, exists,
            exists ? "skipped: " + why : "skipped tensor does not exist in the reference file"});
}

bool Case::report() const {
    struct Line {
        std::string name, text;
        bool ok;
    };
    std::vector<Line> lines;
    std::set<std::string> seen;
    for (const auto& r : results_) {
        seen.insert(r.name);
        std::string text;
        if (starts_with(r.note, "skipped: ")) {
            text = r.note;
        } else if (!std::isnan(r.error) || r.ok) {
            text = "err " + format_error(r.error) + "  (tol " + format_tolerance(r.tolerance) + ")  " +
                   (r.ok ? "ok" : "FAIL");
            if (!r.note.empty()) text += "  [" + r.note + "]";
        } else {
            text = "FAIL  [" + r.note + "]";
        }
        lines.push_back({r.name, text, r.ok});
    }
    for (const auto& name : file_.names()) {
        if ((starts_with(name, "out.") || starts_with(name, "grad.")) && !seen.count(name))
            lines.push_back({name, "FAIL  [neither compared nor skipped]", false});
    }
    size_t width = 0;
    for (const auto& l : lines) width = std::max(width, l.name.size());
    bool all_ok = !lines.empty();
    for (const auto& l : lines) {
        std::printf("  %-*s  %s\n", static_cast<int>(width), l.name.c_str(), l.text.c_str());
        all_ok &= l.ok;
    }
    if (lines.empty()) std::printf("  (nothing compared)\n");
    return all_ok;
}

} // namespace emotion::golden
