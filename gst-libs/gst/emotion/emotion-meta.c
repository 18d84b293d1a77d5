#include "emotion-meta.h"

#include <string.h>

GType
gst_emotion_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstEmotionMetaAPI", tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
emotion_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstEmotionMeta *m = (GstEmotionMeta *) meta;

  (void) params;
  (void) buffer;
  m->n_classes = 0;
  m->labels = NULL;
  m->scores = NULL;
  m->best = 0;
  m->segment_id = NULL;
  m->model = NULL;
  m->has_affect = FALSE;
  m->arousal = 0.0f;
  m->valence = 0.0f;
  m->high_arousal = FALSE;
  m->uncertain = FALSE;
  m->interim = FALSE;
  return TRUE;
}

static void
emotion_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstEmotionMeta *m = (GstEmotionMeta *) meta;

  (void) buffer;
  g_strfreev (m->labels);
  g_free (m->scores);
  g_free (m->segment_id);
  g_free (m->model);
}

static void
emotion_meta_set (GstEmotionMeta * m, guint n_classes, const gchar * const *labels,
    const gfloat * scores, const gchar * segment_id, const gchar * model)
{
  guint k;

  m->n_classes = n_classes;
  m->labels = g_new0 (gchar *, n_classes + 1);
  m->scores = g_new0 (gfloat, MAX (n_classes, 1));
  m->best = 0;
  for (k = 0; k < n_classes; k++) {
    m->labels[k] = g_strdup (labels[k]);
    m->scores[k] = scores[k];
    if (scores[k] > scores[m->best])
      m->best = k;
  }
  m->segment_id = g_strdup (segment_id);
  m->model = g_strdup (model);
}

static gboolean
emotion_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstEmotionMeta *m = (GstEmotionMeta *) meta;
  GstEmotionMeta *copy;

  (void) buffer;
  (void) type;
  (void) data;
  /* The result describes the whole buffer's time span; any copy or transform keeps it. */
  copy = gst_buffer_add_emotion_meta (dest, m->n_classes, (const gchar * const *) m->labels,
      m->scores, m->segment_id, m->model);
  if (!copy)
    return FALSE;
  copy->has_affect = m->has_affect;
  copy->arousal = m->arousal;
  copy->valence = m->valence;
  copy->high_arousal = m->high_arousal;
  copy->uncertain = m->uncertain;
  copy->interim = m->interim;
  return TRUE;
}

const GstMetaInfo *
gst_emotion_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_EMOTION_META_API_TYPE, "GstEmotionMeta",
        sizeof (GstEmotionMeta), emotion_meta_init, emotion_meta_free,
        emotion_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

/**
 * gst_buffer_add_emotion_meta:
 * @buffer: the result buffer
 * @n_classes: number of classes K
 * @labels: (array length=n_classes): class names
 * @scores: (array length=n_classes): posterior probabilities
 * @segment_id: (nullable): id of the segment the result covers
 * @model: (nullable): name of the model
 *
 * Returns: (transfer none) (nullable): the attached meta
 */
GstEmotionMeta *
gst_buffer_add_emotion_meta (GstBuffer * buffer, guint n_classes,
    const gchar * const *labels, const gfloat * scores, const gchar * segment_id,
    const gchar * model)
{
  GstEmotionMeta *m;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (n_classes == 0 || (labels != NULL && scores != NULL), NULL);

  m = (GstEmotionMeta *) gst_buffer_add_meta (buffer, GST_EMOTION_META_INFO, NULL);
  if (m)
    emotion_meta_set (m, n_classes, labels, scores, segment_id, model);
  return m;
}

/**
 * gst_buffer_get_emotion_meta:
 * @buffer: a buffer
 *
 * Returns: (transfer none) (nullable): the emotion result of @buffer, NULL if it has none
 */
GstEmotionMeta *
gst_buffer_get_emotion_meta (GstBuffer * buffer)
{
  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  return (GstEmotionMeta *) gst_buffer_get_meta (buffer, GST_EMOTION_META_API_TYPE);
}

/**
 * gst_emotion_meta_get_n_classes:
 * @meta: a #GstEmotionMeta
 *
 * Returns: the number of classes K
 */
guint
gst_emotion_meta_get_n_classes (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return meta->n_classes;
}

/**
 * gst_emotion_meta_get_class_label:
 * @meta: a #GstEmotionMeta
 * @index: class index, below K
 *
 * Returns: (transfer none) (nullable): the name of class @index, NULL if out of range
 */
const gchar *
gst_emotion_meta_get_class_label (const GstEmotionMeta * meta, guint index)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return index < meta->n_classes ? meta->labels[index] : NULL;
}

/**
 * gst_emotion_meta_get_score:
 * @meta: a #GstEmotionMeta
 * @index: class index, below K
 *
 * Returns: the posterior probability of class @index, 0 if out of range
 */
gfloat
gst_emotion_meta_get_score (const GstEmotionMeta * meta, guint index)
{
  g_return_val_if_fail (meta != NULL, 0.0f);
  return index < meta->n_classes ? meta->scores[index] : 0.0f;
}

/**
 * gst_emotion_meta_get_scores:
 * @meta: a #GstEmotionMeta
 * @n_classes: (out): number of classes K
 *
 * Returns: (transfer none) (array length=n_classes): the K posterior probabilities
 */
