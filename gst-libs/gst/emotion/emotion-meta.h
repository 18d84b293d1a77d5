/* GstEmotionMeta: the result of one emotion classification, attached to the result buffer a
 * classifier pushes for each segment (K posteriors as other/tensors). Applications read it from
 * buffers downstream of a classifier, e.g. in a pad probe or an appsink. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_EMOTION_META_API_TYPE (gst_emotion_meta_api_get_type ())
#define GST_EMOTION_META_INFO (gst_emotion_meta_get_info ())

typedef struct _GstEmotionMeta GstEmotionMeta;

/**
 * GstEmotionMeta:
 * @meta: parent
 * @n_classes: number of classes K
 * @labels: (array length=n_classes): class names, from the model file
 * @scores: (array length=n_classes): posterior probabilities, summing to 1
 * @best: index of the winning class
 * @segment_id: id of the segment the result covers
 * @model: name of the model that produced it
 * @has_affect: whether @arousal and @valence are set (the model's labels all have a point on
 *   the circumplex of affect; see gst_emotion_meta_has_affect())
 * @arousal: expected arousal over the posteriors, in [-1, 1] (0 when !@has_affect)
 * @valence: expected valence over the posteriors, in [-1, 1] (0 when !@has_affect)
 * @high_arousal: the labels of high arousal (angry, happy, ...) hold more than half of the
 *   posterior mass (%FALSE when !@has_affect)
 * @uncertain: the top posterior is below the classifier's `threshold`; @best still names the
 *   most likely class
 * @interim: an interim result of a segment still open (the classifier's `interim`): it covers
 *   the segment's start up to now; the segment's final result follows with the same @segment_id
 */
struct _GstEmotionMeta {
  GstMeta meta;

  guint n_classes;
  gchar **labels;
  gfloat *scores;
  guint best;
  gchar *segment_id;
  gchar *model;
  /* appended: older code that only knows the fields above keeps working */
  gboolean has_affect;
  gfloat arousal;
  gfloat valence;
  gboolean high_arousal;
  gboolean uncertain;
  gboolean interim;
};

GType gst_emotion_meta_api_get_type (void);
const GstMetaInfo *gst_emotion_meta_get_info (void);

/* Attaches a result: copies @labels and @scores (n_classes each); best = argmax(scores). */
GstEmotionMeta *gst_buffer_add_emotion_meta (GstBuffer * buffer, guint n_classes,
    const gchar * const *labels, const gfloat * scores, const gchar * segment_id,
    const gchar * model);

/* The result meta of @buffer, or NULL (a function, not a macro, so that bindings can call it). */
GstEmotionMeta *gst_buffer_get_emotion_meta (GstBuffer * buffer);

/* Accessors for bindings (GObject introspection cannot read the struct's arrays); annotated in
 * emotion-meta.c. Values are owned by the meta; an index out of range gives NULL or 0. */
guint gst_emotion_meta_get_n_classes (const GstEmotionMeta * meta);
const gchar *gst_emotion_meta_get_class_label (const GstEmotionMeta * meta, guint index);
gfloat gst_emotion_meta_get_score (const GstEmotionMeta * meta, guint index);
const gfloat *gst_emotion_meta_get_scores (const GstEmotionMeta * meta, guint * n_classes);
guint gst_emotion_meta_get_best_index (const GstEmotionMeta * meta);
const gchar *gst_emotion_meta_get_segment_id (const GstEmotionMeta * meta);
const gchar *gst_emotion_meta_get_model (const GstEmotionMeta * meta);

/* The winning label (owned by the meta). */
const gchar *gst_emotion_meta_get_label (const GstEmotionMeta * meta);
/* The winning score. */
gfloat gst_emotion_meta_get_confidence (const GstEmotionMeta * meta);

/* Arousal and valence (in [-1, 1]) and whether the result has them. */
gboolean gst_emotion_meta_has_affect (const GstEmotionMeta * meta);
gfloat gst_emotion_meta_get_arousal (const GstEmotionMeta * meta);
gfloat gst_emotion_meta_get_valence (const GstEmotionMeta * meta);
gboolean gst_emotion_meta_get_high_arousal (const GstEmotionMeta * meta);
/* Whether the top posterior is below the classifier's threshold. */
gboolean gst_emotion_meta_get_uncertain (const GstEmotionMeta * meta);
/* Whether this is an interim result of a segment still open (its final result follows). */
gboolean gst_emotion_meta_get_interim (const GstEmotionMeta * meta);

/* For producers (classifiers): after gst_buffer_add_emotion_meta(). */
void gst_emotion_meta_set_affect (GstEmotionMeta * meta, gfloat arousal, gfloat valence,
    gboolean high_arousal);
void gst_emotion_meta_set_uncertain (GstEmotionMeta * meta, gboolean uncertain);
void gst_emotion_meta_set_interim (GstEmotionMeta * meta, gboolean interim);

G_END_DECLS
