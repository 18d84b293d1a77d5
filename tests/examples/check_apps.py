#!/usr/bin/python3
"""Runs the C and the Python example applications on one file and checks their output:
every result appears as a bus message, a `result` signal and a probe line with the same segment,
times, label and confidence; a summary line counts them; both applications print the same.

    check_apps.py C_APP PY_APP WAV   (EMOTION_MODEL_TOOL, EMOTION_SHARED_DIR from the test env)
"""
import os
import subprocess
import sys
import tempfile


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def run(command):
    print("$ " + " ".join(command))
    p = subprocess.run(command, capture_output=True, text=True, timeout=120)
    print(p.stdout, end="")
    if p.returncode != 0:
        print(p.stderr)
        fail("%s exited with %d" % (command[0], p.returncode))
    return p.stdout.splitlines()


def check(name, lines, labels):
    by_source = {"message": {}, "signal": {}, "meta": {}}
    summary = None
    for line in lines:
        parts = line.split()
        if parts[0] == "summary":
            summary = parts
            continue
        if parts[0] not in by_source or len(parts) != 6:
            fail("%s: unexpected line %r" % (name, line))
        source, segment, start, end, label, confidence = parts
        if segment in by_source[source]:
            fail("%s: segment %s twice from %s" % (name, segment, source))
        if label not in labels:
            fail("%s: label %s" % (name, label))
        if not (0.0 < float(confidence) <= 1.0) or not (0.0 <= float(start) < float(end)):
            fail("%s: values in %r" % (name, line))
        by_source[source][segment] = (start, end, label, confidence)
    messages = by_source["message"]
    if not messages:
        fail("%s: no results" % name)
    for source in ("signal", "meta"):
        if by_source[source] != messages:
            fail("%s: %s lines differ from the bus messages:\n%s\n%s"
                 % (name, source, by_source[source], messages))
    if summary is None or int(summary[1]) != len(messages) or summary[2] not in labels:
        fail("%s: summary %r for %d results" % (name, summary, len(messages)))
    print("%s: %d results, each seen as message, signal and meta; dominant %s"
          % (name, len(messages), summary[2]))
    return sorted(lines)


def main():
    c_app, py_app, wav = sys.argv[1:4]
    shared = os.environ["EMOTION_SHARED_DIR"]
    labels = ["angry", "happy", "neutral", "sad"]
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "alstm.safetensors")
        run([os.environ["EMOTION_MODEL_TOOL"], "from-reference",
             os.path.join(shared, "reference", "nn", "model_alstm_mean.safetensors"), model,
             "--labels", ",".join(labels)])
        c_lines = check("C", run([c_app, wav, model]), labels)
        py_lines = check("Python", run(["/usr/bin/python3", py_app, wav, model]), labels)
    if c_lines != py_lines:
        fail("the C and Python applications print different results")
    print("C and Python applications agree")


if __name__ == "__main__":
    main()
