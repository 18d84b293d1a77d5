#!/usr/bin/python3
"""Runs every example launch line that `gst-inspect-1.0` shows for the plugin's elements and every
`gst-launch-1.0` pipeline of the README, as a user would paste them, and checks that each ends
without error and writes the files it names.

Adapted only for files: each line runs in a scratch folder laid out like the places the docs
assume (speech.wav and talk.wav: an EmoDB utterance; talk.srt: its transcript; models/: the
source tree's; emodb/ and ../shared/: the shared data; text.safetensors: a word table made by
emotion-embeddings), and training runs one epoch instead of tens (`epochs=N` -> `epochs=1`).
Lines whose inputs this machine lacks are reported as skipped, with the reason.

    check_doc_pipelines.py README.md   (GST_PLUGIN_PATH, EMOTION_SHARED_DIR, EMOTION_SOURCE_MODELS,
                                        EMOTION_EMBEDDINGS_TOOL, EMOTION_NPM_DIR from the test env)
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

EXAMPLE_WAV = "wav/08a02Wc.wav"  # 1.9 s, angry
EXAMPLE_TRANSCRIPT = "Der Lappen liegt auf dem Eisschrank."  # EmoDB sentence a02
TIMEOUT = 600


def plugin_elements():
    out = subprocess.run(["gst-inspect-1.0", "emotion"], capture_output=True, text=True, check=True).stdout
    return re.findall(r"^  ([a-z0-9]+): ", out, re.M)


def inspect_example(element):
    out = subprocess.run(["gst-inspect-1.0", element], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Example-launch-line\s+(gst-launch-1\.0 .*)", out)
    return match.group(1).strip() if match else None


def readme_pipelines(path):
    """gst-launch-1.0 commands of the README's code blocks, continuation lines joined."""
    lines, in_code, pending = [], False, None
    for raw in open(path, encoding="utf-8"):
        line = raw.rstrip("\n")
        if line.startswith("```"):
            in_code = not in_code
            continue
        if not in_code:
            continue
        if pending is not None:
            pending += " " + line.strip().rstrip("\\").strip()
            if not line.endswith("\\"):
                lines.append(pending)
                pending = None
            continue
        if line.strip().startswith("gst-launch-1.0"):
            text = line.strip()
            if text.endswith("\\"):
                pending = text.rstrip("\\").strip()
            else:
                lines.append(text)
    return lines


def output_files(arguments):
    """Files a pipeline writes: emotionsink location/report, model-location."""
    outputs = []
    for i, word in enumerate(arguments):
        element = next((w for w in reversed(arguments[:i]) if w == "!" or re.match(r"^[a-z0-9]+$", w)), "")
        for key in ("report=", "model-location="):
            if word.startswith(key):
                outputs.append(word[len(key):])
        if word.startswith("location=") and "sink" in element:
            outputs.append(word[len("location="):])
    return outputs


def scratch_folder(shared, models, embeddings_tool, npm_dir):
    root = tempfile.mkdtemp(prefix="doc-pipelines-")
    work = os.path.join(root, "work")  # ../shared is the shared data, as beside a checkout
    os.mkdir(work)
    os.symlink(shared, os.path.join(root, "shared"))
    for name in ("speech.wav", "talk.wav"):
        os.symlink(os.path.join(shared, "data", "emodb", EXAMPLE_WAV), os.path.join(work, name))
    with open(os.path.join(work, "talk.srt"), "w") as srt:
        srt.write("1\n00:00:00,000 --> 00:00:01,900\n%s\n\n" % EXAMPLE_TRANSCRIPT)
    os.symlink(models, os.path.join(work, "models"))
    os.symlink(os.path.join(shared, "data", "emodb"), os.path.join(work, "emodb"))
    missing = {}
    if embeddings_tool and npm_dir and os.path.isdir(npm_dir):
        subprocess.run([embeddings_tool, "--package", npm_dir, "--words", "2000", "--out",
                        os.path.join(work, "text.safetensors")], check=True, capture_output=True)
    else:
        missing["text.safetensors"] = "no npm word vectors (EMOTION_NPM_DIR) to make it from"
    return root, work, missing


def run_pipeline(line, work, missing):
    adapted = re.sub(r"\bepochs=\d+", "epochs=1", line)
    arguments = shlex.split(adapted)
    for name, reason in missing.items():
        if any(name in a for a in arguments):
            return "skip", reason
    outputs = output_files(arguments)
    for out in outputs:
        if os.path.exists(os.path.join(work, out)):
            os.remove(os.path.join(work, out))
    p = subprocess.run(arguments[:1] + ["-q"] + arguments[1:], cwd=work, capture_output=True, text=True,
                       timeout=TIMEOUT)
    if p.returncode != 0:
        return "fail", "exit %d: %s" % (p.returncode, (p.stderr or p.stdout).strip()[-800:])
    for out in outputs:
        path = os.path.join(work, out)
        if not os.path.isfile(path) or os.path.getsize(path) == 0:
            return "fail", "wrote no %s" % out
    return "ok", ", ".join(outputs) or "no files named"


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    shared = os.path.abspath(os.environ.get("EMOTION_SHARED_DIR", "../shared"))
    if not os.path.isdir(os.path.join(shared, "data", "emodb")):
        print("SKIP: %s/data/emodb is absent" % shared)
        return 77
    root, work, missing = scratch_folder(shared, os.environ["EMOTION_SOURCE_MODELS"],
                                   os.environ.get("EMOTION_EMBEDDINGS_TOOL"), os.environ.get("EMOTION_NPM_DIR"))
    cases = [("gst-inspect-1.0 " + e, inspect_example(e)) for e in plugin_elements()]
    cases += [("README", line) for line in readme_pipelines(sys.argv[1])]
    counts = {"ok": 0, "fail": 0, "skip": 0}
    for source, line in cases:
        if line is None:
            status, detail = "fail", "no example launch line"
        else:
            status, detail = run_pipeline(line, work, missing)
        counts[status] += 1
        print("%-4s %s: %s\n     %s" % (status.upper(), source, line, detail))
    print("%d ran, %d failed, %d skipped" % (counts["ok"], counts["fail"], counts["skip"]))
    shutil.rmtree(root)
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
