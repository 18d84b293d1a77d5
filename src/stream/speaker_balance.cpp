#include "stream/speaker_balance.h"

#include <stdexcept>

namespace emotion::stream {

SpeakerBalance::SpeakerBalance(double prior_weight) : prior_weight_(prior_weight) {
    if (!(prior_weight > 0.0)) throw std::invalid_argument("SpeakerBalance: the prior weight must be > 0");
}

std::vector<float> SpeakerBalance::apply(const std::string& speaker, const std::vector<float>& posteriors,
                                         bool keep) {
    double total = 0.0;
    for (float p : posteriors) total += p;
    if (posteriors.empty() || !(total > 0.0)) return posteriors;
    const size_t k = posteriors.size();
    auto found = speakers_.find(speaker);
    Running running;
    if (found != speakers_.end() && found->second.sum.size() == k)
        running = found->second;
    else
        running = Running{std::vector<double>(k, prior_weight_ / double(k)), prior_weight_};
    for (size_t i = 0; i < k; ++i) running.sum[i] += posteriors[i] / total;
    running.weight += 1.0;

    std::vector<double> balanced(k);
    double sum = 0.0;
    for (size_t i = 0; i < k; ++i) {
        // every class's mean holds its share of the uniform prior: never 0
        balanced[i] = posteriors[i] / total / (running.sum[i] / running.weight);
        sum += balanced[i];
    }
    if (keep) speakers_[speaker] = std::move(running);
    std::vector<float> out(k);
    for (size_t i = 0; i < k; ++i) out[i] = static_cast<float>(balanced[i] / sum);
    return out;
}

} // namespace emotion::stream
