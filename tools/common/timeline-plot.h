// The timeline picture of emotion-analyze --plot (cairo PNG): the audio's level envelope, the
// speech segments coloured by emotion with their confidence as opacity, a legend, arousal and
// valence curves when the results carry them, and a time axis in mm:ss (h:mm:ss from one hour).
// No GStreamer here: tools/analyze/timeline-recorder.cpp fills a Timeline from a pipeline.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emotion::tools {

// Peak and mean square of the audio over equal spans of samples. When `max_buckets` are full,
// neighbours merge pairwise and the span doubles: memory and drawing time stay bounded for any
// duration (spans of 1 ms at the start; 10 hours at 16 kHz end as about 2200 spans of 16.4 s).
class LevelEnvelope {
public:
    struct Bucket {
        float peak = 0.0f; // largest |sample|
        double sum_squares = 0.0;
        std::uint64_t samples = 0;
    };

    explicit LevelEnvelope(int sample_rate, std::size_t max_buckets = 4096, std::size_t first_span = 16);

    void add(const float* samples, std::size_t n);
    int sample_rate() const { return rate_; }
    double seconds() const { return double(total_) / rate_; }
    double bucket_seconds() const { return double(span_) / rate_; }
    // Full buckets, then the one being filled (if it has samples).
    std::vector<Bucket> buckets() const;
    std::size_t max_buckets() const { return max_buckets_; }

private:
    void merge_pairs();

    int rate_;
    std::size_t max_buckets_, span_;
    std::vector<Bucket> full_;
    Bucket current_;
    std::uint64_t total_ = 0;
};

struct TimelineSegment {
    double start = 0.0, end = 0.0; // seconds
    std::string label;
    double confidence = 0.0;
    std::optional<double> arousal, valence;
};

struct Timeline {
    std::string title;
    std::optional<LevelEnvelope> envelope;
    std::vector<TimelineSegment> segments;
};

// Where things are on the picture, for the drawing and for tests that read pixels back.
struct TimelineLayout {
    int width = 1200, height = 0;
    double left = 80, right = 1170;         // the time axis spans [left, right]
    double wave_top = 0, wave_bottom = 0;   // level envelope
    double band_top = 0, band_bottom = 0;   // segments coloured by emotion
    bool curves = false;                    // arousal / valence panel
    double curve_top = 0, curve_bottom = 0; // its value range is [curve_min, curve_max]
    double curve_min = -1.0, curve_max = 1.0;
    double duration = 1.0; // seconds at `right`

    double x_of(double seconds) const { return left + seconds / duration * (right - left); }
    double curve_y(double value) const {
        return curve_bottom - (value - curve_min) / (curve_max - curve_min) * (curve_bottom - curve_top);
    }
};

TimelineLayout timeline_layout(const Timeline& timeline);

// The fixed colour of a label (angry red, happy orange, neutral grey, sad blue; a few synonyms such
// as anger, happiness, sadness the same); any other label takes the palette's colour `other_index`.
std::array<double, 3> emotion_colour(const std::string& label, std::size_t other_index);
// Opacity of a segment: 0.2 + 0.8 * confidence, so a chance-level result stays visible but faint.
double confidence_opacity(double confidence);

// Tick spacing on the time axis for `duration` seconds: a round step (0.1 s ... 6 h) giving at
// most ten intervals; and a time as the axis writes it (mm:ss, mm:ss.s below 1 s steps, h:mm:ss
// when the axis reaches an hour).
double time_tick_step(double duration);
std::string clock_label(double seconds, double step, double duration);

// Draws the picture; throws std::runtime_error when the PNG cannot be written.
void plot_timeline(const std::string& path, const Timeline& timeline);

} // namespace emotion::tools
