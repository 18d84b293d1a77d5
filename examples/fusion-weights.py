#!/usr/bin/env python3
"""UA of emotionfuse's weighted fusion for every weight triple of a grid, from the per-model
results evaluate-fusion.sh writes (NAME-{alstm,apcnn,stl}.jsonl, one result per utterance), to
choose `weights` on validation data:  fusion-weights.py NAME [W1,W2,W3]  (with weights: their UA).
With one result per utterance the fused posteriors are the weighted mean of the models'. As in
emotionfuse, the first model's results set the segments, matched by segment id, and a model with
no result for a segment (the LLD models' speech gate may skip one) leaves its weight to the others."""
import itertools
import json
import sys

MODELS = ["alstm", "apcnn", "stl"]
name = sys.argv[1]
by_segment = {m: {r["segment"]: r for r in map(json.loads, open(f"{name}-{m}.jsonl"))} for m in MODELS}
segments = list(by_segment[MODELS[0]])
labels = sorted(by_segment[MODELS[0]][segments[0]]["scores"])
truth = [by_segment[MODELS[0]][s]["true"] for s in segments]
for m in MODELS[1:]:
    missing = sum(s not in by_segment[m] for s in segments)
    if missing:
        print(f"{m}: no result for {missing} of {len(segments)} segments", file=sys.stderr)


def fused_label(weights, segment):
    present = [(w, by_segment[m][segment]["scores"]) for w, m in zip(weights, MODELS) if segment in by_segment[m]]
    fused = {label: sum(w * scores[label] for w, scores in present) for label in labels}
    return max(fused, key=fused.get)


def ua(weights):
    hits = {label: 0 for label in labels}
    counts = {label: 0 for label in labels}
    for segment, true in zip(segments, truth):
        counts[true] += 1
        hits[true] += fused_label(weights, segment) == true
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
