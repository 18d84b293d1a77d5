#include "train/calibration.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace emotion::train {

namespace {

// log softmax(log(max(p, tiny)) / temperature); a posterior of exactly 0 (underflow) stays the
// smallest, without -inf
std::vector<double> log_scaled(const std::vector<float>& posteriors, double temperature) {
    const double tiny = 1e-30;
    std::vector<double> z(posteriors.size());
    for (size_t k = 0; k < z.size(); ++k)
        z[k] = std::log(std::max<double>(posteriors[k], tiny)) / temperature;
    const double top = z.empty() ? 0.0 : *std::max_element(z.begin(), z.end());
    double total = 0.0;
    for (double v : z) total += std::exp(v - top);
    const double log_total = top + std::log(total);
    for (double& v : z) v -= log_total;
    return z;
}

void check_temperature(double temperature) {
    if (!(temperature > 0.0) || !std::isfinite(temperature))
        throw std::invalid_argument("temperature must be a positive number, not " +
                                    std::to_string(temperature));
}

} // namespace

std::vector<float> apply_temperature(const std::vector<float>& posteriors, double temperature) {
    check_temperature(temperature);
    if (temperature == 1.0 || posteriors.empty()) return posteriors;
    std::vector<double> z = log_scaled(posteriors, temperature);
    std::vector<float> out(z.size());
    for (size_t k = 0; k < z.size(); ++k) out[k] = (float)std::exp(z[k]);
    return out;
}

double temperature_nll(const std::vector<LabelledScores>& results, double temperature) {
    check_temperature(temperature);
    if (results.empty()) return 0.0;
    double nll = 0.0;
    for (const auto& r : results) {
        if (r.truth < 0 || r.truth >= (int)r.posteriors.size())
            throw std::invalid_argument("true class " + std::to_string(r.truth) + " outside the " +
                                        std::to_string(r.posteriors.size()) + " posteriors");
        nll -= log_scaled(r.posteriors, temperature)[r.truth];
    }
    return nll / results.size();
}

double fit_temperature(const std::vector<LabelledScores>& results, double min_t, double max_t) {
    if (results.empty()) throw std::invalid_argument("fit_temperature: no labelled results");
    check_temperature(min_t);
    check_temperature(max_t);
    const double ratio = (std::sqrt(5.0) - 1.0) / 2.0; // 1 / golden ratio
    double a = std::log(min_t), b = std::log(max_t);
    double c = b - ratio * (b - a), d = a + ratio * (b - a);
    double fc = temperature_nll(results, std::exp(c)), fd = temperature_nll(results, std::exp(d));
    while (b - a > 1e-4) {
        if (fc < fd) {
            b = d, d = c, fd = fc;
            c = b - ratio * (b - a);
            fc = temperature_nll(results, std::exp(c));
        } else {
            a = c, c = d, fc = fd;
            d = a + ratio * (b - a);
            fd = temperature_nll(results, std::exp(d));
        }
    }
    return std::exp((a + b) / 2.0);
}

double expected_calibration_error(const std::vector<LabelledScores>& results, int bins) {
    if (bins < 1) throw std::invalid_argument("expected_calibration_error: bins must be >= 1");
    if (results.empty()) return 0.0;
    std::vector<double> confidence(bins, 0.0), correct(bins, 0.0);
    std::vector<int> count(bins, 0);
    for (const auto& r : results) {
        if (r.posteriors.empty()) continue;
        auto top = std::max_element(r.posteriors.begin(), r.posteriors.end());
        // bins (i/B, (i+1)/B], confidence 0 in the first
        int bin = std::clamp((int)std::ceil(*top * bins) - 1, 0, bins - 1);
        confidence[bin] += *top;
        correct[bin] += (top - r.posteriors.begin()) == r.truth ? 1.0 : 0.0;
        count[bin]++;
    }
    double ece = 0.0;
    for (int i = 0; i < bins; ++i)
        if (count[i]) ece += std::fabs(correct[i] - confidence[i]) / results.size();
    return ece;
}

} // namespace emotion::train