const gfloat *
gst_emotion_meta_get_scores (const GstEmotionMeta * meta, guint * n_classes)
{
  g_return_val_if_fail (meta != NULL, NULL);
  if (n_classes)
    *n_classes = meta->n_classes;
  return meta->scores;
}

/**
 * gst_emotion_meta_get_best_index:
 * @meta: a #GstEmotionMeta
 *
 * Returns: the index of the winning class (0 without classes)
 */
guint
gst_emotion_meta_get_best_index (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0);
  return meta->best;
}

/**
 * gst_emotion_meta_get_segment_id:
 * @meta: a #GstEmotionMeta
 *
 * Returns: (transfer none) (nullable): the id of the segment the result covers
 */
const gchar *
gst_emotion_meta_get_segment_id (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return meta->segment_id;
}

/**
 * gst_emotion_meta_get_model:
 * @meta: a #GstEmotionMeta
 *
 * Returns: (transfer none) (nullable): the name of the model that produced the result
 */
const gchar *
gst_emotion_meta_get_model (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return meta->model;
}

/**
 * gst_emotion_meta_get_label:
 * @meta: a #GstEmotionMeta
 *
 * Returns: (transfer none) (nullable): the winning label, NULL without classes
 */
const gchar *
gst_emotion_meta_get_label (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return meta->n_classes ? meta->labels[meta->best] : NULL;
}

/**
 * gst_emotion_meta_get_confidence:
 * @meta: a #GstEmotionMeta
 *
 * Returns: the winning score, 0 without classes
 */
gfloat
gst_emotion_meta_get_confidence (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0.0f);
  return meta->n_classes ? meta->scores[meta->best] : 0.0f;
}

/**
 * gst_emotion_meta_has_affect:
 * @meta: a #GstEmotionMeta
 *
 * Returns: %TRUE when the result carries arousal and valence (every label of the model has a
 *   point on the circumplex of affect; README "Arousal, valence and confidence")
 */
gboolean
gst_emotion_meta_has_affect (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return meta->has_affect;
}

/**
 * gst_emotion_meta_get_arousal:
 * @meta: a #GstEmotionMeta
 *
 * Returns: the expected arousal over the posteriors, in [-1, 1] (> 0: high arousal); 0 when
 *   gst_emotion_meta_has_affect() is %FALSE
 */
gfloat
gst_emotion_meta_get_arousal (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0.0f);
  return meta->has_affect ? meta->arousal : 0.0f;
}

/**
 * gst_emotion_meta_get_valence:
 * @meta: a #GstEmotionMeta
 *
 * Returns: the expected valence over the posteriors, in [-1, 1]; 0 when
 *   gst_emotion_meta_has_affect() is %FALSE
 */
gfloat
gst_emotion_meta_get_valence (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, 0.0f);
  return meta->has_affect ? meta->valence : 0.0f;
}

/**
 * gst_emotion_meta_get_high_arousal:
 * @meta: a #GstEmotionMeta
 *
 * Returns: %TRUE when the labels of high arousal (angry, happy, ...) hold more than half of the
 *   posterior mass; %FALSE when gst_emotion_meta_has_affect() is %FALSE
 */
gboolean
gst_emotion_meta_get_high_arousal (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return meta->has_affect && meta->high_arousal;
}

/**
 * gst_emotion_meta_get_uncertain:
 * @meta: a #GstEmotionMeta
 *
 * Returns: %TRUE when the top posterior is below the producing element's `threshold`
 *   (gst_emotion_meta_get_label() still names the most likely class)
 */
gboolean
gst_emotion_meta_get_uncertain (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return meta->uncertain;
}

/**
 * gst_emotion_meta_get_interim:
 * @meta: a #GstEmotionMeta
 *
 * Returns: %TRUE when this is an interim result of a segment still open (the producing
 *   element's `interim`): it covers the segment from its start up to now, and the segment's
 *   final result, with the same segment id, follows
 */
gboolean
gst_emotion_meta_get_interim (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, FALSE);
  return meta->interim;
}

/**
 * gst_emotion_meta_set_affect:
 * @meta: a #GstEmotionMeta
 * @arousal: in [-1, 1]
 * @valence: in [-1, 1]
 * @high_arousal: whether the labels of high arousal hold more than half of the posterior mass
 *
 * Sets the result's arousal and valence (values outside [-1, 1] are clamped).
 */
void
gst_emotion_meta_set_affect (GstEmotionMeta * meta, gfloat arousal, gfloat valence,
    gboolean high_arousal)
{
  g_return_if_fail (meta != NULL);
  meta->has_affect = TRUE;
  meta->arousal = CLAMP (arousal, -1.0f, 1.0f);
  meta->valence = CLAMP (valence, -1.0f, 1.0f);
  meta->high_arousal = high_arousal;
}

/**
 * gst_emotion_meta_set_uncertain:
 * @meta: a #GstEmotionMeta
 * @uncertain: whether the top posterior is below the producer's threshold
 */
void
gst_emotion_meta_set_uncertain (GstEmotionMeta * meta, gboolean uncertain)
{
  g_return_if_fail (meta != NULL);
  meta->uncertain = uncertain;
}

/**
 * gst_emotion_meta_set_interim:
 * @meta: a #GstEmotionMeta
 * @interim: whether the result is an interim one of a segment still open
 */
void
gst_emotion_meta_set_interim (GstEmotionMeta * meta, gboolean interim)
{
  g_return_if_fail (meta != NULL);
  meta->interim = interim;
}
