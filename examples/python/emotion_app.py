#!/usr/bin/python3
"""emotion_app.py: the Python (PyGObject) twin of examples/c-app/emotion-app.c.

    /usr/bin/python3 emotion_app.py FILE [MODEL]

Runs  filesrc ! decodebin ! audioconvert ! audioresample ! lldextract ! alstmclassify
      ! emotionsink  and prints every result from the bus `emotion` messages ("message"),
emotionsink's `result` signal ("signal") and the result buffers in a pad probe ("meta"):
    <source> <segment-id> <start s> <end s> <label> <confidence>
then "summary <segments> <dominant>". GstEmotionMeta has no introspection data, so the probe
checks that the meta is present (by its API type) and reads the K posteriors from the buffer
(other/tensors, float32) and the labels from the classifier's caps-independent `emotion`
message of the same segment.
"""
import struct
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GObject, Gst  # noqa: E402

LOCK = threading.Lock()
META_API = "GstEmotionMetaAPI"  # GType name of GstEmotionMeta's API
LABELS = {}  # segment id -> labels, from the bus messages (posted before the buffer leaves)


def line(source, segment, start, duration, label, confidence):
    valid = start != Gst.CLOCK_TIME_NONE
    s = start / 1e9 if valid else -1.0
    e = (start + duration) / 1e9 if valid and duration != Gst.CLOCK_TIME_NONE else -1.0
    with LOCK:
        print("%s %s %.3f %.3f %s %.4f" % (source, segment, s, e, label, confidence), flush=True)


def main(argv):
    Gst.init(None)
    if len(argv) < 2:
        print("usage: emotion_app.py FILE [MODEL]", file=sys.stderr)
        return 2
    model = ' model="%s"' % argv[2] if len(argv) > 2 else ""
    pipeline = Gst.parse_launch(
        'filesrc location="%s" ! decodebin ! audioconvert ! audioresample ! lldextract ! '
        "alstmclassify name=classifier%s ! emotionsink name=sink" % (argv[1], model))
    pending = []  # (segment order) results seen by the probe
    messages = []

    def probe(pad, info):
        buf = info.get_buffer()
        ok, mapped = buf.map(Gst.MapFlags.READ)
        scores = struct.unpack("<%df" % (mapped.size // 4), bytes(mapped.data))
        buf.unmap(mapped)
        best = max(range(len(scores)), key=lambda k: scores[k])
        # the API type is registered when the plugin attaches its first meta
        has_meta = buf.get_meta(GObject.type_from_name(META_API)) is not None
        pending.append((buf.pts, buf.duration, best, scores[best], has_meta))
        return Gst.PadProbeReturn.OK

    classifier = pipeline.get_by_name("classifier")
    classifier.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, probe)

    def on_result(sink, result):
        line("signal", result.get_string("segment-id"), result.get_uint64("timestamp")[1],
             result.get_uint64("duration")[1], result.get_string("label"),
             result.get_double("confidence")[1])

    pipeline.get_by_name("sink").connect("result", on_result)

    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    status = 0
    while True:
        msg = bus.timed_pop(Gst.CLOCK_TIME_NONE)
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.get_name() == "emotion":
                segment = s.get_string("segment-id")
                start = s.get_uint64("timestamp")[1]
                duration = s.get_uint64("duration")[1]
                label = s.get_string("label")
                messages.append((start, duration, segment, label))
                line("message", segment, start, duration, label, s.get_double("confidence")[1])
                # the probe saw this segment's buffer after the message was posted
                for pts, dur, best, confidence, has_meta in list(pending):
                    if pts == start and has_meta:
                        pending.remove((pts, dur, best, confidence, has_meta))
                        line("meta", segment, pts, dur, label, confidence)
            elif s.get_name() == "emotion-summary":
                print("summary %d %s" % (s.get_uint("segments")[1], s.get_string("dominant")),
                      flush=True)
        elif msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            print("error: %s\n%s" % (err.message, debug), file=sys.stderr)
            status = 1
            break
        elif msg.type == Gst.MessageType.EOS:
            break
    # probe results whose message was handled before the buffer passed the probe
    for pts, dur, best, confidence, has_meta in pending:
        for start, duration, segment, label in messages:
            if start == pts and has_meta:
                line("meta", segment, pts, dur, label, confidence)
    pipeline.set_state(Gst.State.NULL)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
