#include "models/speaker_normalization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

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
    if (sum.empty()) {
        sum.assign(frame_size, 0.0);
        sum_of_squares.assign(frame_size, 0.0);
    }
    weight = weight * fade + count;
    for (int f = 0; f < frame_size; ++f) {
        double segment_sum = 0.0, segment_sum_of_squares = 0.0;
        for (int t = 0; t < count; ++t) {
            const double v = frames[(size_t)t * frame_size + f];
            segment_sum += v;
            segment_sum_of_squares += v * v;
        }
        sum[f] = sum[f] * fade + segment_sum;
        sum_of_squares[f] = sum_of_squares[f] * fade + segment_sum_of_squares;
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

void SpeakerNormalizer::normalize(const std::string& speaker, float* frames, int count, bool keep) {
    if (count <= 0) return;
    // Older frames fade: a segment of n frames scales what came before by exp(-n / horizon).
    const double fade = std::exp(-count / kHorizonFrames);
    const auto known = speakers_.find(speaker);
    FrameMoments scratch = known != speakers_.end() ? known->second : prior_;
    FrameMoments& s = keep ? speakers_.try_emplace(speaker, prior_).first->second : scratch;
    FrameMoments read_as_first = prior_; // what a first segment is read with
    const bool as_first = keep && as_first_.erase(speaker) > 0;
    if (as_first) read_as_first.add(frames, count, frame_size_, fade);
    s.add(frames, count, frame_size_, fade);
    const FrameMoments& reading = as_first ? read_as_first : s;
    for (int f = 0; f < frame_size_; ++f) {
        const double mean = reading.mean(f);
        const float scale = 1.0f / std::max(static_cast<float>(std::sqrt(reading.variance(f))), kStdFloor);
        for (int t = 0; t < count; ++t) {
            float& v = frames[(size_t)t * frame_size_ + f];
            v = static_cast<float>((v - mean) * scale);
        }
    }
}

} // namespace emotion::models
