#include "models/speaker_normalization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace emotion::models {

namespace {

constexpr int kEnergyFeature = 1;         // LLD 1: frame energy (mean square)
constexpr double kSpeechRangeDb = 30.0;   // frames this far below the loudest are silence
constexpr double kHorizonFrames = 6000.0; // 60 s of speech: the statistics' memory
constexpr float kStdFloor = 1e-5f;        // as nn::znormalize

} // namespace

const char* const kSpeakerNormalisation =
    "per-speaker running z-score of each feature over segments' speech spans (frames within 30 dB of "
    "the loudest; horizon 6000 frames; population std, floor 1e-5), outside the model";

InputNormalization input_normalization(const nlohmann::json& config) {
    if (!config.is_object() || !config.contains("input_normalization")) return InputNormalization::Segment;
    const nlohmann::json& value = config["input_normalization"];
    if (value == "segment") return InputNormalization::Segment;
    if (value == "speaker") return InputNormalization::Speaker;
    throw std::invalid_argument("input_normalization is " + value.dump() +
                                ", expected \"segment\" or \"speaker\"");
}

const char* input_normalization_name(InputNormalization normalization) {
    return normalization == InputNormalization::Speaker ? "speaker" : "segment";
}

FrameSpan speech_span(const float* frames, int count, int frame_size, int min_frames) {
    if (count <= 0) return {};
    float loudest = 0.0f;
    for (int t = 0; t < count; ++t)
        loudest = std::max(loudest, frames[(size_t)t * frame_size + kEnergyFeature]);
    const float floor = loudest * static_cast<float>(std::pow(10.0, -kSpeechRangeDb / 10.0));
    FrameSpan span{0, count};
    if (loudest > 0.0f) {
        while (span.begin < count && frames[(size_t)span.begin * frame_size + kEnergyFeature] < floor)
            span.begin++;
        while (span.end > span.begin && frames[(size_t)(span.end - 1) * frame_size + kEnergyFeature] < floor)
            span.end--;
    }
    // Too short for the model: widen evenly, within the segment.
    const int wanted = std::min(min_frames, count);
    while (span.end - span.begin < wanted) {
        if (span.begin > 0) span.begin--;
        if (span.end - span.begin < wanted && span.end < count) span.end++;
    }
    return span;
}

SpeakerNormalizer::SpeakerNormalizer(int frame_size) : frame_size_(frame_size) {}

void SpeakerNormalizer::normalize(const std::string& speaker, float* frames, int count, bool keep) {
    if (count <= 0) return;
    const auto known = speakers_.find(speaker);
    Statistics scratch = known != speakers_.end() ? known->second : Statistics{};
    Statistics& s = keep ? speakers_[speaker] : scratch;
    if (s.sum.empty()) {
        s.sum.assign(frame_size_, 0.0);
        s.sum_of_squares.assign(frame_size_, 0.0);
    }
    // Older frames fade: a segment of n frames scales what came before by exp(-n / horizon).
    const double fade = std::exp(-count / kHorizonFrames);
    s.weight = s.weight * fade + count;
    for (int f = 0; f < frame_size_; ++f) {
        double sum = 0.0, sum_of_squares = 0.0;
        for (int t = 0; t < count; ++t) {
            const double v = frames[(size_t)t * frame_size_ + f];
            sum += v;
            sum_of_squares += v * v;
        }
        s.sum[f] = s.sum[f] * fade + sum;
        s.sum_of_squares[f] = s.sum_of_squares[f] * fade + sum_of_squares;
    }
    for (int f = 0; f < frame_size_; ++f) {
        const double mean = s.sum[f] / s.weight;
        const double variance = std::max(0.0, s.sum_of_squares[f] / s.weight - mean * mean);
        const float scale = 1.0f / std::max(static_cast<float>(std::sqrt(variance)), kStdFloor);
        for (int t = 0; t < count; ++t) {
            float& v = frames[(size_t)t * frame_size_ + f];
            v = static_cast<float>((v - mean) * scale);
        }
    }
}

} // namespace emotion::models
