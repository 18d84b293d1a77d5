#include "train/text_pairing.h"

#include <algorithm>
#include <stdexcept>

namespace emotion::train {

std::vector<io::Utterance> pair_with_texts(const std::vector<io::Utterance>& utterances,
                                           const LabelPolicy& policy,
                                           const std::vector<io::LabelledText>& texts,
                                           const std::vector<std::string>& labels, uint64_t seed,
                                           PairingReport* report) {
    std::vector<std::vector<size_t>> pools(labels.size());
    for (size_t i = 0; i < texts.size(); ++i)
        if (texts[i].label >= 0 && size_t(texts[i].label) < labels.size()) pools[texts[i].label].push_back(i);
    for (size_t l = 0; l < pools.size(); ++l) { // one shuffle per label: adding a label moves no other
        std::vector<size_t> order = shuffled_order(pools[l].size(), seed, l);
        std::vector<size_t> shuffled(order.size());
        for (size_t i = 0; i < order.size(); ++i) shuffled[i] = pools[l][order[i]];
        pools[l] = std::move(shuffled);
    }

    PairingReport r;
    r.used_per_label.assign(labels.size(), 0);
    for (const auto& pool : pools) r.available_per_label.push_back(int(pool.size()));
    std::vector<io::Utterance> out;
    for (const auto& u : utterances) {
        std::string mapped;
        if (!policy.accepts(u.emotion, &mapped) || mapped.empty()) {
            ++r.dropped;
            continue;
        }
        const size_t label = size_t(std::find(labels.begin(), labels.end(), mapped) - labels.begin());
        if (label == labels.size())
            throw std::invalid_argument("line " + std::to_string(u.line) + ": emotion '" + mapped +
                                        "' is not one of the text labels");
        int& used = r.used_per_label[label];
        if (used == r.available_per_label[label])
            throw std::invalid_argument("the text corpus has only " + std::to_string(used) +
                                        " sentences labelled '" + mapped +
                                        "', fewer than the manifest's utterances of it");
        io::Utterance paired = u;
        paired.emotion = mapped;
        paired.text = texts[pools[label][size_t(used++)]].text;
        out.push_back(std::move(paired));
    }
    if (report) *report = r;
    return out;
}

} // namespace emotion::train
