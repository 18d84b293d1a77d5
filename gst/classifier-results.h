/* Result publication shared by every classifier element (GstEmotionClassifier and
 * ksmmtransformer): the output caps (K float32 posteriors as other/tensors, or a readable
 * text/x-raw line), the result buffer with its GstEmotionMeta, the `emotion` element message and
 * the tag event with the stream's dominant emotion. The element pushes what this builds, through
 * its own pad or GstAggregator. Internal to the plugin. */
#pragma once

#include <gst/base/gstaggregator.h>
#include <gst/gst.h>

#include <map>
#include <string>
#include <vector>

#include "io/cue_text.h"
#include "stream/affect.h"
#include "stream/speaker_balance.h"

namespace emotion::gst {

enum class OutputFormat { Tensors, Text };

/* The label of a no-speech result (no-speech=tag). */
constexpr const char* kNoSpeechLabel = "no-speech";
/* The text (and subtitle) label of a result whose top posterior is below `threshold`. */
constexpr const char* kUncertainLabel = "uncertain";

class ResultPublisher {
public:
    ResultPublisher();

    /* The model's class names (output order), the name results carry (file name) and the model
     * file's temperature (its calibration; `temperature` below overrides it). */
    void set_model(const std::vector<std::string>& labels, const std::string& name,
                   double model_temperature = 1.0);
    const std::string& model_name() const { return model_name_; }
    int num_classes() const { return (int)labels_.size(); }

    GstCaps* caps(OutputFormat format) const;
    /* Tensors, then text: what the src pad can produce once the model is known. */
    GstCaps* all_caps() const;
    /* Tensors unless downstream (`peer` caps) takes text only, e.g. a subtitle muxer. Returns the
     * caps to set and records the format; NULL with an error posted on `element` when downstream
     * takes neither. */
    GstCaps* choose_caps(GstElement* element, GstCaps* peer);

    /* One result: posts the `emotion` message on `element` and returns the output buffer (PTS and
     * duration of [start, end), GstEmotionMeta). *tag receives a tag event when the dominant
     * emotion changed, else NULL. `scores` are K posteriors, scaled by the temperature before
     * anything is published; arousal/valence come from them (stream/affect.h) and a top posterior
     * below `threshold` marks the result uncertain (it does not count for the dominant emotion).
     * An `interim` result (of a segment still open) carries interim=true in the meta and the
     * message (the field only then) and does not count for the dominant emotion either. With
     * `balance`, the calibrated posteriors are balanced by those of `speaker` so far (""
     * the stream's; stream/speaker_balance.h), an interim result's without counting. */
    GstBuffer* publish(GstElement* element, const std::string& id, GstClockTime start, GstClockTime end,
                       const std::vector<float>& scores, const std::string& true_emotion, GstEvent** tag,
                       bool interim = false, const std::string& speaker = "");

    /* A part with too little speech, when no-speech=tag: posts an `emotion` message labelled
     * "no-speech" (no confidence, labels or scores; `speech` = the part's speech fraction). Returns
     * the text line to push for text output; for tensor output (K posteriors it does not have)
     * NULL and *gap the GAP event to push instead. `interim`: as in publish(). */
    GstBuffer* publish_no_speech(GstElement* element, const std::string& id, GstClockTime start,
                                 GstClockTime end, double speech, GstEvent** gap, bool interim = false) const;

    /* A new stream: the dominant emotion starts afresh. */
    void reset_dominant();
    /* Another recording or a seek: `balance` forgets the voices heard so far. */
    void forget_speakers() { balance_.reset(); }

    OutputFormat output = OutputFormat::Tensors;
    /* Text output: the line of each result (io/cue_text.h). */
    std::string cue_format = io::kDefaultCueFormat;
    /* `threshold` property: top posteriors below it are uncertain (0: never). */
    double threshold = 0.0;
    /* `temperature` property: > 0 overrides the model file's temperature, 0 takes it. */
    double temperature = 0.0;
    /* `balance` property: each voice's posteriors balanced by their running mean. */
    bool balance = false;
    /* The temperature applied: the property's, else the model file's. */
    double effective_temperature() const { return temperature > 0.0 ? temperature : model_temperature_; }
    /* The input segment, for the messages' stream-time and running-time. */
    GstSegment segment;

private:
    stream::SpeakerBalance balance_;
    GstStructure* message(const std::string& id, GstClockTime start, GstClockTime duration, const char* label,
                          bool interim) const;
    void post_message(GstElement* element, const std::string& id, GstClockTime start, GstClockTime duration,
                      const std::vector<float>& scores, int best, bool uncertain,
                      const std::string& true_emotion, bool interim) const;

    std::vector<std::string> labels_;
    std::vector<const char*> label_ptrs_; /* NULL-terminated, into labels_ */
    std::string model_name_;
    double model_temperature_ = 1.0;
    std::vector<stream::Affect> affect_points_; /* empty: the labels have no arousal/valence */
    std::map<std::string, int> label_counts_;
    std::string dominant_;
};

/* An aggregator's output caps (ksmmtransformer, emotionfuse): choose_caps against its src pad's
 * peer, set with gst_aggregator_set_src_caps. False with an error posted when none fits. */
bool negotiate_aggregator_output(GstAggregator* agg, ResultPublisher& results);

/* The SEGMENT event of an aggregator's result-timing input (`what` names it in the error): the
 * messages' segment and the output segment. False with an error posted when it is not in TIME. */
bool take_aggregator_segment(GstAggregator* agg, ResultPublisher& results, GstEvent* event, const char* what);

/* Answers a caps query of a classifier's src pad with `caps` (taken) as filtered by the query. */
void set_caps_query_result(GstQuery* query, GstCaps* caps);

} // namespace emotion::gst
