/* mode=train of the classifier elements (GstEmotionClassifier, ksmmtransformer): turns labelled segments into training and validation
 * examples for emotion::train::Trainer, validates at each epoch end, writes the best model
 * atomically, reports progress on the bus and stops early by patience. After every epoch it also
 * writes a checkpoint (train/checkpoint.h) from which `resume=true` continues an interrupted run:
 * the epochs already done are skipped as the source replays them (same seed, same order).
 *
 * Messages (element messages of the training element):
 *  - `emotion-training-progress` after every optimisation step: `epoch`, `epochs`, `step`,
 *    `steps` (estimated steps per epoch), `loss` (double).
 *  - `emotion-training` after every epoch: `epoch`, `epochs` (uints), `train-loss`,
 *    `train-accuracy`, `learning-rate`, `elapsed`, `epoch-seconds` (doubles), `train-examples`
 *    (uint), `improved`, `stopped` (booleans), and with validation data `valid-loss`, `wa`, `ua`,
 *    `macro-f1`, `best-ua` (doubles), `best-epoch` (int), `valid-examples` (uint).
 *  - `emotion-training-done` at EOS: `epochs-run` (uint), `best-epoch` (int), `best-ua`
 *    (double), `stopped-early` (boolean), `model-location` (string). */
#include <algorithm>
#include <cstring>
#include <omp.h>

#include <glib/gstdio.h>
#include <gst/emotion/emotion.h>
#include <unistd.h>

#include "classifier-training.h"
#include "models/model_file.h"
#include "nn/rng.h"
#include "train/checkpoint.h"
#include "train/dataset_plan.h"

GST_DEBUG_CATEGORY_EXTERN (emotion_classifier_debug);
#define GST_CAT_DEFAULT emotion_classifier_debug

