#include "training-properties.h"

#include <gst/gst.h>

#include "dsp/feature_mask.h"
#include "property-helpers.h"

namespace emotion::gst {

namespace {

enum Offset {
    MODEL_OUTPUT,
    CONFIG,
    BATCH_SIZE,
    LEARNING_RATE,
    OPTIMIZER,
    SCHEDULE,
    WEIGHT_DECAY,
    PATIENCE,
    CLIP_NORM,
    BN_RECALIBRATION,
    SEED,
    RESUME,
    FEATURE_MASKS,
    NORMALIZATION,
    COUNT
};

} // namespace

const guint kTrainingPropertyCount = COUNT;

train::TrainSettings TrainingProperties::settings(const models::Architecture& architecture) const {
    train::TrainSettings s = train::TrainSettings::defaults(architecture);
    if (batch_size > 0) s.batch_size = batch_size;
    if (learning_rate > 0.0) s.learning_rate = learning_rate;
    if (optimizer != GST_EMOTION_OPTIMIZER_DEFAULT)
        s.optimizer = optimizer == GST_EMOTION_OPTIMIZER_ADAM ? "adam" : "sgd";
    if (schedule != GST_EMOTION_SCHEDULE_DEFAULT) {
        static const char* names[] = {"", "none", "cosine", "multistep"};
        s.schedule = names[schedule];
        if (s.schedule == "multistep" && s.milestones.empty()) s.milestones = {21, 31, 41};
    }
    if (weight_decay >= 0.0) s.weight_decay = weight_decay;
    if (patience >= 0) s.patience = patience;
    if (bn_recalibration >= 0) s.bn_recalibration = bn_recalibration;
    s.clip_norm = clip_norm;
    s.seed = seed;
    s.feature_masks = dsp::FeatureMaskSettings::parse(feature_masks); // throws: an element error
    return s;
}

void training_properties_install(GObjectClass* klass, guint first) {
    const GParamFlags flags =
        (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
    g_object_class_install_property(
        klass, first + MODEL_OUTPUT,
        g_param_spec_string("model-location", "Model location",
                            "mode=train: where the best model is written (atomically, after every epoch that "
                            "improves the validation UA). 'model', when set, is the starting point",
                            NULL, flags));
    g_object_class_install_property(
        klass, first + CONFIG,
        g_param_spec_string("config", "Configuration",
                            "mode=train, new model: JSON object overriding the architecture's configuration, "
                            "e.g. {\"cell\": \"lstm\"} for alstmclassify",
                            NULL, flags));
    g_object_class_install_property(
        klass, first + BATCH_SIZE,
        g_param_spec_int("batch-size", "Batch size",
                         "mode=train: segments per optimisation step (0: the paper's, 32 or 64)", 0, 4096, 0,
                         flags));
    g_object_class_install_property(klass, first + LEARNING_RATE,
                                    g_param_spec_double("learning-rate", "Learning rate",
                                                        "mode=train: initial learning rate (0: the paper's)",
                                                        0.0, 10.0, 0.0, flags));
    g_object_class_install_property(
        klass, first + OPTIMIZER,
        g_param_spec_enum("optimizer", "Optimizer", "mode=train: optimisation algorithm",
                          GST_TYPE_EMOTION_OPTIMIZER, GST_EMOTION_OPTIMIZER_DEFAULT, flags));
    g_object_class_install_property(
        klass, first + SCHEDULE,
        g_param_spec_enum("schedule", "Schedule", "mode=train: learning-rate schedule",
                          GST_TYPE_EMOTION_SCHEDULE, GST_EMOTION_SCHEDULE_DEFAULT, flags));
    g_object_class_install_property(klass, first + WEIGHT_DECAY,
                                    g_param_spec_double("weight-decay", "Weight decay",
                                                        "mode=train: L2 weight decay (-1: the paper's)", -1.0,
                                                        1.0, -1.0, flags));
    g_object_class_install_property(
        klass, first + PATIENCE,
        g_param_spec_int("patience", "Patience",
                         "mode=train: stop after this many epochs without a better validation UA, counted "
                         "from the first epoch above chance (-1: the paper's; 0: never stop early)",
                         -1, 10000, -1, flags));
    g_object_class_install_property(
        klass, first + CLIP_NORM,
        g_param_spec_double("clip-norm", "Gradient clipping",
                            "mode=train: largest global gradient norm (0: no clipping)", 0.0, 1000.0, 0.0,
                            flags));
    g_object_class_install_property(
        klass, first + BN_RECALIBRATION,
        g_param_spec_int(
            "bn-recalibration", "BatchNorm recalibration",
            "mode=train, models with BatchNorm (apcnn, stl): training segments (a uniform sample "
            "of each epoch) over which the BatchNorm statistics are re-estimated before "
            "validating; 0: keep the running averages; -1: the architecture's default (256 for "
            "apcnn, 0 for stl)",
            -1, 65536, -1, flags));
    g_object_class_install_property(
        klass, first + SEED,
        g_param_spec_uint64("seed", "Seed", "mode=train: seed of the initial weights and of dropout", 0,
                            G_MAXUINT64, 1, flags));
    g_object_class_install_property(
        klass, first + RESUME,
        g_param_spec_boolean(
            "resume", "Resume",
            "mode=train: continue an interrupted run from its checkpoint (written after every "
            "epoch next to model-location, as NAME.checkpoint.safetensors): weights, optimiser "
            "state, schedule position, best UA, early-stopping count and dropout generator; the "
            "epochs already done are skipped. Starts afresh when there is no checkpoint",
            FALSE, flags));
    g_object_class_install_property(
        klass, first + FEATURE_MASKS,
        g_param_spec_string("feature-masks", "Feature masks",
                            "mode=train: SpecAugment-style masks on each training example, "
                            "\"time=COUNT:FRACTION,feature=COUNT:WIDTH\" (COUNT runs of up to FRACTION of "
                            "the frames, COUNT runs of up to WIDTH features, set to the feature's mean; "
                            "seeded by seed, epoch and example); empty: none",
                            NULL, flags));
    g_object_class_install_property(
        klass, first + NORMALIZATION,
        g_param_spec_enum(
            "normalization", "Input normalization",
            "mode=train, new alstm, stl or apcnn model: `segment` z-scores each segment's features (the "
            "papers'; blind to a voice's level and range, which carry arousal; apcnn: its mu-law segments "
            "as they come), `speaker` z-scores them (apcnn: subtracts each mu-law frequency row's mean) "
            "with running statistics of the segment's speaker (the stream's when the stream names none) "
            "over the segment's speech span: better on voices and channels the model never heard (README), "
            "needs a few segments of a speaker to settle. Recorded in the model file, which inference "
            "follows",
            GST_TYPE_EMOTION_NORMALIZATION, GST_EMOTION_NORMALIZATION_SEGMENT, flags));
}

bool training_properties_set(TrainingProperties& p, guint first, guint id, const GValue* value) {
    if (id < first || id >= first + COUNT) return false;
    switch (id - first) {
    case MODEL_OUTPUT: set_string_setting(p.model_output, value); break;
    case CONFIG: set_string_setting(p.config, value); break;
    case BATCH_SIZE: p.batch_size = g_value_get_int(value); break;
    case LEARNING_RATE: p.learning_rate = g_value_get_double(value); break;
    case OPTIMIZER: p.optimizer = (GstEmotionOptimizer)g_value_get_enum(value); break;
    case SCHEDULE: p.schedule = (GstEmotionSchedule)g_value_get_enum(value); break;
    case WEIGHT_DECAY: p.weight_decay = g_value_get_double(value); break;
    case PATIENCE: p.patience = g_value_get_int(value); break;
    case CLIP_NORM: p.clip_norm = g_value_get_double(value); break;
    case BN_RECALIBRATION: p.bn_recalibration = g_value_get_int(value); break;
    case SEED: p.seed = g_value_get_uint64(value); break;
    case RESUME: p.resume = g_value_get_boolean(value); break;
    case FEATURE_MASKS: set_string_setting(p.feature_masks, value); break;
    case NORMALIZATION: p.normalization = (GstEmotionNormalization)g_value_get_enum(value); break;
    }
    return true;
}

bool training_properties_get(const TrainingProperties& p, guint first, guint id, GValue* value) {
    if (id < first || id >= first + COUNT) return false;
    switch (id - first) {
    case MODEL_OUTPUT: get_string_setting(p.model_output, value); break;
    case CONFIG: get_string_setting(p.config, value); break;
    case BATCH_SIZE: g_value_set_int(value, p.batch_size); break;
    case LEARNING_RATE: g_value_set_double(value, p.learning_rate); break;
    case OPTIMIZER: g_value_set_enum(value, p.optimizer); break;
    case SCHEDULE: g_value_set_enum(value, p.schedule); break;
    case WEIGHT_DECAY: g_value_set_double(value, p.weight_decay); break;
    case PATIENCE: g_value_set_int(value, p.patience); break;
    case CLIP_NORM: g_value_set_double(value, p.clip_norm); break;
    case BN_RECALIBRATION: g_value_set_int(value, p.bn_recalibration); break;
    case SEED: g_value_set_uint64(value, p.seed); break;
    case RESUME: g_value_set_boolean(value, p.resume); break;
    case FEATURE_MASKS: get_string_setting(p.feature_masks, value); break;
    case NORMALIZATION: g_value_set_enum(value, p.normalization); break;
    }
    return true;
}

} // namespace emotion::gst
