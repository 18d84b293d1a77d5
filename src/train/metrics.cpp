#include "train/metrics.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace emotion::train {

ConfusionMatrix::ConfusionMatrix(std::vector<std::string> labels)
    : labels_(std::move(labels)), counts_(labels_.size() * labels_.size(), 0) {}

void ConfusionMatrix::add(int truth, int predicted, int count) {
    if (truth < 0 || truth >= classes() || predicted < 0 || predicted >= classes())
        throw std::out_of_range("confusion matrix: class id out of range");
    counts_[truth * classes() + predicted] += count;
}

void ConfusionMatrix::merge(const ConfusionMatrix& other) {
    if (other.labels_ != labels_) throw std::invalid_argument("confusion matrices with different labels");
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

int ConfusionMatrix::total() const {
    int sum = 0;
    for (int c : counts_) sum += c;
    return sum;
}

int ConfusionMatrix::support(int truth) const {
    int sum = 0;
    for (int p = 0; p < classes(); ++p) sum += count(truth, p);
    return sum;
}

int ConfusionMatrix::predicted(int label) const {
    int sum = 0;
    for (int t = 0; t < classes(); ++t) sum += count(t, label);
    return sum;
}

double ConfusionMatrix::weighted_accuracy() const {
    int correct = 0;
    for (int k = 0; k < classes(); ++k) correct += count(k, k);
    return total() ? static_cast<double>(correct) / total() : 0.0;
}

std::vector<double> ConfusionMatrix::recall() const {
    std::vector<double> out(classes(), 0.0);
    for (int k = 0; k < classes(); ++k)
        if (support(k)) out[k] = static_cast<double>(count(k, k)) / support(k);
    return out;
}

std::vector<double> ConfusionMatrix::precision() const {
    std::vector<double> out(classes(), 0.0);
    for (int k = 0; k < classes(); ++k)
        if (predicted(k)) out[k] = static_cast<double>(count(k, k)) / predicted(k);
    return out;
}

double ConfusionMatrix::unweighted_accuracy() const {
    std::vector<double> r = recall();
    double sum = 0.0;
    int present = 0;
    for (int k = 0; k < classes(); ++k)
        if (support(k)) {
            sum += r[k];
            ++present;
        }
    return present ? sum / present : 0.0;
}

std::vector<bool> ConfusionMatrix::counted_classes() const {
    std::vector<bool> out(classes());
    for (int k = 0; k < classes(); ++k) out[k] = support(k) > 0 || predicted(k) > 0;
    return out;
}

double ConfusionMatrix::macro_precision() const {
    std::vector<double> p = precision();
    std::vector<bool> counted = counted_classes();
    double sum = 0.0;
    int n = 0;
    for (int k = 0; k < classes(); ++k)
        if (counted[k]) {
            sum += p[k];
            ++n;
        }
    return n ? sum / n : 0.0;
}

double ConfusionMatrix::macro_f1() const {
    std::vector<double> p = precision(), r = recall();
    std::vector<bool> counted = counted_classes();
    double sum = 0.0;
    int n = 0;
    for (int k = 0; k < classes(); ++k) {
        if (!counted[k]) continue;
        sum += p[k] + r[k] > 0.0 ? 2.0 * p[k] * r[k] / (p[k] + r[k]) : 0.0;
        ++n;
    }
    return n ? sum / n : 0.0;
}

nlohmann::json ConfusionMatrix::to_json() const {
    nlohmann::json matrix = nlohmann::json::array();
    nlohmann::json recall_json, precision_json, support_json;
    std::vector<double> r = recall(), p = precision();
    for (int t = 0; t < classes(); ++t) {
        nlohmann::json row = nlohmann::json::array();
        for (int q = 0; q < classes(); ++q) row.push_back(count(t, q));
        matrix.push_back(row);
        recall_json[labels_[t]] = r[t];
        precision_json[labels_[t]] = p[t];
        support_json[labels_[t]] = support(t);
    }
    return {{"labels", labels_},         {"matrix", matrix},
            {"wa", weighted_accuracy()}, {"ua", unweighted_accuracy()},
            {"macro_f1", macro_f1()},    {"macro_precision", macro_precision()},
            {"recall", recall_json},     {"precision", precision_json},
            {"support", support_json},   {"total", total()}};
}

std::string ConfusionMatrix::to_text() const {
    size_t width = 6;
    for (const auto& label : labels_) width = std::max(width, label.size() + 1);
    std::string out = std::string(width, ' ');
    char cell[64];
    for (const auto& label : labels_) {
        std::snprintf(cell, sizeof cell, "%*s", static_cast<int>(width), label.c_str());
        out += cell;
    }
    out += "   recall\n";
    std::vector<double> r = recall();
    for (int t = 0; t < classes(); ++t) {
        std::snprintf(cell, sizeof cell, "%-*s", static_cast<int>(width), labels_[t].c_str());
        out += cell;
        for (int q = 0; q < classes(); ++q) {
            std::snprintf(cell, sizeof cell, "%*d", static_cast<int>(width), count(t, q));
            out += cell;
        }
        std::snprintf(cell, sizeof cell, "   %5.1f%%\n", 100.0 * r[t]);
        out += cell;
    }
    return out;
}

} // namespace emotion::train
