import { createCpuBackend } from '@recurrent/backend-cpu';
import { createReferenceBackend, testRandom } from '@recurrent/core/testing';
import { describe, expect, it } from 'vitest';
import { inspect, layers, sequential } from '../src/index.js';
import { expectClose } from './helpers.js';

const [B, T, D] = [2, 5, 2];
const r = testRandom(11);
const X = Array.from({ length: B }, () => Array.from({ length: T }, () => Array.from({ length: D }, () => r(-1, 1))));
const Y = Array.from({ length: B }, () => [r(-1, 1)]);
const ref = () => createReferenceBackend();

const model = (backend: ReturnType<typeof ref>, kind: 'lstm' | 'simpleRNN' | 'gru', extra: object = {}) => {
  const m = sequential({ backend, seed: 3 }, [layers[kind]({ units: 3, inputShape: [null, D], ...extra }), layers.dense({ units: 1 })]);
  m.compile({ loss: 'mse', optimizer: 'sgd' });
  return m;
};

describe('inspect', () => {
  it('LSTM states and gates obey the equations: c_t = f c_{t-1} + i g, h_t = o tanh(c_t); memory stays flat', async () => {
    const m = model(ref(), 'lstm');
    const e = m.params[0].value.engine;
    const before = e.memory().tensors;
    const ins = await inspect(m, X, Y);
    expect(e.memory().tensors).toBe(before);
    expect(ins.loss).toBeGreaterThan(0);
    const [l] = ins.layers;
    expect(l).toMatchObject({ layer: m.layers[0].name, kind: 'lstm', units: 3 });
    expect(Object.keys(l.gates!)).toEqual(['i', 'f', 'g', 'o']);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const [i, f, g, o] = ['i', 'f', 'g', 'o'].map((k) => l.gates![k][b][t]!);
        const c = l.c![b][t]!;
        const cPrev = t ? l.c![b][t - 1]! : new Float64Array(3);
        expectClose(c, Array.from(c, (_, j) => f[j] * cPrev[j] + i[j] * g[j]), 1e-12, 1e-12, `c[${b}][${t}]`);
        expectClose(l.h![b][t]!, Array.from(c, (v, j) => o[j] * Math.tanh(v)), 1e-12, 1e-12, `h[${b}][${t}]`);
      }
  });

  it('the gradient norm at each step equals finite differences of the loss through the state (float64)', async () => {
    for (const kind of ['simpleRNN', 'lstm', 'gru'] as const) {
      const m = model(ref(), kind);
      const ins = await inspect(m, X, Y);
      const [l] = ins.layers;
      const name = m.layers[0].name;
      for (const t of [0, 2, T - 2]) {
        // The loss as a function of the state after step t: run the rest of the sequence from it.
        const rest = X.map((s) => s.slice(t + 1));
        const lossFrom = async (h: number[][]) => {
          const state = kind === 'lstm' ? [h, l.c!.map((s) => Array.from(s[t]!))] : [h];
          return (await m.evaluate(rest, Y, { initialState: { [name]: state } })).loss;
        };
        const h = l.h!.map((s) => Array.from(s[t]!));
        const eps = 1e-6;
        for (let b = 0; b < B; b++) {
          let sq = 0;
          for (let j = 0; j < 3; j++) {
            const up = h.map((row) => [...row]);
            const down = h.map((row) => [...row]);
            up[b][j] += eps;
            down[b][j] -= eps;
            sq += ((await lossFrom(up)) - (await lossFrom(down))) ** 2 / (2 * eps) ** 2;
          }
          expectClose([l.gradNorm![b][t]!], [Math.sqrt(sq)], 1e-8, 1e-6, `${kind} |dL/dh| example ${b} step ${t}`);
        }
      }
    }
  });

  it('gives the same numbers on the CPU backend as on the float64 reference, and nulls at padded steps', async () => {
    const masked = { data: Float32Array.from(X.flat(2), (v, k) => (Math.floor(k / D) === 1 * T + 4 ? 0 : v)), shape: [B, T, D] };
    const build = (backend: ReturnType<typeof ref>) => {
      const m = sequential({ backend, seed: 3 }, [layers.masking({ maskValue: 0, inputShape: [null, D] }), layers.gru({ units: 3 }), layers.dense({ units: 1 })]);
      m.compile({ loss: 'mse', optimizer: 'sgd' });
      return m;
    };
    const [a, b] = await Promise.all([inspect(build(ref()), masked, Y), inspect(build(createCpuBackend()), masked, Y)]);
    expect(a.layers[0].h![1][4]).toBeNull();
    expect(a.layers[0].gradNorm![1][4]).toBeNull();
    expect(b.layers[0].h![1][4]).toBeNull();
    expectClose([b.loss!], [a.loss!], 1e-5, 1e-4, 'loss');
    for (const k of ['r', 'z', 'n'])
      for (let s = 0; s < B; s++)
        for (let t = 0; t < T; t++) if (a.layers[0].gates![k][s][t]) expectClose(b.layers[0].gates![k][s][t]!, a.layers[0].gates![k][s][t]!, 1e-5, 1e-4, `${k}[${s}][${t}]`);
    const norms = (i: typeof a) => i.layers[0].gradNorm!.flat().filter((v): v is number => v !== null);
    expectClose(norms(b), norms(a), 1e-5, 1e-3, 'gradient norms');
  });

  it('computes only what is asked; without y no gradient; refuses an unbuilt model', async () => {
    const m = model(ref(), 'simpleRNN');
    const ins = await inspect(m, X, undefined, { gates: false });
    expect(ins.loss).toBeUndefined();
    expect(ins.layers[0].gradNorm).toBeUndefined();
    expect(ins.layers[0].gates).toBeUndefined();
    expect(ins.layers[0].h![0][0]).toHaveLength(3);
    const unbuilt = sequential({ backend: ref() }, [layers.lstm({ units: 2 })]);
    await expect(inspect(unbuilt, X)).rejects.toThrow(/not built/);
  });
});
