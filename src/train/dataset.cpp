#include "train/dataset.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace emotion::train {

namespace {

bool has_speaker(const std::vector<io::Utterance>& utterances, const std::string& speaker) {
    return std::any_of(utterances.begin(), utterances.end(),
                       [&](const io::Utterance& u) { return u.speaker == speaker; });
}

// "angry, happy, (none)": the distinct labels of the rows, for messages.
std::string labels_of(const std::vector<io::Utterance>& utterances) {
    std::set<std::string> labels;
    for (const auto& u : utterances) labels.insert(u.emotion.empty() ? "(none)" : u.emotion);
    std::string text;
    for (const auto& label : labels) text += (text.empty() ? "" : ", ") + label;
    return text;
}

} // namespace

Dataset::Dataset(DatasetSettings settings) : settings_(std::move(settings)) {
    const std::vector<io::Utterance> listed = io::read_manifest(settings_.location);
    listed_ = static_cast<unsigned>(listed.size());
    const LabelPolicy policy = LabelPolicy::parse(settings_.label_map, settings_.labels);
    for (io::Utterance u : listed) {
        std::string mapped;
        if (!policy.accepts(u.emotion, &mapped)) {
            filtered_++;
            continue;
        }
        u.emotion = mapped;
        utterances_.push_back(std::move(u));
    }
    if (utterances_.empty() && !listed.empty())
        throw std::invalid_argument(
            "no row of " + settings_.location + " has one of the labels '" + settings_.labels + "'" +
            (settings_.label_map.empty() ? "" : " after label-map '" + settings_.label_map + "'") +
            "; its labels: " + labels_of(listed));
    SplitSettings split;
    split.valid_speakers = split_list(settings_.valid_speakers);
    split.test_speakers = split_list(settings_.test_speakers);
    split.valid_fraction = settings_.valid_fraction;
    split.seed = settings_.seed;
    for (const auto& [names, role] :
         {std::make_pair(&split.valid_speakers, "validation"), std::make_pair(&split.test_speakers, "test")})
        for (const std::string& name : *names)
            if (!has_speaker(utterances_, name) && has_speaker(listed, name))
                throw std::invalid_argument(std::string(role) + " speaker '" + name +
                                            "' has no utterance with the labels '" + settings_.labels + "'");
    splits_ = assign_splits(utterances_, split);
}

std::array<unsigned, 3> Dataset::split_counts() const {
    std::array<unsigned, 3> counts{0, 0, 0};
    for (Split s : splits_) counts[static_cast<int>(s)]++;
    return counts;
}

std::vector<size_t> Dataset::epoch_order(unsigned epoch) const {
    std::vector<size_t> order;
    for (Split part : {Split::Train, Split::Valid, Split::Test}) {
        if (std::find(settings_.played.begin(), settings_.played.end(), part) == settings_.played.end())
            continue;
        std::vector<size_t> members;
        for (size_t i = 0; i < utterances_.size(); ++i)
            if (splits_[i] == part) members.push_back(i);
        if (part == Split::Train && settings_.shuffle) {
            for (size_t p : shuffled_order(members.size(), settings_.seed, epoch))
                order.push_back(members[p]);
        } else {
            order.insert(order.end(), members.begin(), members.end());
        }
    }
    return order;
}

DatasetDescription Dataset::describe() const {
    DatasetDescription d;
    std::set<std::string> seen_labels, speakers, genders;
    for (size_t i = 0; i < utterances_.size(); ++i) {
        const io::Utterance& u = utterances_[i];
        if (!u.emotion.empty()) seen_labels.insert(u.emotion);
        if (splits_[i] == Split::Train) {
            d.train_utterances++;
            if (!u.speaker.empty()) speakers.insert(u.speaker);
            if (!u.gender.empty()) genders.insert(u.gender);
        } else if (splits_[i] == Split::Valid) {
            d.valid_utterances++;
        }
    }
    d.labels = split_list(settings_.labels);
    if (d.labels.empty()) d.labels.assign(seen_labels.begin(), seen_labels.end());
    d.speakers.assign(speakers.begin(), speakers.end());
    d.genders.assign(genders.begin(), genders.end());
    d.dataset = settings_.location;
    d.protocol = "speaker-independent splits; valid-speakers=" + settings_.valid_speakers +
                 "; test-speakers=" + settings_.test_speakers +
                 "; valid-fraction=" + std::to_string(settings_.valid_fraction) +
                 "; seed=" + std::to_string(settings_.seed) + (settings_.shuffle ? "; shuffled" : "") +
                 (settings_.label_map.empty() ? "" : "; label-map=" + settings_.label_map);
    d.epochs = static_cast<int>(settings_.epochs);
    return d;
}

std::string Dataset::utterance_id(size_t index, unsigned epoch) const {
    std::string id = std::filesystem::path(utterances_[index].path).filename().string();
    const size_t dot = id.rfind('.');
    if (dot != std::string::npos && dot > 0) id.erase(dot);
    std::replace(id.begin(), id.end(), '.', '_');
    if (settings_.epochs > 1) id += "@" + std::to_string(epoch);
    return id;
}

} // namespace emotion::train
