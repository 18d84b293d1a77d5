// PNG plots of training runs, drawn with cairo: learning curves and confusion matrices.
#pragma once

#include <string>
#include <vector>

#include "dataset-pipelines.h"

namespace emotion::tools {

// Losses (train and validation of the emotion head; the training loss with auxiliary tasks
// apart when there are any) and accuracies (train, validation WA and UA) per epoch, round ticks,
// the best epoch (0-based as the run reports it; -1: none) marked.
void plot_learning_curves(const std::string& path, const std::vector<pipelines::EpochRecord>& epochs,
                          const std::string& title, int best_epoch);
// Counts with row-normalised shading (rows = true class).
void plot_confusion(const std::string& path, const std::vector<std::string>& labels,
                    const std::vector<std::vector<int>>& matrix, const std::string& title);

} // namespace emotion::tools
