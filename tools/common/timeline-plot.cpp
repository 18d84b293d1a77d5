#include "timeline-plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include <cairo.h>

#include "canvas.h"

namespace emotion::tools {

LevelEnvelope::LevelEnvelope(int sample_rate, std::size_t max_buckets, std::size_t first_span)
    : rate_(sample_rate), max_buckets_(std::max<std::size_t>(2, max_buckets & ~std::size_t(1))),
      span_(std::max<std::size_t>(1, first_span)) {
    if (sample_rate <= 0) throw std::invalid_argument("level envelope: sample rate must be positive");
    full_.reserve(max_buckets_);
}

void LevelEnvelope::add(const float* samples, std::size_t n) {
    std::size_t i = 0;
    while (i < n) {
        const std::size_t take = std::min<std::size_t>(n - i, span_ - current_.samples);
        float peak = current_.peak;
        double sum = 0.0;
        for (std::size_t k = i; k < i + take; ++k) {
            const float v = samples[k];
            peak = std::max(peak, std::fabs(v));
            sum += double(v) * v;
        }
        current_.peak = peak;
        current_.sum_squares += sum;
        current_.samples += take;
        total_ += take;
        i += take;
        if (current_.samples == span_) {
            full_.push_back(current_);
            current_ = Bucket{};
            if (full_.size() == max_buckets_) merge_pairs();
        }
    }
}

void LevelEnvelope::merge_pairs() {
    for (std::size_t k = 0; k < full_.size() / 2; ++k) {
        const Bucket &a = full_[2 * k], &b = full_[2 * k + 1];
        full_[k] = Bucket{std::max(a.peak, b.peak), a.sum_squares + b.sum_squares, a.samples + b.samples};
    }
    full_.resize(full_.size() / 2);
    span_ *= 2;
}

std::vector<LevelEnvelope::Bucket> LevelEnvelope::buckets() const {
    std::vector<Bucket> all = full_;
    if (current_.samples > 0) all.push_back(current_);
    return all;
}

namespace {

constexpr double kArousalColour[3] = {0.1, 0.1, 0.1};
constexpr double kValenceColour[3] = {0.58, 0.40, 0.74};
// labels without a fixed colour, in order of first appearance
constexpr double kPalette[][3] = {{0.17, 0.63, 0.17}, {0.55, 0.34, 0.29}, {0.89, 0.47, 0.76},
                                  {0.74, 0.74, 0.13}, {0.09, 0.75, 0.81}, {0.58, 0.40, 0.74}};

const std::map<std::string, std::array<double, 3>>& fixed_colours() {
    static const std::map<std::string, std::array<double, 3>> colours = {
        {"angry", {0.84, 0.15, 0.16}},  {"anger", {0.84, 0.15, 0.16}},   {"happy", {1.0, 0.6, 0.0}},
        {"happiness", {1.0, 0.6, 0.0}}, {"joy", {1.0, 0.6, 0.0}},        {"neutral", {0.5, 0.5, 0.5}},
        {"sad", {0.12, 0.47, 0.71}},    {"sadness", {0.12, 0.47, 0.71}},
    };
    return colours;
}

// Legend order: the four fixed labels first (angry, happy, neutral, sad), then the others as they
// first appear; each label's colour.
struct LabelColours {
    std::vector<std::string> order;
    std::map<std::string, std::array<double, 3>> colour;
};

LabelColours label_colours(const std::vector<TimelineSegment>& segments) {
    LabelColours lc;
    std::vector<std::string> fixed, others;
    for (const auto& s : segments) {
        if (lc.colour.count(s.label)) continue;
        const bool is_fixed = fixed_colours().count(s.label) > 0;
        lc.colour[s.label] = emotion_colour(s.label, others.size());
        (is_fixed ? fixed : others).push_back(s.label);
    }
    const std::vector<std::string> rank = {"angry", "anger",   "happy", "happiness",
                                           "joy",   "neutral", "sad",   "sadness"};
    std::sort(fixed.begin(), fixed.end(), [&](const std::string& a, const std::string& b) {
        return std::find(rank.begin(), rank.end(), a) < std::find(rank.begin(), rank.end(), b);
    });
    lc.order = fixed;
    lc.order.insert(lc.order.end(), others.begin(), others.end());
    return lc;
}

void frame(cairo_t* cr, double x0, double y0, double x1, double y1) {
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    cairo_stroke(cr);
}

void draw_legend(cairo_t* cr, const TimelineLayout& l, const LabelColours& lc, bool arousal, bool valence) {
    double x = l.left;
    const double y = 48;
    auto item = [&](const std::string& name, const double* rgb, bool line) {
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        if (line)
            cairo_rectangle(cr, x, y - 6, 16, 2.5);
        else
            cairo_rectangle(cr, x, y - 10, 16, 11);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text(cr, x + 21, y, name, 12);
        cairo_text_extents_t e;
        cairo_text_extents(cr, name.c_str(), &e);
        x += 21 + e.x_advance + 18;
    };
    for (const auto& label : lc.order) item(label, lc.colour.at(label).data(), false);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    text(cr, x, y, "(opacity = confidence)", 11);
    cairo_text_extents_t e;
    cairo_text_extents(cr, "(opacity = confidence)", &e);
    x += e.x_advance + 24;
    if (arousal) item("arousal", kArousalColour, true);
    if (valence) item("valence", kValenceColour, true);
}

void draw_envelope(cairo_t* cr, const TimelineLayout& l, const LevelEnvelope& envelope) {
    const auto buckets = envelope.buckets();
    float top = 0.0f;
    for (const auto& b : buckets) top = std::max(top, b.peak);
    if (top <= 0.0f) top = 1.0f; // silence: a flat line
    const double mid = (l.wave_top + l.wave_bottom) / 2, half = (l.wave_bottom - l.wave_top) / 2 * 0.95;
    double t = 0.0;
    for (int pass = 0; pass < 2; ++pass) { // peak in light grey, RMS over it in dark grey
        cairo_set_source_rgb(cr, pass ? 0.35 : 0.72, pass ? 0.35 : 0.72, pass ? 0.35 : 0.72);
        t = 0.0;
        for (const auto& b : buckets) {
            const double t1 = t + double(b.samples) / envelope.sample_rate();
            const double x0 = l.x_of(t), x1 = std::max(l.x_of(t1), x0 + 0.6);
            const double level =
                pass ? std::sqrt(b.sum_squares / std::max<std::uint64_t>(1, b.samples)) : b.peak;
            const double h = std::max(0.5, level / top * half);
            cairo_rectangle(cr, x0, mid - h, x1 - x0, 2 * h);
            t = t1;
        }
        cairo_fill(cr);
    }
}

void draw_curve(cairo_t* cr, const TimelineLayout& l, const std::vector<TimelineSegment>& segments,
                std::optional<double> TimelineSegment::*field, const double* rgb) {
    std::vector<std::pair<double, double>> points;
    for (const auto& s : segments)
        if ((s.*field).has_value()) points.emplace_back((s.start + s.end) / 2, *(s.*field));
    std::sort(points.begin(), points.end());
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_set_line_width(cr, 2.0);
    for (std::size_t i = 0; i < points.size(); ++i) {
        const double x = l.x_of(points[i].first), y = l.curve_y(points[i].second);
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    cairo_stroke(cr);
    if (points.size() > 2000) return; // dots only where they can be told apart
    for (const auto& p : points) {
        cairo_arc(cr, l.x_of(p.first), l.curve_y(p.second), 2.5, 0, 2 * M_PI);
        cairo_fill(cr);
    }
}

void draw_time_axis(cairo_t* cr, const TimelineLayout& l, double axis_y) {
    const double step = time_tick_step(l.duration);
    cairo_set_line_width(cr, 1.0);
    for (int k = 0; k * step <= l.duration * (1 + 1e-9); ++k) {
        const double t = k * step, x = l.x_of(t);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        cairo_move_to(cr, x, axis_y);
        cairo_line_to(cr, x, axis_y + 5);
        cairo_stroke(cr);
        text(cr, x, axis_y + 18, clock_label(t, step, l.duration), 11, true);
    }
    text(cr, (l.left + l.right) / 2, axis_y + 36, l.duration >= 3600 ? "time (h:mm:ss)" : "time (mm:ss)", 12,
         true);
}

} // namespace

std::array<double, 3> emotion_colour(const std::string& label, std::size_t other_index) {
    auto it = fixed_colours().find(label);
    if (it != fixed_colours().end()) return it->second;
    const auto& c = kPalette[other_index % (sizeof kPalette / sizeof kPalette[0])];
    return {c[0], c[1], c[2]};
}

double confidence_opacity(double confidence) { return 0.2 + 0.8 * std::clamp(confidence, 0.0, 1.0); }

double time_tick_step(double duration) {
    static const double steps[] = {0.1, 0.2, 0.5, 1,   2,    5,    10,   15,    30,   60,
                                   120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600};
    for (double step : steps)
        if (duration / step <= 10.0) return step;
    return std::ceil(duration / 10.0 / 21600) * 21600;
}

std::string clock_label(double seconds, double step, double duration) {
    char s[48];
    if (duration >= 3600) {
        const long t = std::lround(seconds);
        std::snprintf(s, sizeof s, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    } else if (step < 1.0) {
        const long tenths = std::lround(seconds * 10);
        std::snprintf(s, sizeof s, "%02ld:%02ld.%ld", tenths / 600, tenths / 10 % 60, tenths % 10);
    } else {
        const long t = std::lround(seconds);
        std::snprintf(s, sizeof s, "%02ld:%02ld", t / 60, t % 60);
    }
    return s;
}

TimelineLayout timeline_layout(const Timeline& timeline) {
    TimelineLayout l;
    l.duration = timeline.envelope ? timeline.envelope->seconds() : 0.0;
    std::vector<double> values;
    for (const auto& s : timeline.segments) {
        l.duration = std::max(l.duration, s.end);
        if (s.arousal) values.push_back(*s.arousal);
        if (s.valence) values.push_back(*s.valence);
    }
    if (l.duration <= 0.0) l.duration = 1.0;
    l.wave_top = 64;
    l.wave_bottom = 204;
    l.band_top = 214;
    l.band_bottom = 254;
    double bottom = l.band_bottom;
    l.curves = !values.empty();
    if (l.curves) {
        l.curve_top = bottom + 14;
        l.curve_bottom = l.curve_top + 120;
        bottom = l.curve_bottom;
        const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
        if (*lo >= 0.0 && *hi <= 1.0) {
            l.curve_min = 0.0, l.curve_max = 1.0;
        } else if (*lo >= -1.0 && *hi <= 1.0) {
            l.curve_min = -1.0, l.curve_max = 1.0;
        } else { // another scale: the data's range
            const double pad = std::max(1e-6, (*hi - *lo) * 0.05);
            l.curve_min = *lo - pad, l.curve_max = *hi + pad;
        }
    }
    l.height = int(bottom) + 56;
    return l;
}

void plot_timeline(const std::string& path, const Timeline& timeline) {
    const TimelineLayout l = timeline_layout(timeline);
    Canvas canvas(l.width, l.height, timeline.title, 15);
    cairo_t* cr = canvas.cr();
    const LabelColours lc = label_colours(timeline.segments);
    bool arousal = false, valence = false;
    for (const auto& s : timeline.segments)
        arousal |= s.arousal.has_value(), valence |= s.valence.has_value();
    draw_legend(cr, l, lc, arousal, valence);

    // segments: a light tint behind the envelope, full strength in the band below it
    for (const auto& s : timeline.segments) {
        const auto& c = lc.colour.at(s.label);
        const double x0 = l.x_of(s.start), w = std::max(1.0, l.x_of(s.end) - x0);
        const double alpha = confidence_opacity(s.confidence);
        cairo_set_source_rgba(cr, c[0], c[1], c[2], 0.25 * alpha);
        cairo_rectangle(cr, x0, l.wave_top, w, l.wave_bottom - l.wave_top);
        cairo_fill(cr);
        cairo_set_source_rgba(cr, c[0], c[1], c[2], alpha);
        cairo_rectangle(cr, x0, l.band_top, w, l.band_bottom - l.band_top);
        cairo_fill(cr);
    }
    if (timeline.envelope) draw_envelope(cr, l, *timeline.envelope);
    frame(cr, l.left, l.wave_top, l.right, l.wave_bottom);
    frame(cr, l.left, l.band_top, l.right, l.band_bottom);
    text(cr, 8, (l.wave_top + l.wave_bottom) / 2 + 4, "level", 12);
    text(cr, 8, (l.band_top + l.band_bottom) / 2 + 4, "emotion", 12);

    if (l.curves) {
        frame(cr, l.left, l.curve_top, l.right, l.curve_bottom);
        for (double v : {l.curve_min, (l.curve_min + l.curve_max) / 2, l.curve_max}) {
            char label[32];
            std::snprintf(label, sizeof label, "%.2g", std::fabs(v) < 1e-9 ? 0.0 : v);
            cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
            text(cr, l.left - 30, l.curve_y(v) + 4, label, 10);
            cairo_set_source_rgba(cr, 0, 0, 0, 0.1);
            cairo_move_to(cr, l.left, l.curve_y(v));
            cairo_line_to(cr, l.right, l.curve_y(v));
            cairo_stroke(cr);
        }
        if (arousal) draw_curve(cr, l, timeline.segments, &TimelineSegment::arousal, kArousalColour);
        if (valence) draw_curve(cr, l, timeline.segments, &TimelineSegment::valence, kValenceColour);
    }
    draw_time_axis(cr, l, l.curves ? l.curve_bottom : l.band_bottom);
    canvas.write_png(path);
}

} // namespace emotion::tools
