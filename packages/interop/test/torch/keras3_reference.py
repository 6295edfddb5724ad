"""PyTorch references for the Keras 3 models tfjs-layers cannot build (tfjs has no GRU
reset_after=True, and its 'hard_sigmoid' is Keras 2's). Prints JSON on stdout:
{ input: {data, shape}, cases: [{ name, kind, recurrent_activation, units, weight_ih, weight_hh,
bias_ih, bias_hh, output: {data, shape} }] } with PyTorch's parameter layout (gate rows r, z, n /
i, f, g, o). GRU reset_after=True is PyTorch's nn.GRU maths exactly; Keras 3's hard_sigmoid is
torch.nn.functional.hardsigmoid (relu6(x + 3) / 6). The hard-sigmoid cases run a step loop of
torch ops, checked here against nn.GRU / nn.LSTM with the logistic sigmoid first."""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(1234)
B, T, D, H = 3, 6, 4, 5
x = torch.randn(B, T, D) * 2


def gru_loop(m, x, gate):
    h = torch.zeros(B, H)
    out = []
    for t in range(T):
        gi = x[:, t] @ m.weight_ih_l0.T + m.bias_ih_l0
        gh = h @ m.weight_hh_l0.T + m.bias_hh_l0
        r = gate(gi[:, :H] + gh[:, :H])
        z = gate(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = torch.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - z) * n + z * h
        out.append(h)
    return torch.stack(out, 1)


def lstm_loop(m, x, gate):
    h = torch.zeros(B, H)
    c = torch.zeros(B, H)
    out = []
    for t in range(T):
        g = x[:, t] @ m.weight_ih_l0.T + m.bias_ih_l0 + h @ m.weight_hh_l0.T + m.bias_hh_l0
        i, f, gg, o = gate(g[:, :H]), gate(g[:, H:2 * H]), torch.tanh(g[:, 2 * H:3 * H]), gate(g[:, 3 * H:])
        c = f * c + i * gg
        h = o * torch.tanh(c)
        out.append(h)
    return torch.stack(out, 1)


def flat(t):
    return {"data": t.detach().reshape(-1).tolist(), "shape": list(t.shape)}


cases = []
with torch.no_grad():
    for kind, Mod, loop in (("gru", torch.nn.GRU, gru_loop), ("lstm", torch.nn.LSTM, lstm_loop)):
        m = Mod(D, H, batch_first=True)
        for p in m.parameters():
            p.uniform_(-0.6, 0.6)
        ref = m(x)[0]
        assert torch.allclose(loop(m, x, torch.sigmoid), ref, atol=1e-6), kind
        for act, y in (("sigmoid", ref), ("hard_sigmoid", loop(m, x, F.hardsigmoid))):
            if kind == "lstm" and act == "sigmoid":
                continue  # tfjs-layers builds this one; the round-trip tests cover it
            cases.append({
                "name": f"{kind} {act}", "kind": kind, "recurrent_activation": act, "units": H,
                "weight_ih": flat(m.weight_ih_l0), "weight_hh": flat(m.weight_hh_l0),
                "bias_ih": flat(m.bias_ih_l0), "bias_hh": flat(m.bias_hh_l0), "output": flat(y),
            })

print(json.dumps({"torch": torch.__version__, "input": flat(x), "cases": cases}))
