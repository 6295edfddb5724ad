/**
 * The fixed part of the generated model.py: safetensors without the package, the explicit cell
 * for what torch.nn's recurrent modules cannot do (GRU with the reset gate before the recurrent
 * matmul; hard-sigmoid gates), and how a recurrent layer runs over masked sequences exactly as
 * @recurrent/models does (masked steps skipped via pack_padded_sequence, zero outputs there).
 * Python source as text; no backslashes, so it needs no escaping here (the slopes come from core).
 */
import { HARD_SIGMOID_SLOPE } from '@recurrent/core';

export const PYTHON_LIB = `import json
import math
import os
import struct

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- safetensors: the package when it is installed, else a few lines of our own ----------------

_DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'I64': torch.int64, 'I32': torch.int32, 'U8': torch.uint8}


def read_safetensors(path):
    """Tensors by name from a safetensors file."""
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    with open(path, 'rb') as f:
        size = f.seek(0, 2)
        f.seek(0)
        (n,) = struct.unpack('<Q', f.read(8))
        if n > min(size - 8, 100_000_000):
            raise ValueError(path + ': the safetensors header length is larger than the file')
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        a, b = info['data_offsets']
        dtype = _DTYPES[info['dtype']]
        if not 0 <= a <= b <= len(data):
            raise ValueError(path + ': tensor ' + name + ' lies outside the file')
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dtype) if b > a else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info['shape']).clone()
    return out


def write_safetensors(tensors, path):
    """Writes {name: tensor} as safetensors (little-endian, header padded to 8 bytes)."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    try:
        from safetensors.torch import save_file
        save_file(tensors, path)
        return
    except ImportError:
        pass
    names = {v: k for k, v in _DTYPES.items()}
    header, blobs, at = {}, [], 0
    for k, v in tensors.items():
        blob = v.numpy().tobytes() if v.dtype != torch.uint8 else bytes(v.flatten().tolist())
        header[k] = {'dtype': names[v.dtype], 'shape': list(v.shape), 'data_offsets': [at, at + len(blob)]}
        blobs.append(blob)
        at += len(blob)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    tmp = path + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


# ---- gates -----------------------------------------------------------------------------------------

def hard_sigmoid_keras2(v):
    """clip(0.2 v + 0.5, 0, 1): Keras 2's and tfjs-layers' hardSigmoid."""
    return torch.clamp(${HARD_SIGMOID_SLOPE.hardSigmoidKeras2} * v + 0.5, 0.0, 1.0)


def hard_sigmoid_keras3(v):
    """relu6(v + 3) / 6: Keras 3's hard_sigmoid (torch.nn.functional.hardsigmoid)."""
    return torch.clamp(v * ${HARD_SIGMOID_SLOPE.hardSigmoidKeras3} + 0.5, 0.0, 1.0)


GATES = {'sigmoid': torch.sigmoid, 'hard_sigmoid_keras2': hard_sigmoid_keras2, 'hard_sigmoid_keras3': hard_sigmoid_keras3}


class ExplicitRNN(nn.Module):
    """An LSTM or GRU written step by step, for what torch.nn's modules do not offer: the GRU with
    the reset gate applied before the recurrent matmul (Cho et al. 2014, Keras reset_after=False:
    n = tanh(W_in x + b_in + W_hn (r * h) + b_hn)) and hard-sigmoid gates. Parameters are named
    and laid out as torch.nn.LSTM / GRU's (weight_ih_l0 [G*H, D], weight_hh_l0 [G*H, H],
    bias_ih_l0, bias_hh_l0, and _reverse), and forward(x, lengths, hx) returns what theirs return
    (batch_first; hx as theirs: h [dirs, B, H], or (h, c) for an LSTM), so it is used the same way."""

    def __init__(self, mode, input_size, hidden_size, bias=True, bidirectional=False, reset_after=True, gate='sigmoid'):
        super().__init__()
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.bias, self.bidirectional, self.reset_after = bias, bidirectional, reset_after
        self.gate = GATES[gate]
        G = 4 if mode == 'LSTM' else 3
        k = 1.0 / math.sqrt(hidden_size)
        self.suffixes = ['', '_reverse'] if bidirectional else ['']
        for s in self.suffixes:
            shapes = [('weight_ih_l0', (G * hidden_size, input_size)), ('weight_hh_l0', (G * hidden_size, hidden_size))]
            if bias:
                shapes += [('bias_ih_l0', (G * hidden_size,)), ('bias_hh_l0', (G * hidden_size,))]
            for name, shape in shapes:
                self.register_parameter(name + s, nn.Parameter(torch.empty(shape).uniform_(-k, k)))

    def _step(self, xp, state, s):
        w_hh = getattr(self, 'weight_hh_l0' + s)
        b_hh = getattr(self, 'bias_hh_l0' + s) if self.bias else None
        sig = self.gate
        if self.mode == 'LSTM':
            h, c = state
            hp = h @ w_hh.t() + (b_hh if b_hh is not None else 0)
            i, f, g, o = (xp + hp).chunk(4, 1)
            c = sig(f) * c + sig(i) * torch.tanh(g)
            return (sig(o) * torch.tanh(c), c)
        (h,) = state
        xr, xz, xn = xp.chunk(3, 1)
        if self.reset_after:
            hr, hz, hn = (h @ w_hh.t() + (b_hh if b_hh is not None else 0)).chunk(3, 1)
            r, z = sig(xr + hr), sig(xz + hz)
            n = torch.tanh(xn + r * hn)
        else:
            w_hr, w_hz, w_hn = w_hh.chunk(3, 0)
            b_hr, b_hz, b_hn = b_hh.chunk(3) if b_hh is not None else (0, 0, 0)
            r = sig(xr + h @ w_hr.t() + b_hr)
            z = sig(xz + h @ w_hz.t() + b_hz)
            n = torch.tanh(xn + (r * h) @ w_hn.t() + b_hn)
        return ((1 - z) * n + z * h,)

    def forward(self, x, lengths=None, hx=None):
        B, T, _ = x.shape
        H = self.hidden_size
        valid = None if lengths is None else torch.arange(T, device=x.device)[None, :] < lengths.to(x.device)[:, None]
        outs, finals = [], []
        for d, s in enumerate(self.suffixes):
            xp = x @ getattr(self, 'weight_ih_l0' + s).t()
            if self.bias:
                xp = xp + getattr(self, 'bias_ih_l0' + s)
            if hx is None:
                state = tuple(x.new_zeros(B, H) for _ in range(2 if self.mode == 'LSTM' else 1))
            else:
                state = tuple(h[d] for h in (hx if isinstance(hx, tuple) else (hx,)))
            ys = [None] * T
            for t in (range(T) if d == 0 else range(T - 1, -1, -1)):
                new = self._step(xp[:, t], state, s)
                if valid is not None:
                    m = valid[:, t:t + 1]
                    new = tuple(torch.where(m, a, b) for a, b in zip(new, state))
                    ys[t] = torch.where(m, new[0], torch.zeros_like(new[0]))
                else:
                    ys[t] = new[0]
                state = new
            outs.append(torch.stack(ys, 1))
            finals.append(state)
        y = torch.cat(outs, 2)
        stacked = tuple(torch.stack([f[i] for f in finals]) for i in range(len(finals[0])))
        return y, (stacked if self.mode == 'LSTM' else stacked[0])


# ---- running a recurrent layer as @recurrent/models does ------------------------------------------

def _call(rnn, x, lengths, hx=None):
    if lengths is None:
        y, st = rnn(x) if hx is None else rnn(x, hx=hx)
    elif isinstance(rnn, ExplicitRNN):
        y, st = rnn(x, lengths, hx=hx)
    else:
        packed = pack_padded_sequence(x, lengths.clamp(min=1).cpu(), batch_first=True, enforce_sorted=False)
        y, st = rnn(packed) if hx is None else rnn(packed, hx=hx)
        y, _ = pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
    return y, (st if isinstance(st, tuple) else (st,))


def run_recurrent(rnn, x, valid=None, go_backwards=False, hx=None):
    """Runs a batch-first recurrent module over x [B, T, D]. Steps where valid [B, T] is False are
    skipped (the state carries over them; their outputs are zero), wherever they are: the valid
    steps are moved to the front in order, run as packed sequences, and put back. Returns the
    output sequence [B, T, dirs*H] (in processing order for go_backwards) and the final states
    (h [dirs, B, H], and c for an LSTM). hx: initial states as torch.nn's modules take them."""
    if go_backwards:
        x = x.flip(1)
        valid = None if valid is None else valid.flip(1)
    if valid is None:
        return _call(rnn, x, None, hx)
    lengths = valid.sum(1)
    order = torch.sort((~valid).to(torch.int8), dim=1, stable=True).indices
    xc = torch.gather(x, 1, order[:, :, None].expand(-1, -1, x.shape[2]))
    y, finals = _call(rnn, xc, lengths, hx)
    empty = lengths == 0
    if bool(empty.any()):
        y = y.masked_fill(empty[:, None, None], 0.0)
        starts = (None,) * len(finals) if hx is None else (hx if isinstance(hx, tuple) else (hx,))
        # A sequence with no valid step keeps its initial state (zeros without one).
        finals = tuple(f.masked_fill(empty[None, :, None], 0.0) if h0 is None else torch.where(empty[None, :, None], h0, f) for f, h0 in zip(finals, starts))
    y = torch.zeros_like(y).scatter(1, order[:, :, None].expand(-1, -1, y.shape[2]), y)
    return y, finals


MERGES = {
    'concat': lambda a, b: torch.cat([a, b], -1),
    'sum': lambda a, b: a + b,
    'mul': lambda a, b: a * b,
    'ave': lambda a, b: (a + b) * 0.5,
}


def recurrent_layer(rnn, x, valid, go_backwards=False, return_sequences=False, merge=None, dropout=0.0, training=False, initial=None):
    """One recurrent (or Bidirectional, with merge) layer: output, the output's step mask, final states.
    initial: the initial states [h] or [h, c], each [B, H] (None: zeros)."""
    hx = None if initial is None else (tuple(h[None] for h in initial) if len(initial) > 1 else initial[0][None])
    if training and dropout > 0:
        keep = (torch.rand(x.shape[0], 1, x.shape[2], device=x.device) >= dropout).to(x.dtype) / (1.0 - dropout)
        x = x * keep
    y, finals = run_recurrent(rnn, x, valid, go_backwards, hx)
    H = rnn.hidden_size
    if merge is None:
        out = y if return_sequences else finals[0][0]
        states = [f[0] for f in finals]
        out_valid = None if (valid is None or not return_sequences) else (valid.flip(1) if go_backwards else valid)
    else:
        a, b = (y[..., :H], y[..., H:]) if return_sequences else (finals[0][0], finals[0][1])
        out = MERGES[merge](a, b)
        states = [f[0] for f in finals] + [f[1] for f in finals]
        out_valid = valid if return_sequences else None
    return out, out_valid, states


ACTIVATIONS = {
    'linear': lambda z: z,
    'relu': torch.relu,
    'sigmoid': torch.sigmoid,
    'tanh': torch.tanh,
    'softmax': lambda z: torch.softmax(z, -1),
}


def both(a, b):
    return b if a is None else a & b
`;