namespace emotion::gst {

namespace {

double
seconds_since (std::chrono::steady_clock::time_point start)
{
  return std::chrono::duration<double> (std::chrono::steady_clock::now () - start).count ();
}

int
index_of (const std::vector<std::string> &values, const std::string & value)
{
  auto it = std::find (values.begin (), values.end (), value);
  return it == values.end ()? -1 : (int) (it - values.begin ());
}

std::string
file_name (const std::string & path)
{
  gchar *name = g_path_get_basename (path.c_str ());
  std::string result = name;
  g_free (name);
  return result;
}

std::vector<std::string>
list_field (GstEvent * event, const char *name)
{
  const gchar *value = gst_structure_get_string (gst_event_get_structure (event), name);
  return value ? train::split_list (value) : std::vector<std::string> ();
}

/* Builds a new model for the dataset's labels (training from scratch). */
bool
create_model (TrainingState & training, GstEvent * epoch_start)
{
  const TrainingHost & host = training.host;
  std::vector<std::string> labels = list_field (epoch_start, "labels");
  if (labels.size () < 2) {
    GST_ELEMENT_ERROR (host.element, STREAM, FAILED, ("Cannot train: the dataset has fewer than two "
            "emotion classes."), ("labels of the epoch-start event: '%s'",
            gst_structure_get_string (gst_event_get_structure (epoch_start), "labels")));
    return false;
  }
  auto context = std::make_unique<nn::Context> ();
  std::unique_ptr<models::Model> model;
  models::ModelInfo info;
  try {
    nlohmann::json config = models::training_config (host.architecture,
        training.config_overrides, (int) labels.size (), (int) training.speakers.size (),
        (int) training.genders.size ());
    nn::Rng rng (training.settings.seed);
    if (host.create_model) {
      model = host.create_model (*context, config, rng, info);
    } else {
      model = models::create_model (*context, host.architecture, config);
      model->init (rng);
    }
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR (host.element, RESOURCE, SETTINGS, ("Cannot build the model to train: %s",
            e.what ()), (NULL));
    return false;
  }
  info.architecture = host.architecture;
  info.config = model->config ();
  info.labels = labels;
  info.features = models::features_for (host.architecture);
  info.normalisation = models::architecture_named (host.architecture).normalisation;
  host.set_classifier (std::make_unique<models::Classifier> (std::move (context),
          std::move (model), std::move (info), training.output_path),
      file_name (training.output_path));
  return true;
}

bool
create_trainer (TrainingState & training)
{
  models::Classifier *classifier = training.host.classifier ();
  try {
    training.trainer = std::make_unique<train::Trainer> (classifier->model (),
        classifier->info ().labels, training.settings, training.host.frame_size);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR (training.host.element, RESOURCE, SETTINGS, ("Cannot train: %s", e.what ()), (NULL));
    return false;
  }
  return true;
}

double
training_seconds (const TrainingState & training)
{
  return training.seconds_before + seconds_since (training.started);
}

/* Records data, protocol, settings and the epoch's metrics in the model's metadata. */
void
describe_training (TrainingState & training, const train::EpochReport & report)
{
  models::ModelInfo & info = training.host.classifier ()->info ();
  info.training = {
    {"data", training.dataset},
    {"protocol", training.protocol},
    {"settings", training.settings.to_json ()},
    {"epochs_run", training.epoch_offset + training.epochs_run},
    {"best_epoch", report.best_epoch},
    {"train_examples", report.train_examples},
    {"seconds", training_seconds (training)},
  };
  if (!training.speakers.empty ())
    info.training["train_speakers"] = training.speakers;
  if (report.has_validation)
    info.metrics = {{"validation", {{"wa", report.wa}, {"ua", report.ua},
                {"macro_f1", report.macro_f1}, {"loss", report.valid_loss},
                {"epoch", report.epoch}, {"confusion", report.confusion}}}};
}

void
save_model (TrainingState & training)
{
  models::Classifier & classifier = *training.host.classifier ();
  try {
    models::save_model (training.output_path, classifier.model (), classifier.info ());
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR (training.host.element, RESOURCE, WRITE, ("Cannot write the model '%s'.",
            training.output_path.c_str ()), ("%s", e.what ()));
  }
}

/* The latest weights and everything else a resumed run needs (written after the best model,
 * so that a crash between the two never loses an improvement). */
void
save_checkpoint (TrainingState & training)
{
  models::Classifier & classifier = *training.host.classifier ();
  nlohmann::json run = {
    {"epochs_done", training.epochs_run},
    {"epoch_offset", training.epoch_offset},
    {"stopped", training.stop},
    {"seconds", training_seconds (training)},
  };
  try {
    train::write_checkpoint (training.checkpoint_path, classifier.model (), classifier.info (),
        *training.trainer, run);
  } catch (const std::exception &e) {
    GST_ELEMENT_WARNING (training.host.element, RESOURCE, WRITE, ("Cannot write the training checkpoint '%s'; "
            "training goes on, but cannot be resumed from this epoch.",
            training.checkpoint_path.c_str ()), ("%s", e.what ()));
  }
}

/* Continues an interrupted run from its checkpoint. Returns 1 when resumed, 0 when there is no
 * checkpoint (a fresh start), -1 after posting an error. */
int
resume_from_checkpoint (TrainingState & training, GstEvent * epoch_start)
{
  const TrainingHost & host = training.host;
  const std::string & path = training.checkpoint_path;
  if (!g_file_test (path.c_str (), G_FILE_TEST_EXISTS)) {
    GST_INFO_OBJECT (host.element, "no checkpoint '%s': training starts afresh", path.c_str ());
    return 0;
  }
  try {
    auto context = std::make_unique<nn::Context> ();
    models::ModelInfo info;
    auto model = models::load_model (*context, path, &info);
    if (info.architecture != host.architecture)
      throw std::runtime_error ("it holds a '" + info.architecture + "' model, this element "
          "trains '" + host.architecture + "'");
    std::vector<std::string> labels = list_field (epoch_start, "labels");
    if (labels != info.labels)
      throw std::runtime_error ("its labels " + nlohmann::json (info.labels).dump () +
          " differ from the dataset's " + nlohmann::json (labels).dump ());
    const nlohmann::json settings = training.settings.to_json ();
    if (info.training.value ("settings", nlohmann::json ()) != settings)
      throw std::runtime_error ("it was made with other training settings: " +
          info.training.value ("settings", nlohmann::json ()).dump () + ", now " +
          settings.dump ());
    auto trainer = std::make_unique<train::Trainer> (*model, info.labels, training.settings,
        host.frame_size);
    nlohmann::json run = train::restore_checkpoint (path, *model, *trainer);
    training.skip_epochs = run.at ("epochs_done").get<int> ();
    training.epochs_run = training.skip_epochs;
    training.epoch_offset = run.at ("epoch_offset").get<int> ();
    training.stop = run.at ("stopped").get<bool> ();
    training.seconds_before = run.at ("seconds").get<double> ();
    host.set_classifier (std::make_unique<models::Classifier> (std::move (context),
            std::move (model), std::move (info), training.output_path),
        file_name (training.output_path));
    training.trainer = std::move (trainer);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR (host.element, RESOURCE, READ, ("Cannot resume from the checkpoint '%s': %s",
            path.c_str (), e.what ()), ("delete the checkpoint to start afresh"));
    return -1;
  }
  GST_ELEMENT_INFO (host.element, RESOURCE, READ, ("Resuming training after epoch %d from '%s'.",
          training.skip_epochs, path.c_str ()), (NULL));
  return 1;
}

void
post_epoch (TrainingState & training, const train::EpochReport & r)
{
  GstStructure *s = gst_structure_new ("emotion-training",
      "epoch", G_TYPE_UINT, (guint) r.epoch,
      "epochs", G_TYPE_UINT, (guint) (training.epoch_offset + training.epochs),
      "train-loss", G_TYPE_DOUBLE, r.train_loss,
      "train-accuracy", G_TYPE_DOUBLE, r.train_accuracy,
      "train-examples", G_TYPE_UINT, (guint) r.train_examples,
      "learning-rate", G_TYPE_DOUBLE, r.learning_rate,
      "epoch-seconds", G_TYPE_DOUBLE, r.seconds,
      "elapsed", G_TYPE_DOUBLE, seconds_since (training.started),
      "improved", G_TYPE_BOOLEAN, r.improved,
      "stopped", G_TYPE_BOOLEAN, r.stop, NULL);
  if (r.has_validation)
    gst_structure_set (s, "valid-loss", G_TYPE_DOUBLE, r.valid_loss,
        "wa", G_TYPE_DOUBLE, r.wa, "ua", G_TYPE_DOUBLE, r.ua,
        "macro-f1", G_TYPE_DOUBLE, r.macro_f1, "best-ua", G_TYPE_DOUBLE, r.best_ua,
        "best-epoch", G_TYPE_INT, r.best_epoch,
        "valid-examples", G_TYPE_UINT, (guint) r.valid_examples, NULL);
  GstElement *element = training.host.element;
  gst_element_post_message (element, gst_message_new_element (GST_OBJECT (element), s));
}

void
begin_epoch (TrainingState & training, int epoch)
{
  training.epoch = epoch;
  training.skipping = epoch < training.skip_epochs;
  if (!training.skipping)
    training.trainer->begin_epoch (training.epoch_offset + epoch);
}

/* Closes the open epoch: validation, best model, report, early stopping. */
void
end_epoch (TrainingState & training)
{
  if (training.epoch < 0 || !training.trainer)
    return;
  if (training.skipping) {      /* done before the resumption */
    training.epoch = -1;
    training.skipping = false;
    return;
  }
  omp_set_num_threads (training.host.threads ());
  train::EpochReport report = training.trainer->end_epoch ();
  training.epoch = -1;
  if (report.train_examples == 0 && !report.has_validation)
    return;                     /* an epoch that saw no data (cut short by EOS) changes nothing */
  training.epochs_run++;
  training.last_report = report.to_json ();
  training.stop = report.stop;
  describe_training (training, report);
  if (report.improved)
    save_model (training);
  save_checkpoint (training);
  GST_INFO_OBJECT (training.host.element, "epoch %d: loss %.4f, train accuracy %.3f, valid UA %.3f%s",
      report.epoch, report.train_loss, report.train_accuracy, report.ua,
      report.stop ? " (early stop)" : "");
  post_epoch (training, report);
}

} // namespace

std::unique_ptr<TrainingState>
training_prepare (TrainingHost host, const TrainingProperties & properties)
{
  GstElement *element = host.element;
  auto training = std::make_unique<TrainingState> ();
  try {
    training->settings = properties.settings (host.architecture);
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS, ("Cannot train: %s", e.what ()), (NULL));
    return nullptr;
  }
  training->output_path = properties.model_output;
  training->resume = properties.resume;
  training->checkpoint_path = train::checkpoint_path (training->output_path);
  training->host = std::move (host);

