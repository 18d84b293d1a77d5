#!/usr/bin/python3
"""emotion_app.py: the Python (PyGObject) twin of examples/c-app/emotion-app.c.

    /usr/bin/python3 emotion_app.py FILE [MODEL]

Runs  filesrc ! decodebin ! audioconvert ! audioresample ! lldextract ! alstmclassify
      ! emotionsink  and prints every result from the bus `emotion` messages ("message"),
emotionsink's `result` signal ("signal") and the result buffers in a pad probe ("meta"):
    <source> <segment-id> <start s> <end s> <label> <confidence>
then "summary <segments> <dominant>". The probe reads the GstEmotionMeta of each result buffer
through the GstEmotion introspection data (libgstemotion-1.0's typelib; for an uninstalled build
set GI_TYPELIB_PATH and LD_LIBRARY_PATH to build/gst-libs/gst/emotion), and prints the
posteriors of every class too:
    classes <segment-id> <label>=<score>,<label>=<score>,...
"""
import sys
import threading

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstEmotion", "1.0")
from gi.repository import Gst, GstEmotion  # noqa: E402

LOCK = threading.Lock()


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

    def probe(pad, info):
        buf = info.get_buffer()
        meta = GstEmotion.buffer_get_emotion_meta(buf)
        if meta is not None:
            segment = meta.get_segment_id()
            line("meta", segment, buf.pts, buf.duration, meta.get_label(), meta.get_confidence())
            classes = ",".join("%s=%.4f" % (meta.get_class_label(k), score)
                               for k, score in enumerate(meta.get_scores()))
            with LOCK:
                print("classes %s %s" % (segment, classes), flush=True)
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
                line("message", segment, start, duration, s.get_string("label"),
                     s.get_double("confidence")[1])
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
    pipeline.set_state(Gst.State.NULL)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
