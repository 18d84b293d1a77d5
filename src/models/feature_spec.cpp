#include "models/feature_spec.h"

#include <sstream>
#include <stdexcept>

namespace emotion::models {

const char* feature_kind_name(FeatureKind kind) {
    switch (kind) {
    case FeatureKind::Lld: return "lld";
    case FeatureKind::Mulaw: return "mulaw";
    }
    throw std::logic_error("feature kind out of range");
}

FeatureKind parse_feature_kind(const std::string& name) {
    for (FeatureKind kind : {FeatureKind::Lld, FeatureKind::Mulaw})
        if (name == feature_kind_name(kind)) return kind;
    throw std::invalid_argument("unknown feature kind '" + name + "' (known: lld, mulaw)");
}

std::string FeatureSpec::describe() const {
    std::ostringstream out;
    out << feature_kind_name(kind) << ' ';
    for (size_t i = 0; i < dimensions.size(); ++i) out << (i ? "x" : "") << dimensions[i];
    out << " @ " << sample_rate << " Hz";
    return out.str();
}

int FeatureSpec::item_size() const {
    int size = 1;
    for (int d : dimensions) size *= d;
    return size;
}

} // namespace emotion::models
