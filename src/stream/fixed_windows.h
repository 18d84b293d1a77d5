// Fixed windows over a frame sequence: window k holds frames [k hop, k hop + window) of the
// current sequence (frames are counted from the last close). Windows start in order and, having
// one length, end in order; with hop < window they overlap. Ids are prefix + a counter ("w0",
// "w1", ...) that only restart_ids() resets, so they stay unique across sequences.
//
// Two kinds of owner use it. One that announces a window at its start (lldextract's
// segmentation=window pushes a start event) ends every open window at close(). One that
// publishes a window only once it has ended (the classifiers' fallback windows) uses
// close_rest() and drop_open(): windows it drops were never seen, so they give their ids back.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace emotion::stream {

class FixedWindows {
public:
    struct Window {
        std::string id;
        int64_t first = 0; // frames [first, last) of the sequence
        int64_t last = 0;  // for a window just started: where it will end
    };

    // Lengths in frames (at least 1 each).
    FixedWindows(int64_t window_frames, int64_t hop_frames, std::string prefix = "w");

    // Ids start from 0 again.
    void restart_ids();
    // The next frame: appends the windows that start at it to `started` and those that end with
    // it to `ended` (either may be null when the caller does not want them).
    void frame(std::vector<Window>* started, std::vector<Window>* ended);
    // End of the sequence: every open window ends with the last frame (so it may be shorter than
    // `window`) and is appended to `ended`; the next frame is frame 0 again.
    void close(std::vector<Window>* ended);
    // End of the sequence for an owner that publishes ended windows only: the earliest open
    // window ends with the last frame, if it holds frames that no window ended so far held (the
    // last, shorter window of a stream); the other open windows are dropped. The next frame is
    // frame 0 again.
    void close_rest(std::vector<Window>* ended);
    // Drops the open windows; the next frame is frame 0 again.
    void drop_open();

    bool open() const { return !open_.empty(); }
    // Frames of the current sequence so far.
    int64_t frames() const { return next_frame_; }
    // The first frame an open window holds (frames() when none is open).
    int64_t first_open_frame() const { return open_.empty() ? next_frame_ : open_.front().first; }

private:
    void restart_sequence();

    int64_t window_, hop_;
    std::string prefix_;
    int64_t next_frame_ = 0;
    int64_t covered_ = 0; // end of the last window that ended in this sequence
    uint64_t next_id_ = 0;
    std::deque<Window> open_;
};

} // namespace emotion::stream
