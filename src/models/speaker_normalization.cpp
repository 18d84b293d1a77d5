#include "models/speaker_normalization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "dsp/mulaw.h"

namespace emotion::models {

namespace {

constexpr int kEnergyFeature = 1;           // LLD 1: frame energy (mean square)
constexpr double kSpeechRangeDb = 30.0;     // frames this far below the loudest are silence
constexpr double kHorizonFrames = 6000.0;   // 60 s of speech: the statistics' memory
constexpr float kStdFloor = 1e-5f;          // as nn::znormalize
constexpr double kMaxPriorFrames = 60000.0; // ten minutes of speech: more is no longer a prior

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

SpeakerStatisticsConfig SpeakerStatisticsConfig::from_json(const nlohmann::json& config) {
    SpeakerStatisticsConfig c;
    if (!config.is_object()) return c;
    auto number = [&](const char* key, double fallback) {
        if (!config.contains(key)) return fallback;
        if (!config[key].is_number())
            throw std::invalid_argument(std::string(key) + " is " + config[key].dump() +
                                        ", expected a number");
        return config[key].get<double>();
    };
    c.prior_frames = number("speaker_prior_frames", c.prior_frames);
    c.reset = number("speaker_reset", c.reset);
    c.first = number("speaker_first", c.first);
    if (!(c.prior_frames >= 0.0 && c.prior_frames <= kMaxPriorFrames))
        throw std::invalid_argument("speaker_prior_frames is " + std::to_string(c.prior_frames) +
                                    ", expected 0 to " + std::to_string(int(kMaxPriorFrames)));
    if (!(c.reset >= 0.0 && c.reset < 1.0))
        throw std::invalid_argument("speaker_reset is " + std::to_string(c.reset) + ", expected [0, 1)");
    if (!(c.first >= 0.0 && c.first < 1.0))
        throw std::invalid_argument("speaker_first is " + std::to_string(c.first) + ", expected [0, 1)");
    if ((c.prior_frames > 0.0 || c.reset > 0.0 || c.first > 0.0) &&
        input_normalization(config) != InputNormalization::Speaker)
        throw std::invalid_argument(
            "speaker_prior_frames, speaker_reset and speaker_first need input_normalization \"speaker\"");
    return c;
}

void SpeakerStatisticsConfig::add_to(nlohmann::json& config) const {
    if (prior_frames > 0.0) config["speaker_prior_frames"] = prior_frames;
    if (reset > 0.0) config["speaker_reset"] = reset;
    if (first > 0.0) config["speaker_first"] = first;
}

void FrameMoments::add(const float* frames, int count, int frame_size, double fade) {
    add(frames, {frame_size, 1}, {0, count}, frame_size, 1.0, fade);
}

void FrameMoments::add(const float* values, FrameLayout layout, FrameSpan span, int frame_size,
                       double frame_weight, double fade) {
    if (sum.empty()) {
        sum.assign(frame_size, 0.0);
        sum_of_squares.assign(frame_size, 0.0);
    }
    weight = weight * fade + (span.end - span.begin) * frame_weight;
    for (int f = 0; f < frame_size; ++f) {
        double segment_sum = 0.0, segment_sum_of_squares = 0.0;
        for (int t = span.begin; t < span.end; ++t) {
            const double v = values[(size_t)t * layout.frame_step + (size_t)f * layout.feature_step];
            segment_sum += v;
            segment_sum_of_squares += v * v;
        }
        sum[f] = sum[f] * fade + segment_sum * frame_weight;
        sum_of_squares[f] = sum_of_squares[f] * fade + segment_sum_of_squares * frame_weight;
    }
}

double FrameMoments::variance(int feature) const {
    const double m = mean(feature);
    return std::max(0.0, sum_of_squares[feature] / weight - m * m);
}

SpeakerPrior SpeakerPrior::of(const FrameMoments& population) {
    SpeakerPrior prior;
    if (population.weight <= 0.0) return prior;
    for (size_t f = 0; f < population.sum.size(); ++f) {
        prior.mean.push_back(population.mean(int(f)));
        prior.variance.push_back(population.variance(int(f)));
    }
    return prior;
}

nlohmann::json SpeakerPrior::to_json() const { return {{"mean", mean}, {"variance", variance}}; }

SpeakerPrior SpeakerPrior::from_json(const nlohmann::json& j, int features) {
    auto values = [&](const std::string& key, bool variances) {
        if (!j.is_object() || !j.contains(key) || !j[key].is_array() || int(j[key].size()) != features)
            throw std::invalid_argument("'" + key + "' must be an array of " + std::to_string(features) +
                                        " numbers");
        std::vector<double> out;
        for (const auto& v : j[key]) {
            if (!v.is_number() || !std::isfinite(v.get<double>()) || (variances && v.get<double>() < 0.0))
                throw std::invalid_argument("'" + key + "' holds " + v.dump() + ", expected finite numbers" +
                                            (variances ? " >= 0" : ""));
            out.push_back(v.get<double>());
        }
        return out;
    };
    return {values("mean", false), values("variance", true)};
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

void SpeakerNormalizer::set_prior(const SpeakerPrior& prior, double frames) {
    prior_ = FrameMoments{};
    if (prior.empty() || frames <= 0.0) return;
    if (static_cast<int>(prior.mean.size()) != frame_size_ || prior.variance.size() != prior.mean.size())
        throw std::invalid_argument("speaker prior of " + std::to_string(prior.mean.size()) +
                                    " features, expected " + std::to_string(frame_size_));
    // `frames` frames with the population's mean and variance
    prior_.weight = frames;
    for (int f = 0; f < frame_size_; ++f) {
        prior_.sum.push_back(frames * prior.mean[f]);
        prior_.sum_of_squares.push_back(frames * (prior.variance[f] + prior.mean[f] * prior.mean[f]));
    }
}

FrameMoments& SpeakerNormalizer::statistics(const std::string& speaker, bool keep, FrameMoments& scratch) {
    if (keep) return speakers_.try_emplace(speaker, prior_).first->second;
    const auto known = speakers_.find(speaker);
    scratch = known != speakers_.end() ? known->second : prior_;
    return scratch;
}

void SpeakerNormalizer::standardize(const FrameMoments& s, float* values, FrameLayout layout, int count,
                                    bool divide) const {
    for (int f = 0; f < frame_size_; ++f) {
        const double mean = s.mean(f);
        const float scale =
            divide ? 1.0f / std::max(static_cast<float>(std::sqrt(s.variance(f))), kStdFloor) : 1.0f;
        for (int t = 0; t < count; ++t) {
            float& v = values[(size_t)t * layout.frame_step + (size_t)f * layout.feature_step];
            v = static_cast<float>((v - mean) * scale);
        }
    }
}

void SpeakerNormalizer::normalize(const std::string& speaker, float* frames, int count, bool keep) {
    if (count <= 0) return;
    // Older frames fade: a segment of n frames scales what came before by exp(-n / horizon).
    const double fade = std::exp(-count / kHorizonFrames);
    FrameMoments scratch;
    FrameMoments& s = statistics(speaker, keep, scratch);
    s.add(frames, count, frame_size_, fade);
    if (keep && as_first_.erase(speaker) > 0) {
        FrameMoments read_as_first = prior_; // what a first segment is read with
        read_as_first.add(frames, count, frame_size_, fade);
        standardize(read_as_first, frames, {frame_size_, 1}, count, true);
        return;
    }
    standardize(s, frames, {frame_size_, 1}, count, true);
}

void SpeakerNormalizer::normalize_segments(const std::string& speaker, const std::vector<float*>& segments,
                                           const std::vector<FrameSpan>& spans, int frames, bool keep) {
    if (segments.size() != spans.size())
        throw std::invalid_argument(std::to_string(segments.size()) + " segments with " +
                                    std::to_string(spans.size()) + " speech spans");
    if (segments.empty()) return;
    FrameMoments scratch;
    FrameMoments& s = statistics(speaker, keep, scratch);
    const FrameLayout layout{1, frames};
    const double weight = 1.0 / static_cast<double>(segments.size());
    for (size_t i = 0; i < segments.size(); ++i) {
        // Older frames fade: n frames added scale what came before by exp(-n / horizon).
        const double added = (spans[i].end - spans[i].begin) * weight;
        s.add(segments[i], layout, spans[i], frame_size_, weight, std::exp(-added / kHorizonFrames));
    }
    // The mean only: dividing by each row's deviation as well was measured worse across corpora
    // (README "Normalisation").
    for (float* segment : segments) standardize(s, segment, layout, frames, false);
}

} // namespace emotion::models
