// Speech segments from dsp::Vad over the frame energies (LLD feature 1): one segment per stretch
// of speech, ids prefix + a counter ("vad0", "vad1", ...) that only start() resets. Decisions come
// lookahead_frames() late, so the owner holds its frames back: push() gives one mark per frame
// that has become decided, in order, which goes before that frame.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dsp/vad.h"

namespace emotion::stream {

// What goes before a decided frame: nothing, the start of a speech segment or the end of one.
struct SegmentMark {
    enum class Kind { None, Start, End };
    Kind kind = Kind::None;
    std::string id;
};

class SpeechSegments {
public:
    explicit SpeechSegments(const dsp::VadSettings& settings = {}, std::string prefix = "vad");

    int lookahead_frames() const { return vad_.lookahead_frames(); }
    // A new stream: ids start from 0 again.
    void start();
    // The next frame's energy: appends a mark for every frame that has become decided.
    void push(double frame_energy, std::vector<SegmentMark>& marks);
    // End of a stream part: appends the marks of every frame still undecided; *end is the end of
    // the segment still open then (Kind::None when none). The VAD starts afresh.
    void close(std::vector<SegmentMark>& marks, SegmentMark* end);
    bool open() const { return open_; }

private:
    void mark(const std::vector<bool>& decided, std::vector<SegmentMark>& marks);

    dsp::Vad vad_;
    std::string prefix_;
    std::vector<bool> decided_;
    uint64_t next_id_ = 0;
    bool open_ = false;
    std::string open_id_;
};

} // namespace emotion::stream
