// SpecAugment-style masking of a training item's features (Park et al. 2019): runs of frames and
// runs of feature rows replaced by the feature's mean over the item, so the model cannot rely on
// any one stretch of time or band of features.
#pragma once

#include <string>

#include "dsp/augment_rng.h"

namespace emotion::dsp {

// Parsed from "time=COUNT:FRACTION,feature=COUNT:WIDTH" (either part may be left out; "" or
// "none": no masks): COUNT time masks each of up to FRACTION of the item's frames (0..1), COUNT
// feature masks each of up to WIDTH consecutive features.
struct FeatureMaskSettings {
    int time_masks = 0;
    double max_time_fraction = 0.0;
    int feature_masks = 0;
    int max_feature_width = 0;

    bool empty() const { return time_masks == 0 && feature_masks == 0; }
    // Throws std::invalid_argument naming the bad part.
    static FeatureMaskSettings parse(const std::string& text);
    std::string to_string() const;
};

// How an item's floats are laid out, row-major.
enum class FeatureLayout {
    frames_by_features, // [frames, features]: LLD frames
    features_by_frames, // [features, frames]: a mu-law segment, 400 frequency rows of 200 frames
};

// Masks x in place with widths and positions drawn from rng (each width uniform in 0..max).
void mask_features(float* x, int frames, int features, FeatureLayout layout,
                   const FeatureMaskSettings& settings, AugmentRng& rng);

} // namespace emotion::dsp
