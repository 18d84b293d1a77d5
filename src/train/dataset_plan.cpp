#include "train/dataset_plan.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>

namespace emotion::train {

const char* split_name(Split split) {
    switch (split) {
    case Split::Train: return "train";
    case Split::Valid: return "valid";
    case Split::Test: return "test";
    }
    return "?";
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        std::string item = text.substr(start, comma - start);
        size_t a = item.find_first_not_of(" \t"), b = item.find_last_not_of(" \t");
        if (a != std::string::npos) out.push_back(item.substr(a, b - a + 1));
        start = comma + 1;
    }
    return out;
}

std::string join_list(const std::vector<std::string>& items) {
    std::string text;
    for (size_t i = 0; i < items.size(); ++i) text += (i ? "," : "") + items[i];
    return text;
}

LabelPolicy LabelPolicy::parse(const std::string& mapping, const std::string& keep) {
    LabelPolicy policy;
    for (const std::string& pair : split_list(mapping)) {
        size_t colon = pair.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == pair.size())
            throw std::invalid_argument("label mapping '" + pair + "' is not FROM:TO");
        policy.mapping[pair.substr(0, colon)] = pair.substr(colon + 1);
    }
    policy.keep = split_list(keep);
    return policy;
}

bool LabelPolicy::accepts(const std::string& label, std::string* mapped) const {
    auto it = mapping.find(label);
    std::string value = it == mapping.end() ? label : it->second;
    if (!keep.empty() && std::find(keep.begin(), keep.end(), value) == keep.end()) return false;
    *mapped = value;
    return true;
}

namespace {

// Unbiased integer in [0, bound) by rejection (Lemire's method without the multiply trick).
uint64_t bounded(std::mt19937_64& rng, uint64_t bound) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t x;
    do x = rng();
    while (x >= limit);
    return x % bound;
}

std::mt19937_64 seeded(uint64_t seed, uint64_t stream) {
    std::seed_seq sequence{uint32_t(seed), uint32_t(seed >> 32), uint32_t(stream), uint32_t(stream >> 32)};
    return std::mt19937_64(sequence);
}

} // namespace

std::vector<size_t> shuffled_order(size_t n, uint64_t seed, uint64_t epoch) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng = seeded(seed, epoch);
    for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[bounded(rng, i)]);
    return order;
}

std::vector<Split> assign_splits(const std::vector<io::Utterance>& utterances,
                                 const SplitSettings& settings) {
    std::set<std::string> speakers;
    for (const auto& u : utterances) speakers.insert(u.speaker);
    auto check_named = [&](const std::vector<std::string>& names, const char* what) {
        for (const auto& name : names)
            if (!speakers.count(name))
                throw std::invalid_argument(std::string(what) + " speaker '" + name +
                                            "' is not in the manifest");
    };
    check_named(settings.valid_speakers, "validation");
    check_named(settings.test_speakers, "test");
    std::set<std::string> test(settings.test_speakers.begin(), settings.test_speakers.end());
    std::set<std::string> valid(settings.valid_speakers.begin(), settings.valid_speakers.end());
    for (const auto& name : valid)
        if (test.count(name))
            throw std::invalid_argument("speaker '" + name + "' is in both validation and test");

    if (valid.empty() && settings.valid_fraction > 0.0) {
        if (settings.valid_fraction >= 1.0) throw std::invalid_argument("valid-fraction must be below 1");
        std::map<std::string, size_t> count;
        for (const auto& u : utterances)
            if (!test.count(u.speaker)) count[u.speaker]++;
        std::vector<std::string> candidates;
        for (const auto& entry : count) candidates.push_back(entry.first); // sorted: reproducible
        size_t total = 0;
        for (const auto& entry : count) total += entry.second;
        std::vector<size_t> order = shuffled_order(candidates.size(), settings.seed, UINT64_MAX);
        size_t taken = 0;
        for (size_t i = 0; i + 1 < order.size() && taken < settings.valid_fraction * total; ++i) {
            valid.insert(candidates[order[i]]);
            taken += count[candidates[order[i]]];
        }
    }
    std::vector<Split> out;
    out.reserve(utterances.size());
    for (const auto& u : utterances)
        out.push_back(test.count(u.speaker)    ? Split::Test
                      : valid.count(u.speaker) ? Split::Valid
                                               : Split::Train);
    return out;
}

} // namespace emotion::train
