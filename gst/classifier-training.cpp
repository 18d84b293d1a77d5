/* mode=train of the classifier elements (GstEmotionClassifier, ksmmtransformer): the element's
 * properties, epoch events and labelled segments become calls of a train::TrainingSession,
 * whose reports and errors become the element's bus messages (training-messages.cpp documents
 * them) and element errors. The epoch loop, resumption from checkpoints and the files written
 * are the session's (src/train/training_session.h). */
#include <gst/emotion/emotion.h>

#include "classifier-training.h"
#include "dataset-events.h"
#include "training-messages.h"

GST_DEBUG_CATEGORY_EXTERN(emotion_classifier_debug);
#define GST_CAT_DEFAULT emotion_classifier_debug

namespace emotion::gst {

namespace {

std::string file_name(const std::string& path) {
    gchar* name = g_path_get_basename(path.c_str());
    std::string result = name;
    g_free(name);
    return result;
}

/* The element's properties as session settings; posts an error and returns false when they are
 * unusable (the session checks the output folder). */
bool session_settings(const TrainingHost& host, const TrainingProperties& properties,
                      train::SessionSettings* settings) {
    GstElement* element = host.element;
    try {
        settings->train = properties.settings(*host.architecture);
    } catch (const std::exception& e) {
        GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS, ("Cannot train: %s", e.what()), (NULL));
        return false;
    }
    if (properties.model_output.empty()) {
        GST_ELEMENT_ERROR(element, RESOURCE, NOT_FOUND,
                          ("mode=train needs 'model-location', the "
                           "file to write the trained model to."),
                          (NULL));
        return false;
    }
    if (!properties.config.empty()) {
        settings->config_overrides = nlohmann::json::parse(properties.config, nullptr, false);
        if (!settings->config_overrides.is_object()) {
            GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS,
                              ("The 'config' property is not a JSON "
                               "object: %s",
                               properties.config.c_str()),
                              (NULL));
            return false;
        }
    }
    if (properties.normalization == GST_EMOTION_NORMALIZATION_SPEAKER) {
        if (settings->config_overrides.value("input_normalization", "speaker") != "speaker") {
            GST_ELEMENT_ERROR(element, RESOURCE, SETTINGS,
                              ("normalization=speaker, but 'config' sets input_normalization to %s.",
                               settings->config_overrides["input_normalization"].dump().c_str()),
                              (NULL));
            return false;
        }
        settings->config_overrides["input_normalization"] = "speaker";
    }
    settings->architecture = host.architecture;
    settings->output_path = properties.model_output;
    settings->resume = properties.resume;
    settings->threads = host.threads();
    settings->create_model = host.create_model;
    return true;
}

/* Calls the session; a TrainingError becomes an element error. False after one. */
bool call_session(TrainingState& training, const std::function<void(train::TrainingSession&)>& call) {
    try {
        call(*training.session);
    } catch (const train::TrainingError& e) {
        post_training_error(training.host.element, e);
        return false;
    }
    return true;
}

} // namespace

std::unique_ptr<TrainingState> training_prepare(TrainingHost host, const TrainingProperties& properties) {
    train::SessionSettings settings;
    if (!session_settings(host, properties, &settings)) return nullptr;
    auto training = std::make_unique<TrainingState>();
    training->reporter = std::make_unique<TrainingBusReporter>(host.element);
    try {
        training->session =
            std::make_unique<train::TrainingSession>(std::move(settings), *training->reporter);
    } catch (const train::TrainingError& e) {
        post_training_error(host.element, e);
        return nullptr;
    }
    training->host = std::move(host);
    return training;
}

void training_start_from(TrainingState& training, std::unique_ptr<models::Classifier> model) {
    const models::Classifier& classifier = *model;
    training.session->start_from(std::move(model));
    training.host.use_model(classifier, file_name(classifier.path()));
}

bool training_epoch_start(TrainingState& training, GstEvent* event) {
    const TrainingHost& host = training.host;
    train::TrainingSession& session = *training.session;
    guint epoch = 0;
    const train::DatasetDescription dataset = dataset_description(event, &epoch);

    const bool was_ready = session.ready();
    if (!call_session(training, [&](train::TrainingSession& s) { s.start_epoch((int)epoch, dataset); }))
        return false;
    if (!was_ready && session.ready()) {
        /* The first epoch made (or resumed) the model: the output is named after it. */
        const models::Classifier& classifier = *session.classifier();
        try {
            host.use_model(classifier, file_name(classifier.path()));
        } catch (const std::exception& e) {
            GST_ELEMENT_ERROR(host.element, RESOURCE, SETTINGS,
                              ("Cannot use the model '%s': %s", classifier.path().c_str(), e.what()), (NULL));
            return false;
        }
        if (!host.negotiate_output()) return false;
    }
    if (!training.prerolled && session.ready() && host.preroll_downstream) {
        host.preroll_downstream();
        training.prerolled = true;
    }
    return true;
}

void training_epoch_end(TrainingState& training) {
    call_session(training, [](train::TrainingSession& s) { s.end_epoch(); });
}

GstFlowReturn training_add(TrainingState& training, LabelledSegment&& segment) {
    const TrainingHost& host = training.host;
    if (!training.session->ready()) {
        GST_ELEMENT_ERROR(host.element, STREAM, FAILED,
                          ("mode=train received a segment before "
                           "any epoch-start event and has no starting model."),
                          ("train from emodatasetsrc, or give a starting 'model'"));
        return GST_FLOW_ERROR;
    }
    const bool added = call_session(training, [&](train::TrainingSession& s) { s.add(std::move(segment)); });
    return added ? GST_FLOW_OK : GST_FLOW_ERROR;
}

void training_finish(TrainingState& training) {
    call_session(training, [](train::TrainingSession& s) { s.finish(); });
}

bool training_stopped(const TrainingState& training) { return training.session->stopped(); }

bool training_has_model(const TrainingState& training) { return training.session->classifier() != nullptr; }

} // namespace emotion::gst
