#!/usr/bin/env python3
"""UA of emotionfuse's weighted fusion for every weight triple of a grid, from the per-model
results evaluate-fusion.sh writes (NAME-{alstm,apcnn,stl}.jsonl, one result per utterance), to
choose `weights` on validation data:  fusion-weights.py NAME [W1,W2,W3]  (with weights: their UA).
With one result per utterance the fused posteriors are the weighted mean of the models'."""
import itertools
import json
import sys

MODELS = ["alstm", "apcnn", "stl"]
name = sys.argv[1]
rows = {m: [json.loads(line) for line in open(f"{name}-{m}.jsonl")] for m in MODELS}
if any([r["segment"] for r in rows[m]] != [r["segment"] for r in rows["alstm"]] for m in MODELS):
    sys.exit("the models' results are not of the same segments")
labels = sorted(rows["alstm"][0]["scores"])
truth = [r["true"] for r in rows["alstm"]]


def ua(weights):
    hits = {label: 0 for label in labels}
    counts = {label: 0 for label in labels}
    for i, true in enumerate(truth):
        fused = {l: sum(w * rows[m][i]["scores"][l] for w, m in zip(weights, MODELS)) for l in labels}
        counts[true] += 1
        hits[true] += max(fused, key=fused.get) == true
    present = [label for label in labels if counts[label]]
    return sum(hits[label] / counts[label] for label in present) / len(present)


if len(sys.argv) > 2:
    print("%.3f" % ua([float(w) for w in sys.argv[2].split(",")]))
    sys.exit()
grid = list(itertools.product(range(1, 5), repeat=3))  # emotionfuse takes positive weights
scores = {w: ua(w) for w in grid}
top = max(scores.values())
best = " ".join(",".join(map(str, w)) for w in grid if scores[w] == top)
print("best weights %s: UA %.3f (equal weights %.3f)" % (best, top, scores[(1, 1, 1)]))
