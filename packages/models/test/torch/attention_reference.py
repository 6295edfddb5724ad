"""Keras 3's Attention and AdditiveAttention written with PyTorch ops (float64), with autograd
gradients, for the models tests. Reads a JSON list of cases on stdin, writes results on stdout.

  dot:      scores = scale * q @ k^T                    (Keras Attention, use_scale: scalar)
  additive: scores = sum(scale * tanh(q_i + k_j), -1)   (Keras AdditiveAttention, scale [dim])
  scores -= 1e9 * (value step is padding), and for a causal mask 1e9 where j > i
  weights = softmax(scores, -1); out = weights @ v; out *= query mask
  loss = sum(out * r_out) + sum(weights * r_w)
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)


def t(x, grad=True):
    return torch.tensor(x["data"], dtype=torch.float64).reshape(x["shape"]).requires_grad_(grad)


def run(c):
    q, v = t(c["q"]), t(c["v"])
    k = t(c["k"]) if c.get("k") else v
    scale = t(c["scale"]) if c.get("scale") else None
    if c["mode"] == "dot":
        scores = torch.bmm(q, k.transpose(1, 2))
        if scale is not None:
            scores = scores * scale
    else:
        th = torch.tanh(q[:, :, None, :] + k[:, None, :, :])
        scores = (th * scale if scale is not None else th).sum(-1)
    B, Tq, Tv = scores.shape
    if c.get("valueMask"):
        vm = torch.tensor(c["valueMask"], dtype=torch.float64).reshape(B, 1, Tv)
        scores = scores - 1e9 * (1 - vm)
    if c.get("causal"):
        scores = scores - 1e9 * torch.triu(torch.ones(Tq, Tv), diagonal=1)[None]
    w = torch.softmax(scores, dim=-1)
    out = torch.bmm(w, v)
    if c.get("queryMask"):
        out = out * torch.tensor(c["queryMask"], dtype=torch.float64).reshape(B, Tq, 1)
    loss = (out * t(c["rOut"], False)).sum() + (w * t(c["rW"], False)).sum()
    loss.backward()
    flat = lambda x: x.detach().reshape(-1).tolist()
    r = {"out": flat(out), "weights": flat(w), "dq": flat(q.grad), "dv": flat(v.grad)}
    if c.get("k"):
        r["dk"] = flat(k.grad)
    if scale is not None:
        r["dScale"] = flat(scale.grad)
    return r


json.dump([run(c) for c in json.load(sys.stdin)], sys.stdout)
