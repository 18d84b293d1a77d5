#include "plots.h"

#include <algorithm>
#include <cmath>

#include <cairo.h>

#include "canvas.h"

namespace emotion::tools {

namespace {

struct Series {
    std::string name;
    std::vector<double> values;
    double r, g, b;
};

// One panel: axes, ticks, the series as lines with dots, and a legend. The x ticks count epochs
// from `first_epoch` (1-based, as emotion-train prints them).
void panel(cairo_t* cr, double x0, double y0, double w, double h, const std::vector<Series>& series,
           const std::string& ylabel, double ymin, double ymax, int first_epoch) {
    size_t n = 0;
    for (const auto& s : series) n = std::max(n, s.values.size());
    if (ymax <= ymin) ymax = ymin + 1.0;
    auto px = [&](double i) { return x0 + (n > 1 ? i / (n - 1) : 0.5) * w; };
    auto py = [&](double v) { return y0 + h - (v - ymin) / (ymax - ymin) * h; };

    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, x0, y0, w, h);
    cairo_stroke(cr);
    for (int k = 0; k <= 4; ++k) {
        double v = ymin + (ymax - ymin) * k / 4.0;
        char label[32];
        std::snprintf(label, sizeof label, "%.2f", v);
        text(cr, x0 - 42, py(v) + 4, label, 11);
        cairo_set_source_rgba(cr, 0, 0, 0, 0.1);
        cairo_move_to(cr, x0, py(v));
        cairo_line_to(cr, x0 + w, py(v));
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    }
    for (size_t i = 0; i < n; i += std::max<size_t>(1, n / 10)) {
        text(cr, px(i), y0 + h + 16, std::to_string(first_epoch + int(i)), 11, true);
    }
    text(cr, x0 + w / 2, y0 + h + 34, "epoch", 12, true);
    text(cr, x0, y0 - 8, ylabel, 13);

    double legend_y = y0 + 16;
    for (const auto& s : series) {
        if (s.values.empty()) continue;
        cairo_set_source_rgb(cr, s.r, s.g, s.b);
        cairo_set_line_width(cr, 2.0);
        for (size_t i = 0; i < s.values.size(); ++i) {
            if (i == 0)
                cairo_move_to(cr, px(i), py(s.values[i]));
            else
                cairo_line_to(cr, px(i), py(s.values[i]));
        }
        cairo_stroke(cr);
        for (size_t i = 0; i < s.values.size(); ++i) {
            cairo_arc(cr, px(i), py(s.values[i]), 2.5, 0, 2 * M_PI);
            cairo_fill(cr);
        }
        cairo_rectangle(cr, x0 + w - 150, legend_y - 8, 14, 4);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, x0 + w - 130, legend_y, s.name, 11);
        legend_y += 16;
    }
}

} // namespace

void plot_learning_curves(const std::string& path, const std::vector<pipelines::EpochRecord>& epochs,
                          const std::string& title) {
    Canvas canvas(1000, 420, title, 15);
    cairo_t* cr = canvas.cr();

    Series train_loss{"train loss", {}, 0.12, 0.47, 0.71},
        valid_loss{"validation loss", {}, 0.84, 0.15, 0.16};
    Series train_acc{"train accuracy", {}, 0.12, 0.47, 0.71}, wa{"validation WA", {}, 1.0, 0.5, 0.05},
        ua{"validation UA", {}, 0.17, 0.63, 0.17};
    double loss_max = 0.0;
    for (const auto& e : epochs) {
        train_loss.values.push_back(e.train_loss);
        train_acc.values.push_back(e.train_accuracy);
        loss_max = std::max(loss_max, e.train_loss);
        if (e.has_validation) {
            valid_loss.values.push_back(e.valid_loss);
            wa.values.push_back(e.wa);
            ua.values.push_back(e.ua);
            loss_max = std::max(loss_max, e.valid_loss);
        }
    }
    const int first = epochs.empty() ? 1 : epochs.front().epoch + 1;
    panel(cr, 70, 60, 380, 300, {train_loss, valid_loss}, "loss", 0.0, loss_max * 1.05, first);
    panel(cr, 570, 60, 380, 300, {train_acc, wa, ua}, "accuracy", 0.0, 1.0, first);
    canvas.write_png(path);
}

void plot_confusion(const std::string& path, const std::vector<std::string>& labels,
                    const std::vector<std::vector<int>>& matrix, const std::string& title) {
    const int k = static_cast<int>(labels.size()), cell = 80, left = 130, top = 90;
    Canvas canvas(left + k * cell + 40, top + k * cell + 60, title, 14);
    cairo_t* cr = canvas.cr();
    text(cr, left + k * cell / 2.0, top - 36, "predicted", 12, true);
    for (int t = 0; t < k; ++t) {
        int row_sum = 0;
        for (int p = 0; p < k; ++p) row_sum += matrix[t][p];
        for (int p = 0; p < k; ++p) {
            double share = row_sum ? double(matrix[t][p]) / row_sum : 0.0;
            cairo_set_source_rgb(cr, 1.0 - 0.8 * share, 1.0 - 0.55 * share, 1.0 - 0.2 * share);
            cairo_rectangle(cr, left + p * cell, top + t * cell, cell - 2, cell - 2);
            cairo_fill(cr);
            cairo_set_source_rgb(cr, share > 0.6 ? 1 : 0, share > 0.6 ? 1 : 0, share > 0.6 ? 1 : 0);
            char value[48];
            std::snprintf(value, sizeof value, "%d", matrix[t][p]);
            text(cr, left + p * cell + cell / 2.0, top + t * cell + cell / 2.0, value, 16, true);
            std::snprintf(value, sizeof value, "%.0f%%", 100 * share);
            text(cr, left + p * cell + cell / 2.0, top + t * cell + cell / 2.0 + 18, value, 10, true);
        }
        cairo_set_source_rgb(cr, 0, 0, 0);
        text(cr, 10, top + t * cell + cell / 2.0 + 5, labels[t], 13);
        text(cr, left + t * cell + cell / 2.0, top - 10, labels[t], 12, true);
    }
    text(cr, 10, top - 10, "true \\ pred", 11);
    canvas.write_png(path);
}

} // namespace emotion::tools
