/* Plays utterances one after another as one continuous stream, as emodatasetsrc does: each file
 * decoded to 16 kHz mono F32 on the audio pad, framed by emotion-segment-start (with the
 * utterance's labels and split) and emotion-segment-end, its transcript on the text pad timed
 * like it (a GAP event when it has none), and the next utterance timed from where this one
 * ended. Internal to the plugin. */
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <string>

#include "io/manifest.h"
#include "train/dataset_plan.h"

namespace emotion::gst {

class UtterancePlayer {
public:
    /* `text_pad`: the started text pad with a reference, or NULL when there is none. Playing stops
     * when `cancel` becomes true (the pad's task is being stopped). */
    UtterancePlayer(GstPad* audio, std::function<GstPad*()> text_pad, const std::atomic<bool>& cancel);

    struct Played {
        GstFlowReturn flow = GST_FLOW_OK; /* downstream's; FLUSHING when cancelled */
        bool emitted = false;             /* audio went out */
        bool skipped = false;             /* the file could not be decoded: `error` says why */
        std::string error;
    };
    Played play(const io::Utterance& u, const std::string& id, train::Split split);

private:
    GstPad* audio_;
    std::function<GstPad*()> text_pad_;
    const std::atomic<bool>& cancel_;
    GstClockTime offset_ = 0; /* output time of the next utterance */
};

} // namespace emotion::gst
