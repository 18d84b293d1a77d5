// Classification metrics of emotion recognition, from a confusion matrix:
//   WA  weighted accuracy = plain accuracy
//   UA  unweighted accuracy = mean per-class recall over the classes present in the truth
//   MAF macro F1 and MAP macro precision, averaged over the classes that occur in the truth or
//       the predictions (scikit-learn's "macro" convention; an undefined precision counts 0)
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace emotion::train {

class ConfusionMatrix {
public:
    explicit ConfusionMatrix(std::vector<std::string> labels);

    const std::vector<std::string>& labels() const { return labels_; }
    int classes() const { return static_cast<int>(labels_.size()); }
    void add(int truth, int predicted, int count = 1);
    void merge(const ConfusionMatrix& other); // same labels
    int count(int truth, int predicted) const { return counts_[truth * classes() + predicted]; }
    int total() const;
    int support(int truth) const;   // row sum
    int predicted(int label) const; // column sum

    double weighted_accuracy() const;
    double unweighted_accuracy() const;
    double macro_f1() const;
    double macro_precision() const;
    std::vector<double> recall() const;    // NaN-free: 0 for classes without support
    std::vector<double> precision() const; // 0 for classes never predicted

    // {"labels", "matrix" (rows = truth), "wa", "ua", "macro_f1", "macro_precision",
    //  "recall" {label: r}, "precision", "support", "total"}
    nlohmann::json to_json() const;
    // Fixed-width text table for terminals and logs.
    std::string to_text() const;

private:
    std::vector<bool> counted_classes() const; // in truth or predictions
    std::vector<std::string> labels_;
    std::vector<int> counts_;
};

} // namespace emotion::train
