/* FrameStore, FallbackWindows, segment_from_event: see the header. */
#include "frame-store.h"

#include <algorithm>

#include <gst/emotion/emotion.h>

namespace emotion::gst {

OpenSegment
segment_from_event (GstEvent * event, int64_t first_frame)
{
  OpenSegment segment;
  segment.id = gst_emotion_event_get_segment_id (event);
  for (auto field : {std::make_pair ("emotion", &segment.true_emotion),
          std::make_pair ("speaker", &segment.speaker),
          std::make_pair ("gender", &segment.gender), std::make_pair ("split", &segment.split),
          std::make_pair ("text", &segment.text)})
    if (const gchar * value = gst_emotion_event_get_field (event, field.first))
      *field.second = value;
  segment.first_frame = first_frame;
  return segment;
}

void
FrameStore::reset ()
{
  frames_.clear ();
  pts_.clear ();
  base_ = 0;
  next_ = 0;
}

void
FrameStore::append (const float *values, size_t count, GstClockTime pts, GstClockTime duration)
{
  if (GST_CLOCK_TIME_IS_VALID (duration) && count > 0)
    frame_duration_ = duration / count;
  frames_.insert (frames_.end (), values, values + count * frame_size_);
  for (size_t i = 0; i < count; ++i)
    pts_.push_back (GST_CLOCK_TIME_IS_VALID (pts) ? pts + i * frame_duration_ :
        GST_CLOCK_TIME_NONE);
  next_ += (int64_t) count;
}

void
FrameStore::trim (int64_t keep)
{
  keep = std::min (keep, next_);
  int64_t drop = keep - base_;
  if (drop <= 0 || (drop < 1024 && drop * 2 < (int64_t) pts_.size ()))
    return;
  frames_.erase (frames_.begin (), frames_.begin () + drop * frame_size_);
  pts_.erase (pts_.begin (), pts_.begin () + drop);
  base_ = keep;
}

GstClockTime
FrameStore::end_of (int64_t last) const
{
  GstClockTime end = pts_[last - 1 - base_];
  return GST_CLOCK_TIME_IS_VALID (end) ? end + frame_duration_ : end;
}

bool
FallbackWindows::next (int64_t available, int64_t window, int64_t hop, bool at_eos,
    std::string * id, int64_t * first, int64_t * last)
{
  if (start + window <= available) {
    *first = start;
    *last = start + window;
    last_end = *last;
    start += std::max<int64_t> (1, hop);
  } else if (at_eos && available > last_end && start < available) {
    *first = start;
    *last = available;
    last_end = available;
  } else {
    return false;
  }
  *id = "w" + std::to_string (count++);
  return true;
}

} // namespace emotion::gst
