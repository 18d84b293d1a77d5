// Input normalisation by speaker for the LLD sequence models (M1, M3) and M2: the LLD models' own per-segment
// z-score (MODELS.md) removes each feature's level and range within a segment, which is where
// much of arousal lives (loud and high against quiet and low), and leaves nothing to tell a
// voice's habits from its emotion. With a model's config `"input_normalization": "speaker"` the
// model takes its frames as they come, and the classifier and the trainer give it frames
// z-scored with running statistics of the same speaker (the segment's `speaker` when the stream
// names one, else the whole stream), over the speech span of each segment. The same code runs in
// training and inference, so a model learns from what it will see: a speaker's first segment is
// normalised by itself alone, later ones by everything heard of that speaker (older frames fading
// with a horizon of about a minute of speech).
//
// The segment model (M2 `apcnn`) keeps its segments whole (the CNN reads 400 x 200) and its
// mu-law values as mulawspec makes them: each frequency row of an utterance's segments has the
// speaker's running mean of that row subtracted (per-speaker cepstral-style mean normalisation of
// the mu-law spectrogram; the mean only, as measured better than a z-score across corpora), the
// statistics taken over each segment's speech span only.
//
// Warm-up: a first segment normalised by itself alone loses its level and range, as in the
// per-segment model. Config keys (SpeakerStatisticsConfig) address that for the LLD models: a
// population prior that every speaker's statistics start from, and, in training, speakers
// forgotten at random so that the model learns to read first segments too. apcnn's config refuses
// them (its rows' prior and first-utterance reading were never built or measured).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace emotion::models {

enum class InputNormalization {
    Segment, // the paper's: per-segment z-score inside the model
    Speaker, // running per-speaker (or per-stream) z-score, outside the model
};

// The model config's "input_normalization" ("segment" when absent); std::invalid_argument for
// another value.
InputNormalization input_normalization(const nlohmann::json& config);
const char* input_normalization_name(InputNormalization normalization);
// What a model file records as its "normalisation" for a speaker-normalised model.
extern const char* const kSpeakerNormalisation;
// The same for a speaker-normalised mu-law segment model (M2).
extern const char* const kSpeakerMulawNormalisation;

// The speech span [begin, end) of a segment's LLD frames: from the first to the last frame whose
// energy (LLD 1) is within 30 dB of the segment's loudest, widened around it to `min_frames`
// when the segment has them. Datasets' utterances come with silence around the speech (up to
// half of a RAVDESS file), whose frames would otherwise weigh in the statistics and the model.
struct FrameSpan {
    int begin = 0, end = 0;
};
FrameSpan speech_span(const float* frames, int count, int frame_size, int min_frames);

// The speech span of a mu-law segment ([400 rows (frequency), 200 columns (frames)], dsp/mulaw.h)
// by the same 30 dB rule. A frame's energy comes from its bins: mu-law undone gives each bin's
// magnitude min-max scaled over the segment, (|X| - min) / (max - min) in [0, 1] (min is ~0: some
// bin of 80000 is near silent, and the zero padding of a tail segment is exactly 0); the energy is
// the sum of their squares. The span is never widened (the model reads every frame anyway).
FrameSpan mulaw_speech_span(const float* segment);

// The config keys of a speaker-normalised model's statistics (README "Normalisation"):
//   "speaker_prior_frames" (>= 0, default 0 = none): every speaker's statistics start from the
//       training population's (the file's `speaker_prior` metadata), weighted as this many frames
//       of speech (100 a second), so a first segment is read by a mix of the population and itself;
//   "speaker_reset" (in [0, 1), default 0; training only): before each training segment, with
//       this probability, its speaker is forgotten, so the segment is read as a first one;
//   "speaker_first" (in [0, 1), default 0; training only): with this probability a training
//       segment is read as a first one, but its speaker's statistics are kept (and it joins them).
struct SpeakerStatisticsConfig {
    double prior_frames = 0.0;
    double reset = 0.0;
    double first = 0.0;

