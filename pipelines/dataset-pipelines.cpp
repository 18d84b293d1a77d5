#include "dataset-pipelines.h"

#include <chrono>
#include <cstdio>
#include <sstream>

#include "dsp/augment.h"
#include "models/architecture.h"
#include "run-pipeline.h"

namespace emotion::pipelines {

namespace {

std::string quoted(const std::string& value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string dataset_source(const DatasetOptions& d, const std::string& split, unsigned epochs) {
    std::ostringstream s;
    s << "emodatasetsrc location=" << quoted(d.manifest) << " epochs=" << epochs << " seed=" << d.seed
      << " split=" << split;
    if (d.shuffle && split == "all") s << " shuffle=true";
    if (!d.labels.empty()) s << " labels=" << quoted(d.labels);
    if (!d.label_map.empty()) s << " label-map=" << quoted(d.label_map);
    if (!d.valid_speakers.empty()) s << " valid-speakers=" << quoted(d.valid_speakers);
    if (!d.test_speakers.empty()) s << " test-speakers=" << quoted(d.test_speakers);
    if (d.valid_fraction > 0) s << " valid-fraction=" << d.valid_fraction;
    return s.str();
}

double get_double(const GstStructure* s, const char* name) {
    double v = 0.0;
    gst_structure_get_double(s, name, &v);
    return v;
}

unsigned get_uint(const GstStructure* s, const char* name) {
    guint v = 0;
    gst_structure_get_uint(s, name, &v);
    return v;
}

} // namespace

// source [! emoaugment] ! features ! element settings ! sink; a text model's element also takes the
// source's text pad (the transcripts meet the audio in M4).
static std::string classifier_pipeline(const std::string& source, const std::string& architecture,
                                       const std::string& settings, const std::string& sink, double mulaw_hop,
                                       const std::string& augment = "") {
    const models::Architecture& a = models::architecture_named(architecture);
    std::string features = features_element(architecture, mulaw_hop);
    // emoaugment's seed defaults to the run's, which the source's epoch-start events carry
    if (!augment.empty()) features = "emoaugment recipe=" + quoted(augment) + " ! " + features;
    // a text model aligns the transcripts with the audio by time, and a speed change shifts the
    // audio of every later utterance
    if (a.takes_text() && !augment.empty() && dsp::Recipe::parse(augment).speed.probability > 0.0)
        throw std::invalid_argument(a.name + " aligns its transcripts with the audio by time, which speed "
                                             "perturbation shifts: give --augment a recipe without speed");
    if (a.takes_text())
        return source + " name=data ! " + features + " ! " + a.element + " name=model " + settings + " ! " +
               sink + "  data.text ! queue ! model.text";
    return source + " ! " + features + " ! " + a.element + " " + settings + " ! " + sink;
}

std::string features_element(const std::string& architecture, double mulaw_hop) {
    const models::Architecture& a = models::architecture_named(architecture);
    if (a.features.kind != models::FeatureKind::Mulaw) return a.features_element;
    char hop[32];
    std::snprintf(hop, sizeof hop, " hop=%.2f", mulaw_hop);
    return a.features_element + hop;
}

TrainResult run_training(const DatasetOptions& data, const TrainOptions& t, const ProgressFn& progress,
                         const EpochFn& on_epoch) {
    std::ostringstream p;
    p << "mode=train threads=" << t.threads << " model-location=" << quoted(t.output)
      << " seed=" << data.seed;
    if (!t.start_model.empty()) p << " model=" << quoted(t.start_model);
    if (t.resume) p << " resume=true";
    if (!t.config.empty()) p << " config=" << quoted(t.config);
    if (t.batch_size > 0) p << " batch-size=" << t.batch_size;
    if (t.learning_rate > 0) p << " learning-rate=" << t.learning_rate;
    if (!t.optimizer.empty()) p << " optimizer=" << t.optimizer;
    if (!t.schedule.empty()) p << " schedule=" << t.schedule;
    if (t.weight_decay >= 0) p << " weight-decay=" << t.weight_decay;
    if (t.clip_norm > 0) p << " clip-norm=" << t.clip_norm;
    if (t.patience >= 0) p << " patience=" << t.patience;
    if (t.bn_recalibration >= 0) p << " bn-recalibration=" << t.bn_recalibration;
    if (!t.word_vectors.empty()) p << " word-vectors=" << quoted(t.word_vectors);
    if (!t.feature_masks.empty()) p << " feature-masks=" << quoted(t.feature_masks);
    if (!t.normalization.empty()) p << " normalization=" << t.normalization;
    TrainResult result;
    std::string pipeline;
    try {
        pipeline = classifier_pipeline(dataset_source(data, "all", data.epochs), t.architecture, p.str(),
                                       "fakesink sync=false", t.mulaw_hop, t.augment);
    } catch (const std::exception& e) { // an unknown architecture, a recipe it cannot take
        result.error = e.what();
        return result;
    }
    auto started = std::chrono::steady_clock::now();
    result.error = run_pipeline(pipeline, [&](const GstStructure* s) {
        if (gst_structure_has_name(s, "emotion-training-progress")) {
            if (progress)
                progress(get_uint(s, "epoch") - 1, get_uint(s, "epochs"), get_uint(s, "step"),
                         get_uint(s, "steps"), get_double(s, "loss"));
        } else if (gst_structure_has_name(s, "emotion-training")) {
            EpochRecord r;
            r.epoch = static_cast<int>(get_uint(s, "epoch")) - 1; // messages count from 1
            r.train_loss = get_double(s, "train-loss");
            r.train_emotion_loss = get_double(s, "train-emotion-loss");
            r.train_accuracy = get_double(s, "train-accuracy");
            r.has_validation = gst_structure_has_field(s, "ua");
            r.valid_loss = get_double(s, "valid-loss");
            r.wa = get_double(s, "wa");
            r.ua = get_double(s, "ua");
            r.seconds = get_double(s, "epoch-seconds");
            result.epochs.push_back(r);
            if (on_epoch) on_epoch(r, get_uint(s, "epochs"));
        } else if (gst_structure_has_name(s, "emotion-training-done")) {
            gint best = -1;
            gboolean stopped = FALSE;
            gst_structure_get_int(s, "best-epoch", &best);
            gst_structure_get_boolean(s, "stopped-early", &stopped);
            result.best_epoch = best >= 1 ? best - 1 : -1;
            result.best_ua = get_double(s, "best-ua");
            result.stopped_early = stopped;
        }
    });
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // A resumed run whose epochs were all done before reports no epoch, only its best one.
    result.ok = result.error.empty() && (!result.epochs.empty() || result.best_epoch >= 0);
    if (result.error.empty() && !result.ok) result.error = "no epoch completed (no training data?)";
    return result;
}

EvalResult run_evaluation(const DatasetOptions& data, const std::string& architecture,
                          const std::string& model, const std::string& split, int threads, double mulaw_hop,
                          const std::string& settings) {
    EvalResult result;
    std::string pipeline;
    try {
        pipeline = classifier_pipeline(dataset_source(data, split, 1), architecture,
                                       "threads=" + std::to_string(threads) + " model=" + quoted(model) +
                                           " " + settings,
                                       "emotionsink", mulaw_hop);
    } catch (const std::exception& e) { // an unknown architecture
        result.error = e.what();
        return result;
    }
    result.error = run_pipeline(pipeline, [&](const GstStructure* s) {
        if (gst_structure_has_name(s, "emotion-evaluation")) {
            const gchar* report = gst_structure_get_string(s, "report");
            if (report) result.report = nlohmann::json::parse(report, nullptr, false);
        } else if (gst_structure_has_name(s, "emotion") && gst_structure_has_field(s, "scores") &&
                   gst_structure_has_field(s, "true-emotion")) {
            ScoredResult r;
            r.truth = gst_structure_get_string(s, "true-emotion");
            const gchar* id = gst_structure_get_string(s, "segment-id");
            r.segment_id = id ? id : "";
            const GValue* labels = gst_structure_get_value(s, "labels");
            const GValue* scores = gst_structure_get_value(s, "scores");
            for (guint k = 0; k < gst_value_array_get_size(scores); ++k) {
                r.labels.push_back(g_value_get_string(gst_value_array_get_value(labels, k)));
                r.posteriors.push_back((float)g_value_get_double(gst_value_array_get_value(scores, k)));
            }
            result.results.push_back(std::move(r));
        }
    });
    result.ok = result.error.empty() && result.report.is_object();
    if (result.error.empty() && !result.ok) result.error = "no labelled utterance was evaluated";
    return result;
}

} // namespace emotion::pipelines
