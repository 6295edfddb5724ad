"""PyTorch CPU as a benchmark peer, driven line by line by bench/src/rounds.ts.

Each stdin line is a JSON request; each answer one JSON line on stdout:
  {"info": true}                                   -> {"torch": version, "config": build summary}
  {"train": "W2", "threads": 2, "repeat": 8, ...}  -> {"ms": wall ms per training step}
  {"sgemm": [m, n, k], "threads": 2, "reps": 20}   -> {"gflops": best of the reps}
The workload fields (cell, units, steps, features, classes, head, batch) come with the request,
so the shapes are defined once, in bench/src/workloads.ts. The first-layer input does not
require a gradient, so PyTorch does not compute it (neither do we).
"""
import ctypes
import json
import os
import sys
import time

import torch

torch.manual_seed(1)
models = {}


def blas_libraries():
    """The BLAS shared libraries this process loaded (torch.mm's sgemm), from /proc/self/maps.

    Debian's torch links libblas.so.3, which update-alternatives points at the reference BLAS
    (a few GFLOP/s) or, once libopenblas0-pthread is installed, at OpenBLAS.
    """
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    except OSError:
        return []
    return sorted({os.path.realpath(p) for p in paths})


BLAS = blas_libraries()
# OpenBLAS's own thread count, when torch.mm runs on it (training keeps 1: see rounds.ts).
OPENBLAS = next((ctypes.CDLL(p) for p in BLAS if os.path.basename(p).startswith("libopenblas")), None)


def set_blas_threads(n):
    if OPENBLAS is not None:
        OPENBLAS.openblas_set_num_threads(n)


def build(w):
    cls = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "simpleRnn": torch.nn.RNN}[w["cell"]]
    rnn = cls(w["features"], w["units"], batch_first=True)
    head = torch.nn.Linear(w["units"], w["classes"])
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3, eps=1e-7)
    b, t, d = w["batch"], w["steps"], w["features"]
    x = torch.randn(b, t, d)
    every = w["head"] == "every"
    if w["classes"] == 1:
        y = torch.randint(0, 2, (b, 1)).float()
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        y = torch.randint(0, w["classes"], (b * t,) if every else (b,))
        loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        out, _ = rnn(x)
        logits = head(out.reshape(b * t, -1) if every else out[:, -1])
        loss = loss_fn(logits, y)
        loss.backward()
        opt.step()

    return step


for line in sys.stdin:
    req = json.loads(line)
    if "info" in req:
        ans = {"torch": torch.__version__, "config": torch.__config__.show().splitlines()[:12], "blas": ", ".join(BLAS) or "none found"}
    elif "train" in req:
        torch.set_num_threads(req["threads"])
        key = req["train"]
        if key not in models:
            models[key] = build(req)
            models[key]()
        t0 = time.perf_counter()
        for _ in range(req["repeat"]):
            models[key]()
        ans = {"ms": (time.perf_counter() - t0) * 1000 / req["repeat"]}
    else:
        torch.set_num_threads(req["threads"])
        set_blas_threads(req["threads"])  # the native sgemm on N threads: the machine's limit
        m, n, k = req["sgemm"]
        a, b = torch.randn(m, k), torch.randn(k, n)
        best = float("inf")
        for _ in range(req["reps"]):
            t0 = time.perf_counter()
            torch.mm(a, b)
            best = min(best, time.perf_counter() - t0)
        set_blas_threads(1)
        ans = {"gflops": 2 * m * n * k / best / 1e9}
    print(json.dumps(ans), flush=True)
