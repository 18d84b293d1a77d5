/* What emotiondetect builds for its `model` list: one classifier per model file (the element of
 * the architecture the file records), one feature extractor per kind of features they read
 * (lldextract, mulawspec), and emotionfuse when there is more than one model. In mode=train: one
 * classifier, which fine-tunes the given model or starts a new one of the requested architecture.
 * Internal. */
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
    std::string path; /* empty: a new model (mode=train) */
    const models::Architecture* architecture = nullptr;
};

struct DetectPlan {
    std::vector<DetectModel> models;    /* as listed; the first one's segments are the fused ones */
    std::vector<DetectBranch> branches; /* in order of first use */
    bool fused() const { return models.size() > 1; }
};

/* What the plan is made from: emotiondetect's `model`, `architecture` and `mode`. */
struct DetectRequest {
    std::string models;       /* model files separated by commas (spaces around them ignored) */
    std::string architecture; /* empty: the model files decide, else models::kRecommendedArchitecture */
    bool train = false;
};

/* The plan for `request`. Without model files: inference runs the shipped model of the
 * architecture (the recommended one when none is named), training starts a new model of it.
 * Throws std::runtime_error with a message for the user when a file is missing or not a model,
 * when a model needs a text stream (M4: use ksmmtransformer), when a name appears twice, when the
 * architecture is unknown or is not the one a model file records, or when training is asked for
 * several models. */
DetectPlan plan_detection(const DetectRequest& request);

} // namespace emotion::gst
