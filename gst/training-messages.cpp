/* The messages of mode=train (element messages of the training element); every epoch number in
 * them counts from 1, as people count (epoch 1 is the first):
 *  - `emotion-training-progress` after every optimisation step: `epoch`, `epochs`, `step`,
 *    `steps` (estimated steps per epoch), `loss` (double).
 *  - `emotion-training` after every epoch: `epoch`, `epochs` (uints), `train-loss` (all tasks),
 *    `train-emotion-loss` (the emotion head's cross-entropy, comparable with `valid-loss`),
 *    `train-accuracy`, `learning-rate`, `elapsed`, `epoch-seconds` (doubles), `train-examples`
 *    (uint), `improved`, `stopped` (booleans), and with validation data `valid-loss`, `wa`, `ua`,
 *    `macro-f1`, `best-ua` (doubles), `best-epoch` (int), `valid-examples` (uint).
 *  - `emotion-training-done` at EOS: `epochs-run` (uint), `best-epoch` (int), `best-ua`
 *    (double), `stopped-early` (boolean), `model-location` (string).
 * Besides, GST_MESSAGE_PROGRESS messages (code `training`, which gst-launch-1.0 prints without
 * -m): `start` at the first step, `continue` with a one-line summary after every epoch (also
 * logged at INFO), `complete` at the end. Their epochs count from 1, as people count.
 * Errors, warnings and notices carry the session's message; their domain and code follow the
 * kind of matter (kind_of below). */
#include "training-messages.h"

#include <cmath>

GST_DEBUG_CATEGORY_EXTERN(emotion_classifier_debug);
#define GST_CAT_DEFAULT emotion_classifier_debug

