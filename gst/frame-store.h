/* Segment bookkeeping shared by the classifiers that take LLD frames (GstEmotionClassifier and
 * ksmmtransformer): the frames kept while a segment or fallback window needs them, the segments
 * opened by emotion-segment-start events, and the fixed fallback windows used when upstream
 * sends none. Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <string>
#include <vector>

namespace emotion::gst {

constexpr int kLldFrameRate = 100;

struct OpenSegment
{
  std::string id;
  int64_t first_frame = 0;      /* index into the frame store (LLD input) */
  GstClockTime start = GST_CLOCK_TIME_NONE;
  GstClockTime end = GST_CLOCK_TIME_NONE;
  std::string true_emotion, speaker, gender, split, text;
  int parts = 0;                /* partial results already published */
  std::vector<std::vector<float>> mulaw;    /* mu-law segments of the utterance */
};

/* A segment opened by an emotion-segment-start event at frame `first_frame`. */
OpenSegment segment_from_event (GstEvent * event, int64_t first_frame);

/* Frames [base, next) of `frame_size` floats with their PTS. Indices count from the stream start
 * (or the last reset), so segments refer to frames by index while old ones are trimmed. */
class FrameStore
{
public:
  explicit FrameStore (int frame_size = 36) : frame_size_ (frame_size) {}

  void reset ();
  /* Appends `count` frames of a buffer that starts at `pts` and lasts `duration`. */
  void append (const float *values, size_t count, GstClockTime pts, GstClockTime duration);
  /* Drops the frames before `keep` (erasing in chunks, so amortised O(1) per frame). */
  void trim (int64_t keep);

  int frame_size () const { return frame_size_; }
  int64_t next () const { return next_; }
  const float *frame (int64_t index) const
  {
    return frames_.data () + (index - base_) * frame_size_;
  }
  /* PTS of frame `first`, and the end of the span [first, last). */
  GstClockTime start_of (int64_t first) const { return pts_[first - base_]; }
  GstClockTime end_of (int64_t last) const;

private:
  int frame_size_;
  std::vector<float> frames_;
  std::vector<GstClockTime> pts_;
  int64_t base_ = 0;
  int64_t next_ = 0;
  GstClockTime frame_duration_ = GST_MSECOND * 10;
};

/* Fixed windows of `window` frames every `hop` frames, classified when upstream sends no
 * emotion-segment events. Ids are "w" + a counter that only a new element state resets. */
struct FallbackWindows
{
  int64_t start = 0;            /* first frame of the next window */
  int64_t last_end = 0;
  int64_t count = 0;

  void reset () { start = last_end = 0; }
  /* The next complete window within `available` frames, or at EOS the shorter last one covering
   * the frames no full window reached. False when there is none. */
  bool next (int64_t available, int64_t window, int64_t hop, bool at_eos, std::string * id,
      int64_t * first, int64_t * last);
};

} // namespace emotion::gst