  if (training->output_path.empty ()) {
    GST_ELEMENT_ERROR (element, RESOURCE, NOT_FOUND, ("mode=train needs 'model-location', the "
            "file to write the trained model to."), (NULL));
    return nullptr;
  }
  gchar *folder = g_path_get_dirname (training->output_path.c_str ());
  const bool writable = g_file_test (folder, G_FILE_TEST_IS_DIR) && g_access (folder, W_OK) == 0;
  if (!writable)
    GST_ELEMENT_ERROR (element, RESOURCE, OPEN_WRITE, ("Cannot write the model to '%s': folder "
            "'%s' does not exist or is not writable.", training->output_path.c_str (), folder),
        (NULL));
  g_free (folder);
  if (!writable)
    return nullptr;
  if (!properties.config.empty ()) {
    training->config_overrides = nlohmann::json::parse (properties.config, nullptr, false);
    if (!training->config_overrides.is_object ()) {
      GST_ELEMENT_ERROR (element, RESOURCE, SETTINGS, ("The 'config' property is not a JSON "
              "object: %s", properties.config.c_str ()), (NULL));
      return nullptr;
    }
  }
  return training;
}

bool
training_epoch_start (TrainingState & training, GstEvent * event)
{
  const TrainingHost & host = training.host;
  guint epoch = 0, epochs = 0;
  gst_emotion_event_parse_epoch (event, &epoch, &epochs);
  const GstStructure *fields = gst_event_get_structure (event);

  omp_set_num_threads (host.threads ());        /* before the model's primitives are created */
  end_epoch (training);         /* an epoch left open upstream */
  if (training.stop)
    return true;                /* stopped early: the source is told at the next buffer */
  if (!training.trainer) {
    training.epochs = (int) epochs;
    training.speakers = list_field (event, "speakers");
    training.genders = list_field (event, "genders");
    if (const gchar * dataset = gst_structure_get_string (fields, "dataset"))
      training.dataset = dataset;
    if (const gchar * protocol = gst_structure_get_string (fields, "protocol"))
      training.protocol = protocol;
    guint train = 0;
    if (gst_structure_get_uint (fields, "train", &train))
      training.train_utterances = (int) train;
    const int resumed = training.resume ? resume_from_checkpoint (training, event) : 0;
    if (resumed < 0)
      return false;
    if (resumed == 0 && host.classifier ()) {
      /* Fine-tuning a starting model: its schedule continues where its training stopped. */
      const auto &previous = host.classifier ()->info ().training;
      if (previous.contains ("epochs_run") && previous["epochs_run"].is_number_integer ())
        training.epoch_offset = previous["epochs_run"].get<int> ();
    } else if (resumed == 0 && !create_model (training, event)) {
      return false;
    }
    if ((!training.trainer && !create_trainer (training)) || !host.negotiate_output ())
      return false;
  }
  begin_epoch (training, (int) epoch);
  return true;
}