namespace emotion::gst {

namespace {

/* Epochs as people count them, from 1 (the session counts from 0); no epoch stays -1. */
int counted(int epoch) { return epoch >= 0 ? epoch + 1 : -1; }

struct DomainAndCode {
    GQuark domain;
    gint code;
};

DomainAndCode kind_of(train::TrainingIssue issue) {
    switch (issue) {
    case train::TrainingIssue::Settings: return {GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS};
    case train::TrainingIssue::OutputFolder: return {GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE};
    case train::TrainingIssue::Resume: return {GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ};
    case train::TrainingIssue::Write: return {GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE};
    case train::TrainingIssue::UnknownLabels: return {GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT};
    case train::TrainingIssue::Training: break;
    }
    return {GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED};
}

/* What GST_ELEMENT_ERROR / _WARNING / _INFO do, with the text and kind known only at run time. */
void post_notice(GstElement* element, GstMessageType type, const train::TrainingNotice& notice) {
    const DomainAndCode kind = kind_of(notice.kind);
    const GstDebugLevel level = type == GST_MESSAGE_INFO ? GST_LEVEL_INFO : GST_LEVEL_WARNING;
    const gchar* what = gst_message_type_get_name(type);
    GST_CAT_LEVEL_LOG(GST_CAT_DEFAULT, level, element, "%s: %s", what, notice.message.c_str());
    if (!notice.details.empty())
        GST_CAT_LEVEL_LOG(GST_CAT_DEFAULT, level, element, "%s: %s", what, notice.details.c_str());
    gst_element_message_full(element, type, kind.domain, kind.code, g_strdup(notice.message.c_str()),
                             notice.details.empty() ? NULL : g_strdup(notice.details.c_str()), __FILE__,
                             GST_FUNCTION, __LINE__);
}

void post(GstElement* element, GstStructure* s) {
    gst_element_post_message(element, gst_message_new_element(GST_OBJECT(element), s));
}

void post_progress(GstElement* element, GstProgressType type, const std::string& text) {
    gst_element_post_message(element,
                             gst_message_new_progress(GST_OBJECT(element), type, "training", text.c_str()));
}

/* "epoch 3/40: train loss 0.912, accuracy 0.612; validation loss 1.02, WA 0.630, UA 0.604 (best
 * 0.640 at epoch 2); 2.9 s" */
std::string epoch_line(const train::EpochSummary& epoch) {
    const train::EpochReport& r = epoch.report;
    gchar* text =
        g_strdup_printf("epoch %d/%d: train loss %.3f", counted(r.epoch), epoch.epochs, r.train_loss);
    std::string line = text;
    g_free(text);
    if (std::fabs(r.train_loss - r.train_emotion_loss) > 1e-6) { /* auxiliary tasks (M1: speaker, gender) */
        text = g_strdup_printf(" (emotion %.3f)", r.train_emotion_loss);
        line += text;
        g_free(text);
    }
    text = g_strdup_printf(", accuracy %.3f", r.train_accuracy);
    line += text;
    g_free(text);
    if (r.has_validation) {
        text = g_strdup_printf("; validation loss %.3f, WA %.3f, UA %.3f (best %.3f at epoch %d)",
                               r.valid_loss, r.wa, r.ua, r.best_ua, counted(r.best_epoch));
        line += text;
        g_free(text);
    }
    text = g_strdup_printf("; %.1f s%s", r.seconds, r.stop ? "; stopping early" : "");
    line += text;
    g_free(text);
    return line;
}

} // namespace

void TrainingBusReporter::on_step(const train::StepProgress& p) {
    if (!started_) {
        started_ = true;
        post_progress(element_, GST_PROGRESS_TYPE_START,
                      "training from epoch " + std::to_string(counted(p.epoch)) + " of " +
                          std::to_string(p.epochs));
    }
    post(element_,
         gst_structure_new("emotion-training-progress", "epoch", G_TYPE_UINT, (guint)counted(p.epoch),
                           "epochs", G_TYPE_UINT, (guint)p.epochs, "step", G_TYPE_UINT, (guint)p.step,
                           "steps", G_TYPE_UINT, (guint)p.steps, "loss", G_TYPE_DOUBLE, p.loss, NULL));
}

void TrainingBusReporter::on_epoch(const train::EpochSummary& epoch) {
    const train::EpochReport& r = epoch.report;
    GstStructure* s = gst_structure_new(
        "emotion-training", "epoch", G_TYPE_UINT, (guint)counted(r.epoch), "epochs", G_TYPE_UINT,
        (guint)epoch.epochs, "train-loss", G_TYPE_DOUBLE, r.train_loss, "train-emotion-loss", G_TYPE_DOUBLE,
        r.train_emotion_loss, "train-accuracy", G_TYPE_DOUBLE, r.train_accuracy, "train-examples",
        G_TYPE_UINT, (guint)r.train_examples, "learning-rate", G_TYPE_DOUBLE, r.learning_rate,
        "epoch-seconds", G_TYPE_DOUBLE, r.seconds, "elapsed", G_TYPE_DOUBLE, epoch.elapsed, "improved",
        G_TYPE_BOOLEAN, r.improved, "stopped", G_TYPE_BOOLEAN, r.stop, NULL);
    if (r.has_validation)
        gst_structure_set(s, "valid-loss", G_TYPE_DOUBLE, r.valid_loss, "wa", G_TYPE_DOUBLE, r.wa, "ua",
                          G_TYPE_DOUBLE, r.ua, "macro-f1", G_TYPE_DOUBLE, r.macro_f1, "best-ua",
                          G_TYPE_DOUBLE, r.best_ua, "best-epoch", G_TYPE_INT, counted(r.best_epoch),
                          "valid-examples", G_TYPE_UINT, (guint)r.valid_examples, NULL);
    post(element_, s);
    const std::string line = epoch_line(epoch);
    GST_INFO_OBJECT(element_, "%s", line.c_str());
    post_progress(element_, GST_PROGRESS_TYPE_CONTINUE, line);
}

void TrainingBusReporter::on_done(const train::RunSummary& run) {
    post(element_,
         gst_structure_new("emotion-training-done", "epochs-run", G_TYPE_UINT, (guint)run.epochs_run,
                           "best-epoch", G_TYPE_INT, counted(run.best_epoch), "best-ua", G_TYPE_DOUBLE,
                           run.best_ua, "stopped-early", G_TYPE_BOOLEAN, run.stopped_early, "model-location",
                           G_TYPE_STRING, run.model_path.c_str(), NULL));
    std::string text = "trained " + std::to_string(run.epochs_run) + " epochs";
    if (run.best_epoch >= 0) {
        gchar* best =
            g_strdup_printf("; best validation UA %.3f at epoch %d", run.best_ua, counted(run.best_epoch));
        text += best;
        g_free(best);
    }
    post_progress(element_, GST_PROGRESS_TYPE_COMPLETE, text + "; model " + run.model_path);
}

void TrainingBusReporter::on_warning(const train::TrainingNotice& notice) {
    post_notice(element_, GST_MESSAGE_WARNING, notice);
}

void TrainingBusReporter::on_info(const train::TrainingNotice& notice) {
    post_notice(element_, GST_MESSAGE_INFO, notice);
}

void TrainingBusReporter::on_log(train::LogDetail detail, const std::string& text) {
    if (detail == train::LogDetail::Segment)
        GST_LOG_OBJECT(element_, "%s", text.c_str());
    else
        GST_INFO_OBJECT(element_, "%s", text.c_str());
}

void post_training_error(GstElement* element, const train::TrainingError& error) {
    post_notice(element, GST_MESSAGE_ERROR, error.notice());
}

} // namespace emotion::gst
