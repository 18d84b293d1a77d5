#include "dsp/feature_mask.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "dsp/setting_text.h"

namespace emotion::dsp {

namespace {

const char* const kWhat = "feature masks";

[[noreturn]] void bad(const std::string& part, const std::string& why) { setting_error(kWhat, part, why); }

double number(const std::string& part, const std::string& text) { return setting_number(kWhat, part, text); }

int count(const std::string& part, const std::string& text) {
    const double value = number(part, text);
    if (value != std::floor(value) || value < 0 || value > 100)
        bad(part, "count must be a whole number 0..100");
    return static_cast<int>(value);
}

// A run of `width` in 0..max drawn uniformly, then its start in 0..size-width.
void draw_run(AugmentRng& rng, int size, int max_width, int& start, int& width) {
    width = std::min(size, static_cast<int>(rng.below(static_cast<size_t>(max_width) + 1)));
    start = static_cast<int>(rng.below(static_cast<size_t>(size - width) + 1));
}

} // namespace

FeatureMaskSettings FeatureMaskSettings::parse(const std::string& text) {
    FeatureMaskSettings s;
    if (text.empty() || text == "none") return s;
    std::istringstream parts(text);
    std::string part;
    while (std::getline(parts, part, ',')) {
        const size_t equals = part.find('='), colon = part.find(':');
        if (equals == std::string::npos || colon == std::string::npos || colon < equals)
            bad(part, "expected time=COUNT:FRACTION or feature=COUNT:WIDTH");
        const std::string name = part.substr(0, equals);
        const int n = count(part, part.substr(equals + 1, colon - equals - 1));
        const double size = number(part, part.substr(colon + 1));
        if (name == "time") {
            if (size < 0.0 || size > 1.0) bad(part, "fraction must lie in 0..1");
            s.time_masks = n;
            s.max_time_fraction = size;
        } else if (name == "feature") {
            if (size < 0 || size != std::floor(size)) bad(part, "width must be a whole number");
            s.feature_masks = n;
            s.max_feature_width = static_cast<int>(size);
        } else {
            bad(part, "unknown mask (known: time, feature)");
        }
    }
    return s;
}

std::string FeatureMaskSettings::to_string() const {
    if (empty()) return "none";
    std::ostringstream out;
    out << "time=" << time_masks << ":" << max_time_fraction << ",feature=" << feature_masks << ":"
        << max_feature_width;
    return out.str();
}

void mask_features(float* x, int frames, int features, FeatureLayout layout,
                   const FeatureMaskSettings& settings, AugmentRng& rng) {
    if (frames <= 0 || features <= 0 || settings.empty()) return;
    const bool rows_are_frames = layout == FeatureLayout::frames_by_features;
    auto at = [&](int frame, int feature) -> float& {
        return rows_are_frames ? x[static_cast<size_t>(frame) * features + feature]
                               : x[static_cast<size_t>(feature) * frames + frame];
    };
    std::vector<double> mean(static_cast<size_t>(features), 0.0);
    for (int t = 0; t < frames; ++t)
        for (int f = 0; f < features; ++f) mean[f] += at(t, f);
    for (double& m : mean) m /= frames;

    const int max_frames = static_cast<int>(std::floor(settings.max_time_fraction * frames));
    for (int i = 0; i < settings.time_masks; ++i) {
        int start, width;
        draw_run(rng, frames, max_frames, start, width);
        for (int t = start; t < start + width; ++t)
            for (int f = 0; f < features; ++f) at(t, f) = static_cast<float>(mean[f]);
    }
    for (int i = 0; i < settings.feature_masks; ++i) {
        int start, width;
        draw_run(rng, features, settings.max_feature_width, start, width);
        for (int f = start; f < start + width; ++f)
            for (int t = 0; t < frames; ++t) at(t, f) = static_cast<float>(mean[f]);
    }
}

} // namespace emotion::dsp
