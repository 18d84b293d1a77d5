// The training and evaluation pipelines over a dataset manifest that emotion-train, emotion-eval
// and bench_training run:
//   emodatasetsrc ... [! emoaugment] ! lldextract|mulawspec ! <arch>classify mode=train ... ! fakesink
//   emodatasetsrc split=test ... ! lldextract|mulawspec ! <arch>classify model=... ! emotionsink
// with the elements of the architecture's descriptor (models/architecture.h; a text model such as
// ksmm: lldextract ! ksmmtransformer, with the source's text pad linked to its text pad), and
// what their bus messages say.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace emotion::pipelines {

struct DatasetOptions {
    std::string manifest;
    std::string labels = "angry,happy,neutral,sad";
    std::string label_map;
    std::string valid_speakers, test_speakers;
    double valid_fraction = 0.0;
    unsigned epochs = 30;
    bool shuffle = true;
    uint64_t seed = 1;
};

struct TrainOptions {
    std::string architecture = "alstm"; // a name of models/architecture.h
    std::string output;
    std::string start_model; // fine-tune from this model
    bool resume = false;     // continue from the output's checkpoint when there is one
    std::string config;      // JSON overrides
    int batch_size = 0;
    double learning_rate = 0.0;
    std::string optimizer;    // "" (the paper's), "adam", "sgd"
    std::string schedule;     // "" (the paper's), "none", "cosine", "multistep"
    double weight_decay = -1; // -1: the paper's
    double clip_norm = 0.0;
    int patience = -1;
    int bn_recalibration = -1; // -1: the architecture's default
    std::string word_vectors;  // ksmm, new model
    int threads = 1;
    double mulaw_hop = 1.0;    // apcnn training segments
    std::string augment;       // emoaugment's recipe for the training utterances; "" = no augmentation
    std::string feature_masks; // the classifier's feature-masks (SpecAugment); "" = none
    std::string normalization; // the classifier's normalization: "" (segment), "segment", "speaker"
};

struct EpochRecord {
    int epoch = 0;
    double train_loss = 0, train_accuracy = 0, valid_loss = 0, wa = 0, ua = 0;
    double train_emotion_loss = 0; // train_loss without the auxiliary tasks (speaker, gender)
    double seconds = 0;            // wall time of the epoch's training and validation
    bool has_validation = false;
};

struct TrainResult {
    bool ok = false;
    std::string error;
    std::vector<EpochRecord> epochs;
    int best_epoch = -1;
    double best_ua = 0.0;
    bool stopped_early = false;
    double seconds = 0.0;
};

// Progress callback: (epoch, epochs, step, steps, loss) per optimisation step.
using ProgressFn = std::function<void(unsigned, unsigned, unsigned, unsigned, double)>;
using EpochFn = std::function<void(const EpochRecord&, unsigned epochs)>;

TrainResult run_training(const DatasetOptions& data, const TrainOptions& train, const ProgressFn& progress,
                         const EpochFn& on_epoch);

// One labelled result as the classifier's `emotion` message gave it.
struct ScoredResult {
    std::vector<std::string> labels;
    std::vector<float> posteriors;
    std::string truth;
    std::string segment_id; // the utterance's id, ".<n>" added for a part of a long one
};

struct EvalResult {
    bool ok = false;
    std::string error;
    nlohmann::json report;             // emotionsink's evaluation report (confusion matrix, WA, UA, ...)
    std::vector<ScoredResult> results; // the labelled results' posteriors (calibration, arousal)
};

// Evaluates `model` on the utterances of `data` selected by `split` ("all", "test", ...);
// `settings` are more properties of the classifier (e.g. "temperature=1").
EvalResult run_evaluation(const DatasetOptions& data, const std::string& architecture,
                          const std::string& model, const std::string& split, int threads,
                          double mulaw_hop = 0.4, const std::string& settings = "");

// The features element in front of an architecture's classifier, with the mu-law hop for
// mu-law features (std::invalid_argument for an unknown architecture).
std::string features_element(const std::string& architecture, double mulaw_hop);

} // namespace emotion::pipelines
