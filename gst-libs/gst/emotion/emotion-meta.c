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

const gchar *
gst_emotion_meta_get_label (const GstEmotionMeta * meta)
{
  g_return_val_if_fail (meta != NULL, NULL);
  return meta->n_classes ? meta->labels[meta->best] : NULL;
}

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
