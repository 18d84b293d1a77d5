#!/usr/bin/env python3
"""Checks bench/compare-pytorch without torch: its RESULT parsing, the combination of runs and the
table's ratios and targets on canned lines; then, when given the build directory, that bench_m1,
bench_m2 and bench_m3_m4 print well-formed RESULT lines on tiny settings (a few seconds).

  test_compare_pytorch.py [BUILD_DIR]
"""
import importlib.machinery
import importlib.util
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
loader = importlib.machinery.SourceFileLoader("compare_pytorch", os.path.join(HERE, "compare-pytorch"))
spec = importlib.util.spec_from_loader("compare_pytorch", loader)
cp = importlib.util.module_from_spec(spec)
loader.exec_module(cp)

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def raises(call):
    try:
        call()
    except ValueError:
        return True
    return False


def check_parsing():
    text = ("M3 stl training ...\n"
            "RESULT model=m3 phase=train threads=1 batch=32 frames=400 best_s=0.100000 median_s=0.120000 "
            "audio_s_per_s=2500.0 peak_rss_mb=210\n"
            "PEER torch=1.13 blas=/usr/lib/x/openblas-pthread/libblas.so.3\n"
            "RESULT model=m3 phase=train threads=1 batch=32 frames=400 best_s=0.090000 median_s=0.140000 "
            "audio_s_per_s=2100.0 peak_rss_mb=215\n"
            "RESULT model=m3 phase=train threads=1 batch=32 frames=400 best_s=0.110000 median_s=0.130000 "
            "audio_s_per_s=2300.0 peak_rss_mb=215\n")
    results = cp.parse_results(text)
    check(len(results) == 3, "three RESULT lines parsed")
    check(results[0]["model"] == "m3" and results[0]["batch"] == 32 and results[0]["best_s"] == 0.1,
          "fields of the first line")
    check(cp.combine(results) == (0.09, 0.13), "best of bests, median of medians")
    check(raises(lambda: cp.parse_result_line("RESULT model=m3 phase=train best_s=0.1")), "missing fields rejected")
    check(raises(lambda: cp.parse_result_line(
        "RESULT model=m3 phase=train threads=1 batch=1 frames=1 best_s=0 median_s=1 audio_s_per_s=1 peak_rss_mb=1")),
        "zero time rejected")
    check(raises(lambda: cp.combine([])), "no RESULT line is an error")


def check_table():
    rows = [("m3", "infer", "1 x 450", (0.001, 0.002), (0.004, 0.012)),           # 4x: below 5x
            ("m2", "train", "64 x 2 s segments", (1.0, 1.1), (12.0, 13.0)),       # 12x: meets 10x
            ("m1-lstm", "train", "32 x 300", (0.2, 0.25), (0.5, 0.6)),            # 2.5x: meets 2x
            ("m1-alstm", "train", "32 x 300", (0.3, 0.3), (9.0, 9.0)),            # 1.5 x lstm: not met
            ("m1-mean", "train", "32 x 300", (0.24, 0.26), (9.0, 9.0)),           # 1.2 x lstm: met
            ("m1-mean", "train", "32 x 100", (0.24, 0.26), (9.0, 9.0))]           # no lstm row
    lines = cp.table(rows, {"32 x 300": (0.2, 0.25)}).splitlines()
    check(len(lines) == 2 + len(rows), "a header, a rule and one line per row")
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    check(cells[0][5] == "4.00x / 6.00x" and cells[0][6] == ">= 5x" and cells[0][7] == "NO", "inference 4x unmet")
    check(cells[1][5] == "12x / 12x" and cells[1][7] == "yes", "M2 12x met")
    check(cells[2][7] == "yes", "M1 lstm 2.5x met")
    check(cells[3][6].startswith("<= 1.25 x our lstm (is 1.50") and cells[3][7] == "NO", "alstm 1.5 x lstm unmet")
    check(cells[4][7] == "yes", "mean 1.2 x lstm met")
    check(cells[5][7] == "-", "no lstm measurement: no verdict")


def check_cases():
    train = [c for c in cp.cases(["m1-alstm", "m2", "m4"], quick=False) if c[1] == "train"]
    check([c[0] for c in train] == ["m1-alstm", "m1-alstm", "m2", "m4", "m4"], "training cases per model")
    check(train[1][3] == cp.cases(["m1-alstm"], quick=False)[2][3], "seeded lengths reproducible")
    check(all(200 <= L <= 400 for L in train[1][3]) and len(train[1][3]) == 32, "M1 lengths in [200, 400]")
    check(all(200 <= L <= 600 for L in train[4][3]), "M4 lengths in [200, 600]")


def check_benchmarks(build):
    """Each bench binary's RESULT lines on tiny settings, through compare-pytorch's parser."""
    small = ["--iterations", "1", "--train-steps", "1", "--warmup", "1", "--threads", "1"]
    runs = {("bench_m1", "--cells", "lstm", "--frames", "50", "--lengths", "40,50"): {"m1-lstm"},
            ("bench_m2", "--batch", "2"): {"m2"},
            ("bench_m3_m4", "--models", "m3,m4", "--lengths", "40,50"): {"m3", "m4"}}
    for args, models in runs.items():
        command = [os.path.join(build, "bench", args[0])] + list(args[1:]) + small
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        results = cp.parse_results(out)
        seen = {(r["model"], r["phase"]) for r in results}
        check(seen == {(m, p) for m in models for p in ("infer", "train")}, f"{args[0]}: one line per model and phase")
        check(all(r["batch"] == 2 for r in results if r["phase"] == "train"), f"{args[0]}: the batch of --lengths")


check_parsing()
check_table()
check_cases()
if len(sys.argv) > 1:
    check_benchmarks(sys.argv[1])
print(f"{len(failures)} failures")
sys.exit(1 if failures else 0)