    // std::invalid_argument for a value out of range, or either key without
    // "input_normalization": "speaker".
    static SpeakerStatisticsConfig from_json(const nlohmann::json& config);
    // Adds the keys that are not at their defaults.
    void add_to(nlohmann::json& config) const;
};

// Where value (frame t, feature f) of `values` is: values[t * frame_step + f * feature_step]
// (LLD frames [T, F]: {F, 1}; a mu-law segment [rows, frames]: {1, frames}, a row a feature).
struct FrameLayout {
    int frame_step, feature_step;
};

// Per-feature weighted sums of frames and of their squares: a speaker's running statistics, or
// the pooled statistics of a population.
struct FrameMoments {
    double weight = 0.0;
    std::vector<double> sum, sum_of_squares;

    // Scales what came before by `fade`, then adds `count` frames of `frame_size` features.
    void add(const float* frames, int count, int frame_size, double fade = 1.0);
    // The same for the frames [span.begin, span.end) of `values` laid out as `layout`, each
    // weighing `frame_weight`.
    void add(const float* values, FrameLayout layout, FrameSpan span, int frame_size, double frame_weight,
             double fade);
    double mean(int feature) const { return sum[feature] / weight; }
    double variance(int feature) const; // population variance, >= 0
};

// The training population's mean and variance per feature, as the model file stores them.
struct SpeakerPrior {
    std::vector<double> mean, variance;
    bool empty() const { return mean.empty(); }
    static SpeakerPrior of(const FrameMoments& population);
    // {"mean": [...], "variance": [...]}; from_json: std::invalid_argument unless both hold
    // `features` finite numbers (variances >= 0).
    nlohmann::json to_json() const;
    static SpeakerPrior from_json(const nlohmann::json& j, int features);
};

class SpeakerNormalizer {
public:
    explicit SpeakerNormalizer(int frame_size = 0);

    // New speakers' statistics start as `prior`, weighted as `frames` frames (0 or an empty
    // prior: from nothing). Speakers already heard keep theirs.
    void set_prior(const SpeakerPrior& prior, double frames);
    // Forgets every speaker (a new stream, a new epoch); the prior stays.
    void reset() {
        speakers_.clear();
        as_first_.clear();
    }
    // Forgets one speaker: their next segment is read as a first one.
    void forget(const std::string& speaker) { speakers_.erase(speaker); }
    // The speaker's next segment is read as a first one (the prior and itself), but still counts
    // in the speaker's statistics, which later segments read as before.
    void read_next_as_first(const std::string& speaker) { as_first_.insert(speaker); }
    // Adds `count` frames to the statistics of `speaker` ("" is the stream), then z-scores them
    // in place with those statistics (per feature; population std, floor 1e-5 as the models').
    // `keep` false: the statistics are left as they were (an interim look at an open segment,
    // whose frames count once, when it is final).
    void normalize(const std::string& speaker, float* frames, int count, bool keep = true);
    // The mu-law segments of one utterance, each `frame_size` rows of `frames` values: adds the
    // values of each segment's `spans[i]` to the statistics of `speaker`, each segment weighing
    // 1/n (an utterance counts its speech once, whatever the segments' hop: 1 s in training,
    // 0.4 s at inference), then subtracts the row's running mean from every value of every row.
    // `keep` as above.
    void normalize_segments(const std::string& speaker, const std::vector<float*>& segments,
                            const std::vector<FrameSpan>& spans, int frames, bool keep = true);

private:
    // The statistics `speaker`'s values are added to: theirs (new ones start as the prior), or a
    // copy of them in `scratch` when `keep` is false.
    FrameMoments& statistics(const std::string& speaker, bool keep, FrameMoments& scratch);
    // (v - mean) / std per feature (`divide` false: v - mean).
    void standardize(const FrameMoments& s, float* values, FrameLayout layout, int count, bool divide) const;
    int frame_size_;
    FrameMoments prior_; // a new speaker's statistics
    std::map<std::string, FrameMoments> speakers_;
    std::set<std::string> as_first_; // read_next_as_first
};

} // namespace emotion::models
