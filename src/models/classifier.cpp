#include "models/classifier.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "nn/loss.h"

namespace emotion::models {

Classifier::Classifier(const std::string& model_path, int threads)
    : path_(model_path), context_(std::make_unique<nn::Context>(threads)) {
    nn::ThreadScope scope(*context_);
    model_ = load_model(*context_, model_path, &info_);
    architecture_ = &architecture_named(info_.architecture); // known: load_model checked it
    set_up_normalization();
}

Classifier::Classifier(std::unique_ptr<nn::Context> context, std::unique_ptr<Model> model, ModelInfo info,
                       std::string path)
    : path_(std::move(path)), context_(std::move(context)), model_(std::move(model)), info_(std::move(info)) {
    architecture_ = &architecture_named(info_.architecture);
    set_up_normalization();
}

void Classifier::set_up_normalization() {
    normalization_ = models::input_normalization(model_->config());
    speaker_statistics_ = SpeakerStatisticsConfig::from_json(model_->config());
    speakers_ = SpeakerNormalizer(frame_width());
    speakers_.set_prior(info_.speaker_prior, speaker_statistics_.prior_frames);
}

void Classifier::set_speaker_prior(SpeakerPrior prior) {
    info_.speaker_prior = std::move(prior);
    speakers_.set_prior(info_.speaker_prior, speaker_statistics_.prior_frames);
}

Classifier::~Classifier() = default;

std::vector<float> Classifier::posteriors(const Batch& batch) {
    nn::ThreadScope scope(*context_);
    const nn::Tensor& logits = model_->forward(batch, nn::Mode::Infer);
    return nn::softmax_rows(logits.data(), logits.dim(0), logits.dim(1));
}

std::vector<float> Classifier::classify_frames(const float* frames, int frame_count,
                                               const std::string& speaker, bool interim) {
    if (architecture_->batch_layout != BatchLayout::Sequences)
        throw std::logic_error("classify_frames on a " + info_.architecture + " model (it takes segments)");
    if (frame_count < min_frames())
        throw std::invalid_argument("segment of " + std::to_string(frame_count) +
                                    " frames, the model needs " + std::to_string(min_frames()));
    if (normalization_ == InputNormalization::Speaker) {
        normalized_.assign(frames, frames + (size_t)frame_count * frame_width());
        condition_frames(normalized_, speaker, interim);
        frames = normalized_.data();
        frame_count = static_cast<int>(normalized_.size() / frame_width());
    }
    const FeatureItem item{frames, frame_count};
    architecture_->fill_features(&item, 1, batch_);
    batch_.tokens.clear();
    return posteriors(batch_);
}

void Classifier::condition_frames(std::vector<float>& frames, const std::string& speaker, bool interim,
                                  FrameMoments* population) {
    if (normalization_ != InputNormalization::Speaker) return;
    const int width = frame_width();
    const FrameSpan span =
        speech_span(frames.data(), static_cast<int>(frames.size() / width), width, min_frames());
    frames.erase(frames.begin() + (ptrdiff_t)span.end * width, frames.end());
    frames.erase(frames.begin(), frames.begin() + (ptrdiff_t)span.begin * width);
    if (population) population->add(frames.data(), span.end - span.begin, width);
    speakers_.normalize(speaker, frames.data(), span.end - span.begin, !interim);
}

std::vector<float> Classifier::classify_multimodal(const float* frames, int frame_count,
                                                   const std::vector<int>& tokens) {
    if (!architecture_->takes_text())
        throw std::logic_error("classify_multimodal on a " + info_.architecture +
                               " model (it takes no text)");
    if (frame_count < 1) throw std::invalid_argument("segment without frames");
    const FeatureItem item{frames, frame_count};
    architecture_->fill_features(&item, 1, batch_);
    batch_.tokens.assign(1, tokens);
    return posteriors(batch_);
}

void Classifier::condition_segments(const std::vector<float*>& segments, const std::string& speaker,
                                    bool interim) {
    if (normalization_ != InputNormalization::Speaker) return;
    if (architecture_->batch_layout != BatchLayout::SegmentImages)
        throw std::logic_error("condition_segments on a " + info_.architecture + " model (it takes frames)");
    std::vector<FrameSpan> spans;
    for (const float* segment : segments) spans.push_back(mulaw_speech_span(segment));
    speakers_.normalize_segments(speaker, segments, spans, architecture_->features.dimensions.back(),
                                 !interim);
}

std::vector<float> Classifier::classify_segments(const std::vector<const float*>& segments,
                                                 const std::string& speaker, bool interim) {
    if (architecture_->batch_layout != BatchLayout::SegmentImages)
        throw std::logic_error("classify_segments on a " + info_.architecture + " model (it takes frames)");
    if (segments.empty()) throw std::invalid_argument("utterance without segments");
    const int n = static_cast<int>(segments.size());
    std::vector<FeatureItem> items;
    if (normalization_ == InputNormalization::Speaker) {
        const size_t size = architecture_->item_size();
        normalized_.resize(size * n);
        std::vector<float*> copies;
        for (int i = 0; i < n; ++i) {
            copies.push_back(normalized_.data() + size * i);
            std::copy(segments[i], segments[i] + size, copies.back());
        }
        condition_segments(copies, speaker, interim);
        for (const float* segment : copies) items.push_back({segment, 1});
    } else {
        for (const float* segment : segments) items.push_back({segment, 1});
    }
    architecture_->fill_features(items.data(), items.size(), batch_);
    std::vector<float> per_segment = posteriors(batch_);
    const int k = num_classes();
    std::vector<float> mean(k, 0.0f);
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < k; ++c) mean[c] += per_segment[i * k + c] / n;
    return mean;
}

} // namespace emotion::models
