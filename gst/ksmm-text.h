/* ksmmtransformer's text stream: the lines of its `text` pad by running time, how far the text is
 * known to be complete, and the words of the lines that overlap a segment. A line stays on its
 * pad until the audio has passed its end, so that the aggregator goes on taking audio while a
 * source pushes each utterance's text and then its audio from one thread (emodatasetsrc).
 * Internal to the plugin. */
#pragma once

#include <gst/base/gstaggregator.h>

#include <deque>
#include <string>
#include <vector>

#include "text/vocabulary.h"

namespace emotion::gst {

class KsmmText {
public:
    KsmmText() = default;
    KsmmText(const KsmmText&) = delete;
    KsmmText& operator=(const KsmmText&) = delete;
    ~KsmmText();

    /* The text pad's caps: lines are pango-markup (else plain UTF-8). */
    void set_markup(bool markup) { markup_ = markup; }
    /* Takes the lines of `pad` that start before the audio's running time `audio_rt` (all of
     * them once the audio has ended); returns whether the text stream is complete (at EOS with
     * nothing left). Invalid UTF-8 and overlong lines are reported once on `element`. */
    bool take(GstElement* element, GstAggregatorPad* pad, GstClockTime audio_rt, bool audio_eos);
    /* The running time up to which the text stream is complete. */
    GstClockTime known() const { return known_; }
    /* The word ids of the lines overlapping [start, end) (running time), in order, cut to
     * `text_len` (a line without duration counts where it starts). */
    std::vector<int> words(GstClockTime start, GstClockTime end, const text::Vocabulary& vocabulary,
                           size_t text_len) const;
    /* Lines that end before `oldest`, the earliest running time a segment still needs, go. */
    void forget_before(GstClockTime oldest);
    /* A new stream or a flush: no lines, nothing known. */
    void reset();
    /* The text stream cannot be read (not in TIME, after an error was posted): the element
     * stops instead of reading the pad's buffers, until the element stops. */
    void set_unreadable() { unreadable_ = true; }
    bool unreadable() const { return unreadable_; }

private:
    struct Line {
        GstClockTime start, end;
        std::string text;
    };
    void take_line(GstElement* element, GstAggregatorPad* pad, GstBuffer* buffer);

    std::deque<Line> lines_;
    GstBuffer* held_ = NULL; /* taken, but left on the pad until the audio passes it */
    GstClockTime known_ = 0;
    bool markup_ = false;
    bool warned_utf8_ = false, warned_long_ = false;
    bool unreadable_ = false;
};

} // namespace emotion::gst
