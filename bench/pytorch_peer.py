#!/usr/bin/env python3
"""The PyTorch side of bench/compare-pytorch: the reference models of
shared/reference/pytorch/reference_models.py (and, for M1 `lstm`, bidirectional torch.nn.LSTM with
the same attention pooling) on the shapes and optimisers of bench_m1, bench_m2 and bench_m3_m4,
one thread, denormals flushed. Prints the benchmarks' RESULT lines (bench/result_line.h).

  pytorch_peer.py --model m1-lstm|m1-alstm|m1-mean|m2|m3|m4 --phase infer|train
                  [--lengths a,b,c] [--iterations N] [--train-steps N] [--warmup N]
                  [--reference-dir DIR]

Inference runs batch 1 at the benchmarks' lengths (M1, M3 450 frames, M4 460 + tokens, M2 one
2 s segment); training runs `--lengths` (M2: batch 64 of 2 s segments). Needs Debian's
python3-torch and python3-numpy (run with /usr/bin/python3).
"""
import argparse
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

FRAMES_PER_SECOND = 100.0
FEATURES = 36
VOCABULARY = 5000  # bench_m3_m4's M4 vocabulary


def parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, choices=["m1-lstm", "m1-alstm", "m1-mean", "m2", "m3", "m4"])
    p.add_argument("--phase", required=True, choices=["infer", "train"])
    p.add_argument("--lengths", default="", help="per-item training lengths, comma-separated")
    p.add_argument("--iterations", type=int, default=10)
    p.add_argument("--train-steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--reference-dir", default=os.path.join(here, "..", "..", "shared", "reference", "pytorch"))
    return p.parse_args(argv)


class M1Lstm(nn.Module):
    """M1 with the plain LSTM cell as a PyTorch user writes it: ALSTMModel's layers with
    torch.nn.LSTM (packed sequences when the lengths differ) in place of the reference loop."""

    def __init__(self, R):
        super().__init__()
        self.fc_in = nn.Linear(FEATURES, 256)
        self.drop_in = nn.Dropout(0.5)
        self.rnn = nn.LSTM(256, 128, batch_first=True, bidirectional=True)
        self.drop_rnn = nn.Dropout(0.5)
        self.pool = R.AttentionPool1d(256)
        self.head_emotion = R._mlp_head([256, 256, 4], 0.5)

    def forward(self, x, lengths):
        a = self.drop_in(F.relu(self.fc_in(x)))
        if bool((lengths == x.shape[1]).all()):
            y, _ = self.rnn(a)
        else:
            packed = nn.utils.rnn.pack_padded_sequence(a, lengths, batch_first=True, enforce_sorted=False)
            y, _ = nn.utils.rnn.pad_packed_sequence(self.rnn(packed)[0], batch_first=True,
                                                    total_length=x.shape[1])
        z, _ = self.pool(self.drop_rnn(y), lengths)
        return self.head_emotion(z)


def masked_znorm(x, lengths, R, floor=1e-5):
    """R.znorm without its loop over the batch (the peer at its best)."""
    keep = (~R.length_mask(lengths, x.shape[1])).unsqueeze(-1).to(x.dtype)
    n = lengths.to(x.dtype)[:, None, None]
    mean = (x * keep).sum(1, keepdim=True) / n
    var = (((x - mean) * keep) ** 2).sum(1, keepdim=True) / n
    return (x - mean) / var.sqrt().clamp_min(floor) * keep


def stl_logits(model, x, lengths, R):
    """M3 on padded items as bench_m3_m4 runs it: the BiLSTM over each item's real frames
    (floor(L / 16)), transformer layers masked, the mean over the real frames."""
    if bool((lengths == x.shape[1]).all()):
        return model(x)["logits"]
    c = model.cnn(x.unsqueeze(1))
    B, C, Tp, Fp = c.shape
    seq = c.permute(0, 2, 1, 3).reshape(B, Tp, C * Fp)
    frames = lengths // 16
    packed = nn.utils.rnn.pack_padded_sequence(seq, frames, batch_first=True, enforce_sorted=False)
    r, _ = nn.utils.rnn.pad_packed_sequence(model.rnn(packed)[0], batch_first=True, total_length=Tp)
    s = model.proj(r.transpose(1, 2)).transpose(1, 2)
    mask = R.length_mask(frames, Tp)
    for layer in model.stl:
        s = layer(s, mask)
    pooled = (s * (~mask).unsqueeze(-1)).sum(1) / frames[:, None].to(s.dtype)
    return model.fc(pooled)


