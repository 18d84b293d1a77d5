#include "models/classifier.h"

#include <algorithm>
#include <cmath>
#include <omp.h>
#include <stdexcept>

namespace emotion::models {

std::vector<float> softmax_rows(const float* logits, int rows, int classes) {
    std::vector<float> out(static_cast<size_t>(rows) * classes);
    for (int r = 0; r < rows; ++r) {
        const float* row = logits + static_cast<size_t>(r) * classes;
        float* dst = out.data() + static_cast<size_t>(r) * classes;
        float peak = *std::max_element(row, row + classes);
        double sum = 0.0;
        for (int k = 0; k < classes; ++k) sum += dst[k] = std::exp(row[k] - peak);
        for (int k = 0; k < classes; ++k) dst[k] = static_cast<float>(dst[k] / sum);
    }
    return out;
}

Classifier::Classifier(const std::string& model_path, int threads)
    : path_(model_path), context_(std::make_unique<nn::Context>()), threads_(threads) {
    const int caller_threads = omp_get_max_threads();
    omp_set_num_threads(threads);
    try {
        model_ = load_model(*context_, model_path, &info_);
    } catch (...) {
        omp_set_num_threads(caller_threads);
        throw;
    }
    omp_set_num_threads(caller_threads);
    architecture_ = &architecture_named(info_.architecture); // known: load_model checked it
}

Classifier::Classifier(std::unique_ptr<nn::Context> context, std::unique_ptr<Model> model,
                       ModelInfo info, std::string path)
    : path_(std::move(path)), context_(std::move(context)), model_(std::move(model)),
      info_(std::move(info)) {
    architecture_ = &architecture_named(info_.architecture);
}

Classifier::~Classifier() = default;

std::vector<float> Classifier::posteriors(const Batch& batch) {
    omp_set_num_threads(threads_);
    const nn::Tensor& logits = model_->forward(batch, nn::Mode::Infer);
    return softmax_rows(logits.data(), static_cast<int>(logits.dim(0)), static_cast<int>(logits.dim(1)));
}

std::vector<float> Classifier::classify_frames(const float* frames, int frame_count) {
    if (architecture_->batch_layout != BatchLayout::Sequences)
        throw std::logic_error("classify_frames on a " + info_.architecture + " model (it takes segments)");
    if (frame_count < min_frames())
        throw std::invalid_argument("segment of " + std::to_string(frame_count) + " frames, the model needs " +
                                    std::to_string(min_frames()));
    const FeatureItem item{frames, frame_count};
    architecture_->fill_features(&item, 1, batch_);
    batch_.tokens.clear();
    return posteriors(batch_);
}

std::vector<float> Classifier::classify_multimodal(const float* frames, int frame_count,
                                                   const std::vector<int>& tokens) {
    if (!architecture_->takes_text())
        throw std::logic_error("classify_multimodal on a " + info_.architecture + " model (it takes no text)");
    if (frame_count < 1) throw std::invalid_argument("segment without frames");
    const FeatureItem item{frames, frame_count};
    architecture_->fill_features(&item, 1, batch_);
    batch_.tokens.assign(1, tokens);
    return posteriors(batch_);
}

std::vector<float> Classifier::classify_segments(const std::vector<const float*>& segments) {
    if (architecture_->batch_layout != BatchLayout::SegmentImages)
        throw std::logic_error("classify_segments on a " + info_.architecture + " model (it takes frames)");
    if (segments.empty()) throw std::invalid_argument("utterance without segments");
    const int n = static_cast<int>(segments.size());
    std::vector<FeatureItem> items;
    for (const float* segment : segments) items.push_back({segment, 1});
    architecture_->fill_features(items.data(), items.size(), batch_);
    std::vector<float> per_segment = posteriors(batch_);
    const int k = num_classes();
    std::vector<float> mean(k, 0.0f);
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < k; ++c) mean[c] += per_segment[i * k + c] / n;
    return mean;
}

} // namespace emotion::models
