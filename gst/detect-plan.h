/* What emotiondetect builds for its `model` list: one classifier per model file (the element of
 * the architecture the file records), one feature extractor per kind of features they read
 * (lldextract, mulawspec), and emotionfuse when there is more than one model. Internal. */
#pragma once

#include <string>
#include <vector>

#include "models/architecture.h"

namespace emotion::gst {

struct DetectBranch {
    std::string features_element; /* "lldextract" or "mulawspec" */
    std::vector<size_t> models;   /* indices into DetectPlan::models, in list order */
};

struct DetectModel {
    std::string path;
    const models::Architecture* architecture = nullptr;
};

struct DetectPlan {
    std::vector<DetectModel> models;    /* as listed; the first one's segments are the fused ones */
    std::vector<DetectBranch> branches; /* in order of first use */
    bool fused() const { return models.size() > 1; }
};

/* The plan for `list`: model files separated by commas (spaces around them ignored); empty: the
 * recommended default model (models::kRecommendedArchitecture's shipped file). Throws
 * std::runtime_error with a message for the user when a file is missing or not a model, when a
 * model needs a text stream (M4: use ksmmtransformer), or when a name appears twice. */
DetectPlan plan_detection(const std::string& list);

} // namespace emotion::gst
