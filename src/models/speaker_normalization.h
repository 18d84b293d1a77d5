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
#pragma once

#include <map>
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

class SpeakerNormalizer {
public:
    explicit SpeakerNormalizer(int frame_size = 0);

    // Forgets every speaker (a new stream, a new epoch).
    void reset() { speakers_.clear(); }
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
    struct Statistics {
        double weight = 0.0;
        std::vector<double> sum, sum_of_squares;
    };
    // Where value (frame t, feature f) is: values[t * frame_step + f * feature_step].
    struct Layout {
        int frame_step, feature_step;
    };
    Statistics& statistics(const std::string& speaker, bool keep, Statistics& scratch);
    void add(Statistics& s, const float* values, Layout layout, FrameSpan span, double frame_weight) const;
    // (v - mean) / std per feature (`divide` false: v - mean).
    void standardize(const Statistics& s, float* values, Layout layout, int count, bool divide) const;
    int frame_size_;
    std::map<std::string, Statistics> speakers_;
};

} // namespace emotion::models
