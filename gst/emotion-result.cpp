#include "emotion-result.h"

namespace emotion::gst {

io::Result result_from_meta(const GstEmotionMeta* meta, GstBuffer* buffer, const GstSegment* segment) {
    io::Result r;
    r.segment_id = meta->segment_id ? meta->segment_id : "";
    r.labels.assign(meta->labels, meta->labels + meta->n_classes);
    r.scores.assign(meta->scores, meta->scores + meta->n_classes);
    r.best = (int)meta->best;
    r.model = meta->model ? meta->model : "";
    r.has_affect = gst_emotion_meta_has_affect(meta);
    r.arousal = gst_emotion_meta_get_arousal(meta);
    r.valence = gst_emotion_meta_get_valence(meta);
    r.high_arousal = gst_emotion_meta_get_high_arousal(meta);
    r.uncertain = gst_emotion_meta_get_uncertain(meta);
    r.interim = gst_emotion_meta_get_interim(meta);

    GstClockTime pts = GST_BUFFER_PTS(buffer);
    GstClockTime duration = GST_BUFFER_DURATION(buffer);
    GstClockTime stream_time = gst_segment_to_stream_time(segment, GST_FORMAT_TIME, pts);
    r.start = GST_CLOCK_TIME_IS_VALID(stream_time) ? stream_time / 1e9 : -1.0;
    r.duration = GST_CLOCK_TIME_IS_VALID(duration) ? duration / 1e9 : -1.0;
    return r;
}

} // namespace emotion::gst
