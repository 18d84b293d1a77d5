/* Decodes one audio file of any format GStreamer can read into 16 kHz mono F32 samples, through
 * a private pipeline (filesrc ! decodebin ! audioconvert ! audioresample ! appsink). Used by
 * emodatasetsrc, which plays many files one after another into one stream. */
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <string>

namespace emotion::gst {

class FileDecoder {
public:
    /* Receives consecutive chunks of samples; returns false to stop decoding. */
    using Sink = std::function<bool(const float* samples, size_t count)>;

    /* Called once the file is open, before the first chunk, with its duration (or
     * GST_CLOCK_TIME_NONE when the container does not tell). */
    using Start = std::function<void(GstClockTime duration)>;

    /* Decodes `path`, calling `start` once and then `sink` per chunk. Returns false and sets
     * `error` when the file is missing, unreadable or not decodable audio. `cancel` aborts
     * between chunks. */
    static bool decode(const std::string& path, const Start& start, const Sink& sink,
                       const std::atomic<bool>& cancel, std::string* error);
};

} // namespace emotion::gst
