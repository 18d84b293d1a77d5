// Synthetic audio-text pairs for exercising M4's text path: every utterance of a speech manifest
// gets a sentence of a labelled text corpus that carries the utterance's own emotion (EmoDB audio
// with GoEmotions sentences, for example). No corpus here pairs real emotional speech with real
// emotional text; results on such pairs measure the text path, not real multimodal accuracy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/manifest.h"
#include "io/text_corpus.h"
#include "train/dataset_plan.h"

namespace emotion::train {

struct PairingReport {
    std::vector<int> used_per_label;      // sentences given out per label
    std::vector<int> available_per_label; // sentences of the corpus per label
    int dropped = 0;                      // utterances whose emotion the policy filters out
};

// The utterances the policy keeps, labelled with their mapped emotion and with `text` replaced
// by a sentence of that label. Sentences are drawn without replacement in a seeded random order
// per label, so no sentence appears twice (a test utterance never shares its sentence with a
// training one). std::invalid_argument when a label has fewer sentences than utterances.
std::vector<io::Utterance> pair_with_texts(const std::vector<io::Utterance>& utterances,
                                           const LabelPolicy& policy,
                                           const std::vector<io::LabelledText>& texts,
                                           const std::vector<std::string>& labels, uint64_t seed,
                                           PairingReport* report);

} // namespace emotion::train
