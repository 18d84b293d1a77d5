// Inference on whole segments with a loaded model file: the piece the classifier elements and
// the evaluation tool share. Owns its oneDNN context, so instances in different threads never
// share a stream.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/architecture.h"
#include "models/model.h"
#include "models/model_file.h"
#include "models/speaker_normalization.h"

namespace emotion::models {

class Classifier {
public:
    // Loads and validates a model file; throws io::FormatError / std::runtime_error. oneDNN fixes
    // a primitive's thread count when it is created, so the model is built under a ThreadScope
    // of its context with `threads` (the calling thread's OpenMP setting is restored afterwards).
    explicit Classifier(const std::string& model_path, int threads = 1);
    // A model built in memory (training from scratch); `path` names it in messages.
    Classifier(std::unique_ptr<nn::Context> context, std::unique_ptr<Model> model, ModelInfo info,
               std::string path);
    ~Classifier();

    const ModelInfo& info() const { return info_; }
    ModelInfo& info() { return info_; }
    const std::string& path() const { return path_; }
    int num_classes() const { return static_cast<int>(info_.labels.size()); }
    const Architecture& architecture() const { return *architecture_; }
    // Fewest frames a segment needs (the architecture's: M3 divides time by 16).
    int min_frames() const { return architecture_->min_frames; }

    // Threads for this instance's calls (the context's count; each call holds a ThreadScope).
    // Primitives created earlier keep the count they were created with.
    void set_threads(int threads) { context_->set_threads(threads); }

    // Frames [T, F] of one segment (sequence models: LLD) -> K posteriors (M4: with the text masked).
    // A speaker-normalised model (models/speaker_normalization.h) reads the segment's speech span,
    // z-scored with the running statistics of `speaker` ("": the stream).
    // `interim`: a look at a segment still open, which leaves the statistics as they were.
    std::vector<float> classify_frames(const float* frames, int frame_count, const std::string& speaker = "",
                                       bool interim = false);
    // What a speaker-normalised model reads of a segment's frames [T, F]: its speech span, z-scored
    // with the running statistics of `speaker` (which it updates); other models: the frames as
    // they are. Training conditions its examples with this too.
    // `population`, when given, also gets the speech span's frames as they were (training's prior).
    void condition_frames(std::vector<float>& frames, const std::string& speaker, bool interim = false,
                          FrameMoments* population = nullptr);
    // A new stream, a flush (a seek), a new epoch: speaker-normalised models forget the speakers
    // heard so far.
    void forget_speakers() { speakers_.reset(); }
    // Training's speaker_reset: the speaker's next segment is read as a first one.
    void forget_speaker(const std::string& speaker) { speakers_.forget(speaker); }
    // Training's speaker_first: the speaker's next segment is read as a first one, their
    // statistics kept.
    void read_next_as_first(const std::string& speaker) { speakers_.read_next_as_first(speaker); }
    // The model config's warm-up settings, and the population prior new speakers start from (the
    // model file's; training sets it from its population, and the saved file records it).
    const SpeakerStatisticsConfig& speaker_statistics() const { return speaker_statistics_; }
    void set_speaker_prior(SpeakerPrior prior);
    InputNormalization input_normalization() const { return normalization_; }
    // Text models (M4): frames [T, F] of one segment and the word ids of its text (0 = unknown
    // word; the model cuts or pads them to its text length; none = text masked) -> K posteriors.
    std::vector<float> classify_multimodal(const float* frames, int frame_count,
                                           const std::vector<int>& tokens);
    // Segments (segment models: mu-law, each 400 x 200) of one utterance -> mean of the segments'
    // posteriors (the attention-pooling CNN paper's utterance decision). A speaker-normalised
    // model reads them normalised by `speaker` as condition_segments does.
    std::vector<float> classify_segments(const std::vector<const float*>& segments,
                                         const std::string& speaker = "", bool interim = false);
    // What a speaker-normalised segment model reads of an utterance's segments: each frequency
    // row minus its running mean for `speaker` over the segments' speech spans
    // (which it updates), in place; other models: the segments as they are. Training too.
    void condition_segments(const std::vector<float*>& segments, const std::string& speaker,
                            bool interim = false);

    Model& model() { return *model_; }
    nn::Context& context() { return *context_; }

private:
    void set_up_normalization();
    int frame_width() const { return architecture_->features.dimensions.front(); }
    std::vector<float> posteriors(const Batch& batch);

    std::string path_;
    const Architecture* architecture_ = nullptr;
    std::unique_ptr<nn::Context> context_;
    std::unique_ptr<Model> model_;
    ModelInfo info_;
    Batch batch_;
    InputNormalization normalization_ = InputNormalization::Segment;
    SpeakerStatisticsConfig speaker_statistics_;
    SpeakerNormalizer speakers_;
    std::vector<float> normalized_; // the speech span of the segment (or the segments) being classified
};

} // namespace emotion::models
