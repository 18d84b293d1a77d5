// ResultFusion: see the header.
#include "stream/result_fusion.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace emotion::stream {

namespace {

std::string join(const std::vector<std::string>& labels) {
    std::string text;
    for (const auto& label : labels) text += (text.empty() ? "" : ",") + label;
    return text;
}

std::vector<std::string> sorted(std::vector<std::string> labels) {
    std::sort(labels.begin(), labels.end());
    return labels;
}

Time overlap(const ResultSpan& a, const ResultSpan& b) {
    return std::min(a.end, b.end) - std::max(a.start, b.start);
}

} // namespace

std::vector<double> parse_fusion_weights(const std::string& text) {
    std::vector<double> weights;
    std::istringstream items(text);
    std::string item;
    while (std::getline(items, item, ',')) {
        size_t used = 0;
        double w = 0.0;
        try {
            w = std::stod(item, &used);
        } catch (const std::exception&) { used = 0; }
        if (used == 0 || item.find_first_not_of(" \t", used) != std::string::npos)
            throw std::invalid_argument("weight '" + item + "' is not a number");
        weights.push_back(w);
    }
    if (weights.empty()) throw std::invalid_argument("no weights in '" + text + "'");
    return weights;
}

ResultFusion::ResultFusion(std::vector<double> weights) : weights_(std::move(weights)) {
    if (weights_.empty()) throw std::invalid_argument("fusion needs at least one input");
    for (size_t i = 0; i < weights_.size(); ++i)
        if (!std::isfinite(weights_[i]) || weights_[i] <= 0.0)
            throw std::invalid_argument("weight " + std::to_string(i) + " is " + std::to_string(weights_[i]) +
                                        "; weights must be positive (leave an input out instead)");
    inputs_.resize(weights_.size());
}

void ResultFusion::set_labels(size_t input, const std::vector<std::string>& labels) {
    for (size_t i = 0; i < inputs_.size(); ++i) {
        const auto& known = inputs_[i].labels;
        if (i == input || known.empty()) continue;
        if (sorted(known) != sorted(labels))
            throw LabelMismatch("input " + std::to_string(input) + " classifies " + join(labels) +
                                " but input " + std::to_string(i) + " classifies " + join(known));
    }
    inputs_[input].labels = labels;
    const auto& reference = inputs_[0].labels;
    if (reference.empty()) return;
    for (auto& in : inputs_) {
        in.to_reference.clear();
        for (const auto& label : reference) {
            auto at = std::find(in.labels.begin(), in.labels.end(), label);
            if (at != in.labels.end()) in.to_reference.push_back(at - in.labels.begin());
        }
    }
}

uint64_t ResultFusion::add(size_t input, ResultSpan span) {
    Input& in = inputs_[input];
    if (span.posteriors.size() != in.labels.size())
        throw std::invalid_argument("input " + std::to_string(input) + " sent " +
                                    std::to_string(span.posteriors.size()) + " posteriors for " +
                                    std::to_string(in.labels.size()) + " labels");
    if (input == 0) {
        last_reference_start_ = span.start;
        pending_.push_back({next_sequence_, std::move(span)});
        return next_sequence_++;
    }
    in.complete_until = std::max(in.complete_until, span.start);
    in.spans.push_back(std::move(span));
    return 0;
}

void ResultFusion::advance(size_t input, Time time) {
    inputs_[input].complete_until = std::max(inputs_[input].complete_until, time);
}

void ResultFusion::end_input(size_t input) { inputs_[input].ended = true; }

bool ResultFusion::ready(const Pending& p) const {
    for (size_t i = 1; i < inputs_.size(); ++i)
        if (!inputs_[i].ended && inputs_[i].complete_until < p.span.end) return false;
    return true;
}

FusedSpan ResultFusion::fuse(const Pending& p) const {
    const size_t k = inputs_[0].labels.size();
    const bool instant = p.span.end <= p.span.start;
    std::vector<double> sum(k, 0.0);
    double total_weight = 0.0;
    FusedSpan out;
    for (size_t i = 0; i < inputs_.size(); ++i) {
        // input i's posteriors over the reference span, each span weighted by its overlap (by
        // whether it holds the instant, for a reference span without duration)
        std::vector<double> mean(k, 0.0);
        double covered = 0.0;
        auto take = [&](const ResultSpan& s, double share) {
            for (size_t c = 0; c < k; ++c) mean[c] += share * s.posteriors[inputs_[i].to_reference[c]];
            covered += share;
        };
        if (i == 0) {
            take(p.span, 1.0);
        } else {
            for (const auto& s : inputs_[i].spans) {
                if (instant ? (s.start <= p.span.start && p.span.start < s.end) : overlap(s, p.span) > 0)
                    take(s, instant ? 1.0 : (double)overlap(s, p.span));
            }
        }
        if (covered <= 0.0) continue;
        for (size_t c = 0; c < k; ++c) sum[c] += weights_[i] * mean[c] / covered;
        total_weight += weights_[i];
        out.inputs++;
    }
    out.sequence = p.sequence;
    out.start = p.span.start;
    out.end = p.span.end;
    for (double v : sum) out.posteriors.push_back((float)(v / total_weight));
    return out;
}

std::vector<FusedSpan> ResultFusion::take_ready(Time deadline) {
    std::vector<FusedSpan> out;
    while (!pending_.empty()) {
        const Pending& p = pending_.front();
        if (!ready(p) && !(has_time(deadline) && p.span.end <= deadline)) break;
        out.push_back(fuse(p));
        pending_.pop_front();
    }
    // later reference spans start no earlier than the first pending one (or the last seen)
    forget_before(pending_.empty() ? last_reference_start_ : pending_.front().span.start);
    return out;
}

void ResultFusion::forget_before(Time time) {
    if (!has_time(time)) return;
    for (size_t i = 1; i < inputs_.size(); ++i) {
        auto& spans = inputs_[i].spans;
        spans.erase(
            std::remove_if(spans.begin(), spans.end(), [time](const ResultSpan& s) { return s.end <= time; }),
            spans.end());
    }
}

void ResultFusion::flush() {
    for (auto& in : inputs_) {
        in.spans.clear();
        in.complete_until = kNoTime;
        in.ended = false;
    }
    pending_.clear();
    last_reference_start_ = kNoTime;
}

} // namespace emotion::stream
