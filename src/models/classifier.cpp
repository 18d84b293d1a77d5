#include "models/classifier.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "dsp/mulaw.h"
#include "nn/loss.h"

namespace emotion::models {

Classifier::Classifier(const std::string& model_path, int threads)
    : path_(model_path), context_(std::make_unique<nn::Context>(threads)) {
    nn::ThreadScope scope(*context_);
    model_ = load_model(*context_, model_path, &info_);
}

Classifier::Classifier(std::unique_ptr<nn::Context> context, std::unique_ptr<Model> model,
                       ModelInfo info, std::string path)
    : path_(std::move(path)), context_(std::move(context)), model_(std::move(model)),
      info_(std::move(info)) {}

Classifier::~Classifier() = default;

int Classifier::min_frames() const { return info_.architecture == "stl" ? 16 : 1; }

std::vector<float> Classifier::posteriors(const Batch& batch) {
    nn::ThreadScope scope(*context_);
    const nn::Tensor& logits = model_->forward(batch, nn::Mode::Infer);
    return nn::softmax_rows(logits.data(), logits.dim(0), logits.dim(1));
}

std::vector<float> Classifier::classify_frames(const float* frames, int frame_count) {
    if (info_.features.kind != "lld") throw std::logic_error("classify_frames on a " + info_.features.kind + " model");
    if (frame_count < min_frames())
        throw std::invalid_argument("segment of " + std::to_string(frame_count) + " frames, the model needs " +
                                    std::to_string(min_frames()));
    const int dims = info_.features.dimensions.at(0);
    batch_.features.resize({1, frame_count, dims});
    std::memcpy(batch_.features.data(), frames, sizeof(float) * frame_count * dims);
    batch_.lengths.assign(1, frame_count);
    batch_.tokens.clear();
    return posteriors(batch_);
}

std::vector<float> Classifier::classify_multimodal(const float* frames, int frame_count,
                                                   const std::vector<int>& tokens) {
    if (info_.architecture != "ksmm") throw std::logic_error("classify_multimodal on a " + info_.architecture + " model");
    if (frame_count < 1) throw std::invalid_argument("segment without frames");
    const int dims = info_.features.dimensions.at(0);
    batch_.features.resize({1, frame_count, dims});
    std::memcpy(batch_.features.data(), frames, sizeof(float) * frame_count * dims);
    batch_.lengths.assign(1, frame_count);
    batch_.tokens.assign(1, tokens);
    return posteriors(batch_);
}

std::vector<float> Classifier::classify_segments(const std::vector<const float*>& segments) {
    if (info_.features.kind != "mulaw") throw std::logic_error("classify_segments on a " + info_.features.kind + " model");
    if (segments.empty()) throw std::invalid_argument("utterance without segments");
    const int n = static_cast<int>(segments.size());
    const size_t segment_size = static_cast<size_t>(dsp::kMulawBins) * dsp::kMulawSegmentFrames;
    batch_.features.resize({n, 1, dsp::kMulawBins, dsp::kMulawSegmentFrames});
    for (int i = 0; i < n; ++i)
        std::memcpy(batch_.features.data() + i * segment_size, segments[i], sizeof(float) * segment_size);
    batch_.lengths.assign(n, dsp::kMulawSegmentFrames);
    std::vector<float> per_segment = posteriors(batch_);
    const int k = num_classes();
    std::vector<float> mean(k, 0.0f);
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < k; ++c) mean[c] += per_segment[i * k + c] / n;
    return mean;
}

} // namespace emotion::models
