// What a model reads: the kind of features, their sample rate and the size of one item (an LLD
// frame or a mu-law segment). Model files record it (models/model_file.h) and architectures
// declare it (models/architecture.h); a file must declare exactly its architecture's.
#pragma once

#include <string>
#include <vector>

namespace emotion::models {

enum class FeatureKind {
    Lld,   // lldextract: 36 low-level descriptors per 10 ms frame
    Mulaw, // mulawspec: 400 x 200 mu-law spectrogram segments (2 s)
};

// The kind as model files spell it: "lld", "mulaw".
const char* feature_kind_name(FeatureKind kind);
// The kind a model file names; std::invalid_argument listing the known kinds otherwise.
FeatureKind parse_feature_kind(const std::string& name);

struct FeatureSpec {
    FeatureKind kind = FeatureKind::Lld;
    int sample_rate = 16000;
    std::vector<int> dimensions; // per frame (lld: {36}) or per segment (mulaw: {400, 200})
    bool operator==(const FeatureSpec& o) const {
        return kind == o.kind && sample_rate == o.sample_rate && dimensions == o.dimensions;
    }
    std::string describe() const; // "lld 36 @ 16000 Hz"
    int item_size() const;        // floats per frame or segment: the product of the dimensions
};

} // namespace emotion::models
