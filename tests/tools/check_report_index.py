#!/usr/bin/env python3
"""emotion-report on a small archive: four EmoDB utterances (one with results beside it, one with
malformed results) and a corrupt file, as a folder and as a manifest. The index must list the tagged recordings with
shares summing to 1, the corrupt and the missing files with their errors, and link pages that
exist; bad command lines exit 2.
  check_report_index.py EMOTION-REPORT EMODB-WAV-DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


class IndexParser(HTMLParser):
    """The rows of index.html: recordings (name, dominant, shares, link) and errors (name, text)."""

    def __init__(self):
        super().__init__()
        self.recordings, self.errors = [], []
        self.row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and a.get("class") in ("recording", "error"):
            self.row = {"kind": a["class"], "name": a["data-name"], "cells": [], "href": None}
            if a["class"] == "recording":
                self.row["dominant"] = a["data-dominant"]
                self.row["shares"] = json.loads(a["data-shares"])
        elif tag == "td" and self.row is not None:
            self.row["cells"].append("")
        elif tag == "a" and self.row is not None:
            self.row["href"] = a.get("href")

    def handle_data(self, data):
        if self.row is not None and self.row["cells"]:
            self.row["cells"][-1] += data

    def handle_endtag(self, tag):
        if tag == "tr" and self.row is not None:
            (self.recordings if self.row["kind"] == "recording" else self.errors).append(self.row)
            self.row = None


def run(tool, *args):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([tool, *args], capture_output=True, text=True, env=env, timeout=240)


def read_index(out):
    parser = IndexParser()
    with open(os.path.join(out, "index.html"), encoding="utf-8") as f:
        parser.feed(f.read())
    return parser


def check_recordings(parser, out, expected_names):
    names = sorted(r["name"] for r in parser.recordings)
    check(names == sorted(expected_names), f"recordings listed {names}, expected {sorted(expected_names)}")
    for r in parser.recordings:
        total = sum(r["shares"].values())
        check(abs(total - 1.0) < 1e-6, f"{r['name']}: shares sum to {total}")
        check(r["dominant"] == max(r["shares"], key=r["shares"].get), f"{r['name']}: dominant {r['dominant']}")
        page = os.path.join(out, r["href"] or "")
        check(r["href"] and os.path.isfile(page), f"{r['name']}: page {r['href']} missing")
        segments = int(r["cells"][4])
        check(segments >= 1, f"{r['name']}: {segments} segments")


def main():
    tool, wav_dir = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="emotion-report-")
    try:
        archive = os.path.join(work, "archive")
        os.makedirs(os.path.join(archive, "day2"))
        shutil.copy(os.path.join(wav_dir, "03a01Wa.wav"), archive)
        shutil.copy(os.path.join(wav_dir, "03a01Nc.wav"), os.path.join(archive, "day2"))
        shutil.copy(os.path.join(wav_dir, "03a02Ta.wav"), archive)
        with open(os.path.join(archive, "broken.wav"), "wb") as f:
            f.write(b"RIFF\x10\x00\x00\x00WAVEjunk" + os.urandom(2000))
        # results beside a recording are read, not recomputed: two made-up segments, 3 s sad, 1 s happy
        with open(os.path.join(archive, "03a02Ta.jsonl"), "w") as f:
            f.write('{"segment":"a","start":0.0,"end":3.0,"label":"sad","confidence":0.9,"model":"hand"}\n')
            f.write('{"segment":"b","start":3.0,"end":4.0,"label":"happy","confidence":0.6,"model":"hand"}\n')
        # results that are not JSON: an error row naming the line, not a crash or an empty page
        shutil.copy(os.path.join(wav_dir, "03a01Fa.wav"), archive)
        with open(os.path.join(archive, "03a01Fa.jsonl"), "w") as f:
            f.write('{"segment":"a","start":0.0,"end":1.0,"label":"happy","confidence":0.5}\n{"segment": tru\n')

        out = os.path.join(work, "report")
        result = run(tool, "--out", out, archive)
        print(result.stdout, result.stderr)
        check(result.returncode == 0, f"folder: exit {result.returncode}")
        check("5/5" in result.stderr, "no progress line 5/5 on stderr")
        index = read_index(out)
        check_recordings(index, out, ["03a01Wa.wav", "day2/03a01Nc.wav", "03a02Ta.wav"])
        by_name = {r["name"]: r for r in index.recordings}
        hand = by_name.get("03a02Ta.wav")
        check(hand is not None and abs(hand["shares"].get("sad", 0) - 0.75) < 1e-9,
              f"existing results: shares {hand and hand['shares']}, expected sad 0.75 happy 0.25")
        check([e["name"] for e in index.errors] == ["03a01Fa.wav", "broken.wav"], f"error rows {index.errors}")
        check(index.errors and "03a01Fa.jsonl:2" in index.errors[0]["cells"][1], "bad results: no FILE:LINE")
        check(all(e["cells"][1].strip() for e in index.errors), "an error row without its message")
        check(os.path.isfile(os.path.join(out, "recordings", "day2_03a01Nc.wav")), "audio not beside its page")

        # a manifest: paths relative to it, one missing
        manifest = os.path.join(archive, "list.csv")
        with open(manifest, "w") as f:
            f.write("path,emotion\n03a01Wa.wav,anger\nday2/03a01Nc.wav,neutral\nmissing.wav,sadness\n")
        out2 = os.path.join(work, "report2")
        stl = os.path.join(os.environ["EMOTION_SOURCE_MODELS"], "stl.safetensors")
        result = run(tool, "--retag", "--model", stl, "--out", out2, manifest)
        print(result.stdout, result.stderr)
        check(result.returncode == 0, f"manifest: exit {result.returncode}")
        index = read_index(out2)
        check_recordings(index, out2, ["03a01Wa.wav", "day2/03a01Nc.wav"])
        check(all(r["cells"][5] == "stl.safetensors" for r in index.recordings),
              f"--model: models {[r['cells'][5] for r in index.recordings]}")
        check([e["name"] for e in index.errors] == ["missing.wav"] and "no such file" in index.errors[0]["cells"][1],
              f"manifest error rows {index.errors}")

        # a report inside the archive, made twice: its copies of the recordings are not listed
        inside = os.path.join(archive, "report")
        for _ in range(2):
            result = run(tool, "--out", inside, archive)
            check(result.returncode == 0 and "5 recordings" in result.stdout,
                  f"report inside the archive: exit {result.returncode}, {result.stdout.strip()}\n{result.stderr[-3000:]}")

        # the usage conventions of every tool (main's tool_usage test): "TOOL: what is wrong" and
        # the usage line on stderr, nothing on stdout
        for args, message in [([], "no FOLDER or MANIFEST"), (["--out"], "--out needs a value"),
                              (["-x"], "unknown option -x"), (["--out", out, archive, "extra"], "unexpected argument 'extra'")]:
            result = run(tool, *args)
            check(result.returncode == 2 and result.stderr.startswith("emotion-report: ") and message in result.stderr
                  and "usage: emotion-report" in result.stderr and not result.stdout,
                  f"{args}: exit {result.returncode}, stderr {result.stderr!r}, stdout {result.stdout!r}")
        for args, status in [([], 2), (["--out"], 2), (["--bogus", archive], 2), ([archive], 2),
                             (["--out", out, archive, archive], 2),
                             (["--out", out, os.path.join(work, "nowhere")], 1),
                             (["--model", os.path.join(work, "none.safetensors"), "--out", out, archive], 1)]:
            result = run(tool, *args)
            check(result.returncode == status and "emotion-report:" in result.stderr,
                  f"{args}: exit {result.returncode} (expected {status}), stderr {result.stderr!r}")
        for option in ["--help", "-h"]:
            help_run = run(tool, option)
            check(help_run.returncode == 0 and help_run.stdout.startswith("usage: emotion-report") and
                  "--out" in help_run.stdout and not help_run.stderr, option)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
