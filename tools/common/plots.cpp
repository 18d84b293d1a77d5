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

// A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `parts`.
double round_step(double span, int parts) {
    const double raw = span / parts;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * power >= raw * 0.999) return m * power;
    return 10.0 * power;
}

// One panel: axes, round ticks, the series as lines with dots, a legend, and the best epoch
// (index into the series, -1: none) as a dashed line. The x ticks count epochs from
// `first_epoch` (1-based, as emotion-train prints them). The y axis runs from ymin to ymax
// rounded up to a tick.
void panel(cairo_t* cr, double x0, double y0, double w, double h, const std::vector<Series>& series,
           const std::string& ylabel, double ymin, double ymax, int first_epoch, int best) {
    size_t n = 0;
    for (const auto& s : series) n = std::max(n, s.values.size());
    if (ymax <= ymin) ymax = ymin + 1.0;
    const double ystep = round_step(ymax - ymin, 5);
    ymax = ymin + std::ceil((ymax - ymin) / ystep - 1e-9) * ystep;
    auto px = [&](double i) { return x0 + (n > 1 ? i / (n - 1) : 0.5) * w; };
    auto py = [&](double v) { return y0 + h - (v - ymin) / (ymax - ymin) * h; };

    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, x0, y0, w, h);
    cairo_stroke(cr);
    const int yticks = static_cast<int>(std::lround((ymax - ymin) / ystep));
    for (int k = 0; k <= yticks; ++k) {
        double v = ymin + ystep * k;
        char label[32];
        std::snprintf(label, sizeof label, ystep < 0.1 ? "%.2f" : ystep < 1 ? "%.1f" : "%.0f", v);
        text(cr, x0 - 42, py(v) + 4, label, 11);
        cairo_set_source_rgba(cr, 0, 0, 0, 0.1);
        cairo_move_to(cr, x0, py(v));
        cairo_line_to(cr, x0 + w, py(v));
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    }
    // epoch ticks on round numbers (1, 2, 5, 10, ... apart), counted as people count
    const int xstep = std::max(1, static_cast<int>(std::lround(round_step(std::max<double>(1, n), 8))));
    for (int epoch = first_epoch; epoch < first_epoch + int(n); ++epoch)
        if (epoch % xstep == 0 || (xstep == 1))
            text(cr, px(epoch - first_epoch), y0 + h + 16, std::to_string(epoch), 11, true);
    if (best >= 0 && best < int(n)) {
        const double dashes[] = {5.0, 4.0};
        cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
        cairo_set_dash(cr, dashes, 2, 0);
        const double x = std::floor(px(best)) + 0.5; // a sharp 1-pixel line
        cairo_move_to(cr, x, y0);
        cairo_line_to(cr, x, y0 + h);
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
        text(cr, px(best) + 4, y0 + h - 6, "best: epoch " + std::to_string(first_epoch + best), 11);
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
                          const std::string& title, int best_epoch) {
    Canvas canvas(1000, 420, title, 15);
    cairo_t* cr = canvas.cr();

    // The emotion head's training loss is what the validation loss compares with; a model with
    // auxiliary heads (M1: speaker, gender) trains on their sum, drawn apart.
    Series train_loss{"train loss (emotion)", {}, 0.12, 0.47, 0.71},
        valid_loss{"validation loss", {}, 0.84, 0.15, 0.16},
        total_loss{"train loss + auxiliary tasks", {}, 0.6, 0.6, 0.6};
    Series train_acc{"train accuracy", {}, 0.12, 0.47, 0.71}, wa{"validation WA", {}, 1.0, 0.5, 0.05},
        ua{"validation UA", {}, 0.17, 0.63, 0.17};
    double loss_max = 0.0;
    bool auxiliary = false;
    for (const auto& e : epochs) {
        train_loss.values.push_back(e.train_emotion_loss);
        total_loss.values.push_back(e.train_loss);
        auxiliary = auxiliary || std::fabs(e.train_loss - e.train_emotion_loss) > 1e-6;
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
    const int best = best_epoch >= 0 ? best_epoch + 1 - first : -1;
    std::vector<Series> losses = {train_loss, valid_loss};
    if (auxiliary) losses.push_back(total_loss);
    panel(cr, 70, 60, 380, 300, losses, "loss", 0.0, loss_max * 1.05, first, best);
    panel(cr, 570, 60, 380, 300, {train_acc, wa, ua}, "accuracy", 0.0, 1.0, first, best);
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
