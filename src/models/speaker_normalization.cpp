#include "models/speaker_normalization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "dsp/mulaw.h"

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
const char* const kSpeakerMulawNormalisation =
    "per-segment min-max scaling to [-1, 1], then mu-law (mu = 255), then each frequency row minus "
    "its per-speaker running mean over segments' speech spans (frames within 30 dB of the loudest by "
    "their bins' energy; each segment of an utterance weighing 1/n; horizon 6000 frames), outside the "
    "model";

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

namespace {

// From the first to the last value of energy[t * stride] within 30 dB of the loudest.
FrameSpan loud_span(const float* energy, int count, int stride) {
    float loudest = 0.0f;
    for (int t = 0; t < count; ++t) loudest = std::max(loudest, energy[(size_t)t * stride]);
    const float floor = loudest * static_cast<float>(std::pow(10.0, -kSpeechRangeDb / 10.0));
    FrameSpan span{0, count};
    if (loudest > 0.0f) {
        while (span.begin < count && energy[(size_t)span.begin * stride] < floor) span.begin++;
        while (span.end > span.begin && energy[(size_t)(span.end - 1) * stride] < floor) span.end--;
    }
    return span;
}

} // namespace

FrameSpan speech_span(const float* frames, int count, int frame_size, int min_frames) {
    if (count <= 0) return {};
    FrameSpan span = loud_span(frames + kEnergyFeature, count, frame_size);
    // Too short for the model: widen evenly, within the segment.
    const int wanted = std::min(min_frames, count);
    while (span.end - span.begin < wanted) {
        if (span.begin > 0) span.begin--;
        if (span.end - span.begin < wanted && span.end < count) span.end++;
    }
    return span;
}

FrameSpan mulaw_speech_span(const float* segment) {
    const int rows = dsp::kMulawBins, frames = dsp::kMulawSegmentFrames;
    const double mu = 255.0;
    std::vector<float> energy(frames, 0.0f);
    for (int f = 0; f < rows; ++f)
        for (int t = 0; t < frames; ++t) {
            // mu-law undone: y in [-1, 1] is the min-max scaled magnitude, (y + 1) / 2 in [0, 1]
            const double v = segment[(size_t)f * frames + t];
            const double y = std::copysign((std::pow(1.0 + mu, std::fabs(v)) - 1.0) / mu, v);
            const double magnitude = (y + 1.0) / 2.0;
            energy[t] += static_cast<float>(magnitude * magnitude);
        }
    return loud_span(energy.data(), frames, 1);
}

SpeakerNormalizer::SpeakerNormalizer(int frame_size) : frame_size_(frame_size) {}

SpeakerNormalizer::Statistics& SpeakerNormalizer::statistics(const std::string& speaker, bool keep,
                                                             Statistics& scratch) {
    if (!keep) {
        const auto known = speakers_.find(speaker);
        scratch = known != speakers_.end() ? known->second : Statistics{};
    }
    Statistics& s = keep ? speakers_[speaker] : scratch;
    if (s.sum.empty()) {
        s.sum.assign(frame_size_, 0.0);
        s.sum_of_squares.assign(frame_size_, 0.0);
    }
    return s;
}

void SpeakerNormalizer::add(Statistics& s, const float* values, Layout layout, FrameSpan span,
                            double frame_weight) const {
    // Older frames fade: n frames added scale what came before by exp(-n / horizon).
    const double added = (span.end - span.begin) * frame_weight;
    const double fade = std::exp(-added / kHorizonFrames);
    s.weight = s.weight * fade + added;
    for (int f = 0; f < frame_size_; ++f) {
        double sum = 0.0, sum_of_squares = 0.0;
        for (int t = span.begin; t < span.end; ++t) {
            const double v = values[(size_t)t * layout.frame_step + (size_t)f * layout.feature_step];
            sum += v;
            sum_of_squares += v * v;
        }
        s.sum[f] = s.sum[f] * fade + sum * frame_weight;
        s.sum_of_squares[f] = s.sum_of_squares[f] * fade + sum_of_squares * frame_weight;
    }
}

void SpeakerNormalizer::standardize(const Statistics& s, float* values, Layout layout, int count,
                                    bool divide) const {
    for (int f = 0; f < frame_size_; ++f) {
        const double mean = s.sum[f] / s.weight;
        const double variance = std::max(0.0, s.sum_of_squares[f] / s.weight - mean * mean);
        const float scale =
            divide ? 1.0f / std::max(static_cast<float>(std::sqrt(variance)), kStdFloor) : 1.0f;
        for (int t = 0; t < count; ++t) {
            float& v = values[(size_t)t * layout.frame_step + (size_t)f * layout.feature_step];
            v = static_cast<float>((v - mean) * scale);
        }
    }
}

void SpeakerNormalizer::normalize(const std::string& speaker, float* frames, int count, bool keep) {
    if (count <= 0) return;
    Statistics scratch;
    Statistics& s = statistics(speaker, keep, scratch);
    const Layout layout{frame_size_, 1};
    add(s, frames, layout, {0, count}, 1.0);
    standardize(s, frames, layout, count, true);
}

void SpeakerNormalizer::normalize_segments(const std::string& speaker, const std::vector<float*>& segments,
                                           const std::vector<FrameSpan>& spans, int frames, bool keep) {
    if (segments.size() != spans.size())
        throw std::invalid_argument(std::to_string(segments.size()) + " segments with " +
                                    std::to_string(spans.size()) + " speech spans");
    if (segments.empty()) return;
    Statistics scratch;
    Statistics& s = statistics(speaker, keep, scratch);
    const Layout layout{1, frames};
    const double weight = 1.0 / static_cast<double>(segments.size());
    for (size_t i = 0; i < segments.size(); ++i) add(s, segments[i], layout, spans[i], weight);
    // The mean only: dividing by each row's deviation as well was measured worse across corpora
    // (README "Normalisation").
    for (float* segment : segments) standardize(s, segment, layout, frames, false);
}

} // namespace emotion::models
