#!/usr/bin/python3
"""Runs the C and the Python example applications on one file and checks their output:
every result appears as a bus message, a `result` signal and a probe line with the same segment,
times, label and confidence; a summary line counts them; both applications print the same.
The Python application reads the meta through the GstEmotion typelib (GI_TYPELIB_PATH from the
test env) and prints every class's posterior too: the model's labels in order, scores summing to 1
whose maximum is the printed label and confidence.

    check_apps.py C_APP PY_APP WAV   (EMOTION_MODEL_TOOL, EMOTION_SHARED_DIR from the test env;
                                      exits 77, skipped, after the C application when the build
                                      has no typelib: EMOTION_GIR_BUILT=0)
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


def parse_classes(name, line, labels):
    """'classes SEGMENT l1=s1,l2=s2,...' -> (segment, [(label, score)]), checked against labels"""
    parts = line.split()
    if len(parts) != 3:
        fail("%s: unexpected line %r" % (name, line))
    pairs = [(p.split("=")[0], float(p.split("=")[1])) for p in parts[2].split(",")]
    if [label for label, _ in pairs] != labels:
        fail("%s: class labels %r, model has %r" % (name, pairs, labels))
    if abs(sum(score for _, score in pairs) - 1.0) > 1e-3:
        fail("%s: posteriors do not sum to 1: %r" % (name, line))
    return parts[1], pairs


def check(name, lines, labels):
    by_source = {"message": {}, "signal": {}, "meta": {}}
    classes = {}
    summary = None
    for line in lines:
        parts = line.split()
        if parts[0] == "summary":
            summary = parts
            continue
        if parts[0] == "classes":
            segment, pairs = parse_classes(name, line, labels)
            classes[segment] = pairs
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
    if classes:
        if sorted(classes) != sorted(messages):
            fail("%s: classes lines for %s, results %s" % (name, sorted(classes), sorted(messages)))
        for segment, pairs in classes.items():
            best_label, best_score = max(pairs, key=lambda pair: pair[1])
            _, _, label, confidence = messages[segment]
            if best_label != label or abs(best_score - float(confidence)) > 1e-4:
                fail("%s: segment %s posteriors %r, result %s %s"
                     % (name, segment, pairs, label, confidence))
        print("%s: the meta's posteriors of all %d classes agree with each result"
              % (name, len(labels)))
    print("%s: %d results, each seen as message, signal and meta; dominant %s"
          % (name, len(messages), summary[2]))
    return sorted(line for line in lines if not line.startswith("classes "))


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
        if os.environ.get("EMOTION_GIR_BUILT") == "0":
            print("SKIP: the Python application needs the GstEmotion typelib (-Dintrospection)")
            sys.exit(77)
        py_out = run(["/usr/bin/python3", py_app, wav, model])
        py_lines = check("Python", py_out, labels)
    if c_lines != py_lines:
        fail("the C and Python applications print different results")
    if not any(line.startswith("classes ") for line in py_out):
        fail("the Python application printed no posteriors from GstEmotion")
    print("C and Python applications agree")


if __name__ == "__main__":
    main()