def lld_batch(lengths):
    """Random LLD-like frames zero-padded after each length (as bench::random_lld_batch)."""
    T = max(lengths)
    x = torch.zeros(len(lengths), T, FEATURES)
    scale = 1.0 + 0.1 * torch.arange(FEATURES)
    offset = 0.5 * torch.arange(FEATURES)
    for b, L in enumerate(lengths):
        x[b, :L] = offset + scale * torch.randn(L, FEATURES)
    return x, torch.tensor(lengths, dtype=torch.long)


def build(name, lengths, R):
    """(model, optimiser, forward -> logits, targets, seconds of audio per run) on the
    benchmarks' shapes and optimisers."""
    B = len(lengths)
    targets = torch.arange(B) % 4
    if name == "m2":
        model = R.APCNN()
        x = torch.rand(B, 1, 400, 200) * 2 - 1
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
        return model, opt, lambda: model(x)["logits"], targets, 2.0 * B
    x, L = lld_batch(lengths)
    audio = sum(lengths) / FRAMES_PER_SECOND
    if name.startswith("m1"):
        model = M1Lstm(R) if name == "m1-lstm" else R.ALSTMModel(cell=name[3:])
        opt = torch.optim.Adam(model.parameters())
        if name == "m1-lstm":
            return model, opt, lambda: model(masked_znorm(x, L, R), L), targets, audio
        return model, opt, lambda: model(masked_znorm(x, L, R), L)["logits_emotion"], targets, audio
    if name == "m3":
        model = R.STL()
        opt = torch.optim.Adam(model.parameters(), lr=2e-4)
        return model, opt, lambda: stl_logits(model, masked_znorm(x, L, R), L, R), targets, audio
    model = R.KSMM(vocab=VOCABULARY)
    opt = torch.optim.SGD(model.parameters(), lr=5e-4, momentum=0.9)
    audio_in = masked_znorm(x, L, R)
    tokens = [torch.randint(0, VOCABULARY, (12 + int(torch.randint(0, 9, ())),)) for _ in lengths]
    a, al, ids, tl = R.prepare_ksmm_inputs([audio_in[b, :n] for b, n in enumerate(lengths)], tokens)
    return model, opt, lambda: model(a, al, ids, tl)["logits"], targets, audio


def time_calls(call, count, warmup):
    for _ in range(warmup):
        call()
    times = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median_low(times)


def blas_libraries():
    """The BLAS libraries mapped into this process (after torch has run a product)."""
    torch.randn(64, 64) @ torch.randn(64, 64)
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    return ",".join(sorted(paths)) or "none"


def main(argv):
    args = parse_args(argv)
    sys.path.insert(0, os.path.abspath(args.reference_dir))
    import reference_models as R

    torch.set_num_threads(1)
    torch.set_flush_denormal(True)  # denormals slow PyTorch up to 3x: the stronger peer flushes them
    torch.manual_seed(0)
    print(f"PEER torch={torch.__version__} blas={blas_libraries()}", flush=True)
    if args.phase == "infer":
        lengths = [200 if args.model == "m2" else 460 if args.model == "m4" else 450]
    elif args.model == "m2":
        lengths = [200] * 64
    else:
        lengths = [int(n) for n in args.lengths.split(",") if n] or [300] * 32
    model, opt, logits, targets, audio = build(args.model, lengths, R)
    if args.phase == "infer":
        model.eval()
        with torch.no_grad():
            best, median = time_calls(logits, args.iterations, args.warmup)
    else:
        model.train()

        def step():
            opt.zero_grad()
            F.cross_entropy(logits(), targets).backward()
            opt.step()

        best, median = time_calls(step, args.train_steps, args.warmup)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"RESULT model={args.model} phase={args.phase} threads=1 batch={len(lengths)} "
          f"frames={max(lengths)} best_s={best:.6f} median_s={median:.6f} "
          f"audio_s_per_s={audio / median:.1f} peak_rss_mb={rss_mb:.0f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