void
training_epoch_end (TrainingState & training)
{
  end_epoch (training);
}

GstFlowReturn
training_add (TrainingState & training, LabelledSegment && segment)
{
  const TrainingHost & host = training.host;
  models::Classifier *classifier = host.classifier ();
  if (!classifier || !training.trainer) {
    GST_ELEMENT_ERROR (host.element, STREAM, FAILED, ("mode=train received a segment before "
            "any epoch-start event and has no starting model."),
        ("train from emodatasetsrc, or give a starting 'model'"));
    return GST_FLOW_ERROR;
  }
  if (training.epoch < 0)
    begin_epoch (training, 0);  /* labelled segments without epoch events: one epoch */
  if (training.skipping)
    return GST_FLOW_OK;
  const bool validation = segment.split == "valid";
  if (segment.split == "test" || (segment.split != "train" && segment.split != ""
          && !validation))
    return GST_FLOW_OK;         /* held-out speakers are never seen in training */

  const int emotion = index_of (classifier->info ().labels, segment.true_emotion);
  if (emotion < 0) {
    training.skipped++;
    GST_LOG_OBJECT (host.element, "segment %s: label '%s' is not one of the model's",
        segment.id.c_str (), segment.true_emotion.c_str ());
    return GST_FLOW_OK;
  }
  std::vector<train::Example> &parts = segment.parts;
  parts.erase (std::remove_if (parts.begin (), parts.end (), [&](const train::Example & e) {
            return e.frames < classifier->min_frames ();
          }), parts.end ());
  if (parts.empty ())
    return GST_FLOW_OK;
  for (auto &e : parts) {
    e.emotion = emotion;
    e.speaker = index_of (training.speakers, segment.speaker);
    e.gender = index_of (training.genders, segment.gender);
  }

  omp_set_num_threads (host.threads ());
  try {
    if (validation) {
      training.trainer->add_validation (parts);
      return GST_FLOW_OK;
    }
    for (auto &e : parts) {
      if (!training.trainer->add_training (std::move (e)))
        continue;
      const int batch = training.settings.batch_size;
      gst_element_post_message (host.element, gst_message_new_element (GST_OBJECT (host.element),
              gst_structure_new ("emotion-training-progress",
                  "epoch", G_TYPE_UINT, (guint) (training.epoch_offset + training.epoch),
                  "epochs", G_TYPE_UINT, (guint) (training.epoch_offset + training.epochs),
                  "step", G_TYPE_UINT, (guint) training.trainer->steps_in_epoch (),
                  "steps", G_TYPE_UINT, (guint) ((training.train_utterances + batch - 1) / batch),
                  "loss", G_TYPE_DOUBLE, training.trainer->last_loss (), NULL)));
    }
  } catch (const std::exception &e) {
    GST_ELEMENT_ERROR (host.element, STREAM, FAILED, ("Training step failed."), ("%s", e.what ()));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

void
training_finish (TrainingState & training)
{
  end_epoch (training);
  if (!training.trainer)
    return;
  GstElement *element = training.host.element;
  if (training.skipped)
    GST_ELEMENT_WARNING (element, STREAM, FORMAT, ("%d segments had labels the model does not "
            "know and were left out.", training.skipped), (NULL));
  gst_element_post_message (element, gst_message_new_element (GST_OBJECT (element),
          gst_structure_new ("emotion-training-done",
              "epochs-run", G_TYPE_UINT, (guint) training.epochs_run,
              "best-epoch", G_TYPE_INT, training.trainer->best_epoch (),
              "best-ua", G_TYPE_DOUBLE, training.trainer->best_ua (),
              "stopped-early", G_TYPE_BOOLEAN, training.stop,
              "model-location", G_TYPE_STRING, training.output_path.c_str (), NULL)));
}

} // namespace emotion::gst
