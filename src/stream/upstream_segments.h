// The segments an upstream element marks (emotion-segment-start/end events), as seen by an element
// that forwards them. Once one has arrived, the element's own segmentation is off. Segments never
// span a discontinuity: close() ends the open ones there, and their upstream ends, arriving later,
// are to be dropped. At most 64 ids are remembered, so an upstream that never ends its segments
// cannot grow this without limit.
#pragma once

#include <string>
#include <vector>

namespace emotion::stream {

class UpstreamSegments {
public:
    // A new stream: no upstream segments seen.
    void reset();
    // Flush: every open segment is void (downstream flushes too); seen() stays.
    void flush();
    // True once any upstream segment has started or ended in this stream.
    bool seen() const { return seen_; }
    bool open() const { return !open_ids_.empty(); }
    // An upstream start (or end) of segment `id`; false when the event must be dropped (the end
    // of a segment already ended at a discontinuity).
    bool on_start(const std::string& id);
    bool on_end(const std::string& id);
    // A discontinuity: appends the ids of the open segments, which end here.
    void close(std::vector<std::string>& ended);

private:
    bool seen_ = false;
    std::vector<std::string> open_ids_;
    std::vector<std::string> closed_ids_;
};

} // namespace emotion::stream
