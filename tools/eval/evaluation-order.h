// emotion-eval --order: the order in which a speaker-normalised model (README "Normalisation")
// hears the evaluated utterances, which sets the statistics each one is read with:
//   shuffled  the source's seeded shuffle (the default; speakers' utterances interleaved),
//   manifest  the manifest's order (in datasets, often each speaker's neutral utterances first),
//   alone     each utterance as if it were the only one heard of its speaker: what a user who
//             tags one short file gets (the warm-up case).
// Models normalised per segment give the same results in every order.
#pragma once

#include <string>

#include "dataset-pipelines.h"

namespace emotion::tools {

enum class EvaluationOrder { Shuffled, Manifest, Alone };

// std::invalid_argument for another name.
EvaluationOrder evaluation_order(const std::string& name);

// The dataset options (and split) that play `data`'s utterances of `split` in `order`. Alone
// writes the selected utterances to `work_dir`/alone.jsonl, each its own speaker (its path), in
// the manifest's order; std::invalid_argument for a split other than "all" or "test".
pipelines::DatasetOptions ordered_dataset(const pipelines::DatasetOptions& data, std::string& split,
                                          EvaluationOrder order, const std::string& work_dir);

} // namespace emotion::tools
