import { describe, expect, it } from 'vitest';
import { rnnBackward, rnnForward } from '../src/bptt.js';
import { CELL_FACTS, GATES, type CellConfig } from '../src/cells/index.js';
import { createEngine, type Engine, type Tensor } from '../src/engine.js';
import { ConfigError, ShapeError } from '../src/errors.js';
import { createReferenceBackend, testRandom } from '../src/testing/index.js';

const B = 2;
const T = 7;
const D = 3;
const H = 4;

function setup(e: Engine, config: CellConfig, seed = 7) {
  const r = testRandom(seed);
  const G = GATES[config.kind];
  const vals = (n: number, s = 0.5) => Array.from({ length: n }, () => r(-s, s));
  const params = {
    Wx: e.tensor(vals(D * G * H), [D, G * H]),
    Wh: e.tensor(vals(H * G * H), [H, G * H]),
    bx: e.tensor(vals(G * H, 0.2), [G * H]),
    bh: e.tensor(vals(G * H, 0.2), [G * H]),
  };
  const x = vals(B * T * D, 1);
  const dy = vals(B * T * H, 1);
  return { params, x, dy };
}

/** Every cell (both GRU modes). */
const ALL_CELLS: CellConfig[] = [
  { kind: 'simpleRnn', inputSize: D, units: H },
  { kind: 'lstm', inputSize: D, units: H },
  { kind: 'gru', inputSize: D, units: H },
  { kind: 'gru', inputSize: D, units: H, resetAfter: false },
];

/** x[:, from:to, :] of host data [B, T, W]. */
const window = (data: number[], W: number, from: number, to: number) => {
  const out: number[] = [];
  for (let b = 0; b < B; b++) for (let t = from; t < to; t++) out.push(...data.slice((b * T + t) * W, (b * T + t + 1) * W));
  return out;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** Recurrent-dropout masks (rate 0.4): one shared, or one per gate. */
const masksFor = (e: Engine, config: CellConfig, kind: 'shared' | 'perGate', seed: number) => {
  const r = testRandom(seed);
  const n = kind === 'shared' ? 1 : GATES[config.kind];
  return Array.from({ length: n }, () => e.tensor(Array.from({ length: B * H }, () => (r(0, 1) < 0.4 ? 0 : 1 / 0.6)), [B, H]));
};

describe('bptt', () => {
  const configs: CellConfig[] = [
    { kind: 'lstm', inputSize: D, units: H },
    { kind: 'gru', inputSize: D, units: H, resetAfter: false },
    { kind: 'simpleRnn', inputSize: D, units: H },
  ];

  for (const config of configs) {
    it(`${config.kind}: truncated BPTT(k1=2, k2=3) equals per-block full BPTT on detached windows`, () => {
      const e = createEngine(createReferenceBackend());
      const { params, x, dy } = setup(e, config);
      const k1 = 2;
      const k2 = 3;
      const xt = e.tensor(x, [B, T, D]);
      const f = rnnForward(e, config, params, xt);
      const got = rnnBackward(e, f.tape!, { dy: e.tensor(dy, [B, T, H]), truncate: { k1, k2 } });

      // Independent construction from full BPTT only: for each block of k1 outputs, run a
      // fresh forward over its k2-step window from the detached state, backprop only that
      // block's outputs, and sum the weight gradients.
      const states = [] as { h: number[]; c?: number[] }[]; // state before step t
      {
        let st: { h: number[]; c?: number[] } = { h: new Array(B * H).fill(0), c: config.kind === 'lstm' ? new Array(B * H).fill(0) : undefined };
        for (let t = 0; t < T; t++) {
          states.push(st);
          const one = rnnForward(e, config, params, e.tensor(window(x, D, t, t + 1), [B, 1, D]), {
            initialState: { h: e.tensor(st.h, [B, H]), c: st.c ? e.tensor(st.c, [B, H]) : undefined },
            training: false,
          });
          st = { h: one.state.h.toArray(), c: one.state.c?.toArray() };
        }
      }
      let wx = new Float64Array(got.grads.Wx.size);
      let wh = new Float64Array(got.grads.Wh.size);
      for (let start = 0; start < T; start += k1) {
        const end = Math.min(start + k1, T) - 1;
        const from = Math.max(0, end - k2 + 1);
        const len = end - from + 1;
        const dyw = window(dy, H, from, end + 1).map((v, i) => {
          const t = from + (Math.floor(i / H) % len);
          return t >= start ? v : 0;
        });
        const st = states[from];
        const fw = rnnForward(e, config, params, e.tensor(window(x, D, from, end + 1), [B, len, D]), {
          initialState: { h: e.tensor(st.h, [B, H]), c: st.c ? e.tensor(st.c, [B, H]) : undefined },
        });
        const bw = rnnBackward(e, fw.tape!, { dy: e.tensor(dyw, [B, len, H]) });
        wx = wx.map((v, i) => v + bw.grads.Wx.dataSync()[i]);
        wh = wh.map((v, i) => v + bw.grads.Wh.dataSync()[i]);
      }
      expect(maxDiff(got.grads.Wx.dataSync(), wx)).toBeLessThan(1e-12);
      expect(maxDiff(got.grads.Wh.dataSync(), wh)).toBeLessThan(1e-12);
    });

    it(`${config.kind}: truncate k1=k2=T is full BPTT, and running in two halves with carried state equals one run`, () => {
      const e = createEngine(createReferenceBackend());
      const { params, x, dy } = setup(e, config);
      const full = rnnForward(e, config, params, e.tensor(x, [B, T, D]));
      const g1 = rnnBackward(e, full.tape!, { dy: e.tensor(dy, [B, T, H]), keepTape: true });
      const g2 = rnnBackward(e, full.tape!, { dy: e.tensor(dy, [B, T, H]), truncate: { k1: T, k2: T } });
      expect(maxDiff(g1.grads.Wh.dataSync(), g2.grads.Wh.dataSync())).toBe(0);

      const a = rnnForward(e, config, params, e.tensor(window(x, D, 0, 3), [B, 3, D]), { training: false });
      const b = rnnForward(e, config, params, e.tensor(window(x, D, 3, T), [B, T - 3, D]), { initialState: a.state, training: false });
      expect(maxDiff(b.state.h.dataSync(), full.state.h.dataSync())).toBeLessThan(1e-14);
      expect(maxDiff(b.y!.dataSync(), window(Array.from(full.y!.dataSync()), H, 3, T))).toBeLessThan(1e-14);
    });
  }

  it('masking: a padded sample gives the same outputs, final state and gradients as the unpadded one', () => {
    const e = createEngine(createReferenceBackend());
    const config: CellConfig = { kind: 'lstm', inputSize: D, units: H };
    const { params, x, dy } = setup(e, config);
    const L = 4;
    // Sample 1 padded to T with garbage after L; compare with running it alone for L steps.
    const padded = rnnForward(e, config, params, e.tensor(x, [B, T, D]), { lengths: [T, L] });
    const alone = rnnForward(e, config, params, e.tensor(window(x, D, 0, L).slice(L * D), [1, L, D]));
    const h = padded.state.h.dataSync().slice(H);
    expect(maxDiff(h, alone.state.h.dataSync())).toBeLessThan(1e-14);
    const y = Array.from(padded.y!.dataSync()).slice(T * H);
    expect(maxDiff(y.slice(0, L * H), alone.y!.dataSync())).toBeLessThan(1e-14);
    expect(y.slice(L * H).every((v) => v === 0)).toBe(true);
    const dyPad = e.tensor(dy, [B, T, H]);
    const gp = rnnBackward(e, padded.tape!, { dy: dyPad });
    const dx = Array.from(gp.dx.dataSync()).slice(T * D);
    expect(dx.slice(L * D).every((v) => v === 0)).toBe(true);
    const ga = rnnBackward(e, alone.tape!, { dy: e.tensor(dy.slice(T * H, T * H + L * H), [1, L, H]) });
    expect(maxDiff(dx.slice(0, L * D), ga.dx.dataSync())).toBeLessThan(1e-14);
  });

  it('reverse processes T-1..0 and keeps outputs aligned with inputs', () => {
    const e = createEngine(createReferenceBackend());
    const config: CellConfig = { kind: 'gru', inputSize: D, units: H };
    const { params, x } = setup(e, config);
    const flipped = (data: number[], W: number) => {
      const out: number[] = [];
      for (let b = 0; b < B; b++) for (let t = T - 1; t >= 0; t--) out.push(...data.slice((b * T + t) * W, (b * T + t + 1) * W));
      return out;
    };
    const rev = rnnForward(e, config, params, e.tensor(x, [B, T, D]), { reverse: true, training: false });
    const fwd = rnnForward(e, config, params, e.tensor(flipped(x, D), [B, T, D]), { training: false });
    expect(maxDiff(rev.state.h.dataSync(), fwd.state.h.dataSync())).toBeLessThan(1e-14);
    expect(maxDiff(rev.y!.dataSync(), flipped(Array.from(fwd.y!.dataSync()), H))).toBeLessThan(1e-14);
  });

  it('frees everything it does not hand back, in training and in inference (also with recurrent-dropout masks)', () => {
    const e = createEngine(createReferenceBackend());
    for (const config of ALL_CELLS) {
      const { params } = setup(e, config);
      const x = e.tensor(new Array(B * T * D).fill(0.1), [B, T, D]);
      const dy = e.tensor(new Array(B * T * H).fill(0.1), [B, T, H]);
      const masks = [undefined, masksFor(e, config, 'shared', 1), masksFor(e, config, 'perGate', 2)];
      const base = e.memory().tensors;
      for (const recurrentMask of masks)
        for (const lengths of [undefined, [T, 3]]) {
          for (let i = 0; i < 3; i++) {
            const f = rnnForward(e, config, params, x, { lengths, reverse: i === 1, recurrentMask });
            const g = rnnBackward(e, f.tape!, { dy, truncate: i === 2 ? { k1: 2, k2: 3 } : undefined });
            for (const t of [f.y!, f.state.h, f.state.c, g.dx, g.dState0.h, g.dState0.c, ...Object.values(g.grads)]) t?.dispose();
            const inf = rnnForward(e, config, params, x, { lengths, training: false, returnSequences: i !== 0, recurrentMask });
            for (const t of [inf.y, inf.state.h, inf.state.c]) t?.dispose();
            expect(e.memory().tensors).toBe(base);
          }
        }
    }
  });

  it('rejects bad shapes and options with typed errors naming the layer and shapes', () => {
    const e = createEngine(createReferenceBackend());
    const config: CellConfig = { kind: 'lstm', inputSize: D, units: H };
    const { params } = setup(e, config);
    const x2 = e.tensor(new Array(B * D).fill(0), [B, D]);
    expect(() => rnnForward(e, config, params, x2, { name: 'lstm_1' })).toThrow(ShapeError);
    expect(() => rnnForward(e, config, params, x2, { name: 'lstm_1' })).toThrow(/lstm_1 \(input\): got shape \[2, 3\], wanted \[batch, steps, 3\]/);
    const xBad = e.tensor(new Array(B * T * 5).fill(0), [B, T, 5]);
    expect(() => rnnForward(e, config, params, xBad)).toThrow(/wanted \[batch, steps, 3\]/);
    const x = e.tensor(new Array(B * T * D).fill(0), [B, T, D]);
    const h0 = e.tensor(new Array(3 * H).fill(0), [3, H]);
    expect(() => rnnForward(e, config, params, x, { initialState: { h: h0 } })).toThrow(/initial h\): got shape \[3, 4\], wanted \[2, 4\]/);
    expect(() => rnnForward(e, config, params, x, { lengths: [T, T + 1] })).toThrow(ConfigError);
    expect(() => rnnForward(e, config, params, x, { lengths: [T] })).toThrow(ShapeError);
    const f = rnnForward(e, config, params, x);
    expect(() => rnnBackward(e, f.tape!, { truncate: { k1: 3, k2: 2 } })).toThrow(ConfigError);
    expect(() => rnnBackward(e, f.tape!, { dy: e.tensor(new Array(B * T).fill(0), [B, T, 1]) })).toThrow(ShapeError);
  });
});

describe('recurrentMask (recurrent dropout)', () => {
  it('a mask of ones changes nothing; a zero mask cuts h out of the recurrent matmul only', () => {
    const e = createEngine(createReferenceBackend());
    for (const config of ALL_CELLS) {
      const { params, x, dy } = setup(e, config);
      const xt = e.tensor(x, [B, T, D]);
      const run = (recurrentMask?: Tensor[]) => {
        const f = rnnForward(e, config, params, xt, { recurrentMask });
        const g = rnnBackward(e, f.tape!, { dy: e.tensor(dy, [B, T, H]) });
        return [f.y!, g.grads.Wx, g.grads.Wh, g.dx].map((t) => t.toArray());
      };
      const plain = run();
      const ones = run(Array.from({ length: GATES[config.kind] }, () => e.fill([B, H], 1)));
      plain.forEach((v, k) => expect(maxDiff(v, ones[k])).toBeLessThan(1e-12));
      // With a zero mask the recurrent weights get no gradient.
      const zero = run([e.zeros([B, H])]);
      expect(zero[2].every((v) => v === 0)).toBe(true);
    }
  });

  it('rejects a wrong number of masks or a wrong shape with typed errors', () => {
    const e = createEngine(createReferenceBackend());
    const config: CellConfig = { kind: 'lstm', inputSize: D, units: H };
    const { params } = setup(e, config);
    const x = e.tensor(new Array(B * T * D).fill(0), [B, T, D]);
    const m = e.fill([B, H], 1);
    expect(() => rnnForward(e, config, params, x, { recurrentMask: [m, m] })).toThrow(ConfigError);
    expect(() => rnnForward(e, config, params, x, { recurrentMask: [m, m] })).toThrow(/2 masks; give one \[batch, units\] mask for every gate, or one per gate \(4 for lstm\)/);
    expect(() => rnnForward(e, config, params, x, { name: 'lstm_1', recurrentMask: e.fill([B, H + 1], 1) })).toThrow(
      /lstm_1 \(recurrentMask\): got shape \[2, 5\], wanted \[2, 4\]/,
    );
    expect(() => rnnForward(e, config, params, x, { recurrentMask: [m, m, m, e.fill([1, H], 1)] })).toThrow(ShapeError);
  });
});

describe('inspection', () => {
  it('tape.gates names each gate as CELL_FACTS does, for every cell', () => {
    const e = createEngine(createReferenceBackend());
    for (const config of ALL_CELLS) {
      const { params, x } = setup(e, config);
      const f = rnnForward(e, config, params, e.tensor(x, [B, T, D]));
      const gates = f.tape!.gates(1);
      expect(Object.keys(gates)).toEqual(config.kind === 'simpleRnn' ? [] : CELL_FACTS[config.kind].gates);
      for (const g of Object.values(gates)) expect(g.shape).toEqual([B, H]);
    }
  });

  it('onStepGrad sees d loss / d h_t at every step; tape.gates gives each gate in [0, 1] or [-1, 1]', () => {
    const e = createEngine(createReferenceBackend());
    const config: CellConfig = { kind: 'lstm', inputSize: D, units: H };
    const { params, x, dy } = setup(e, config);
    const f = rnnForward(e, config, params, e.tensor(x, [B, T, D]));
    const gates = f.tape!.gates(2);
    expect(Object.keys(gates)).toEqual(['i', 'f', 'g', 'o']);
    for (const [name, g] of Object.entries(gates)) {
      expect(g.shape).toEqual([B, H]);
      const lo = name === 'g' ? -1 : 0;
      expect(g.toArray().every((v) => v >= lo && v <= 1)).toBe(true);
    }
    const seen: number[] = [];
    const dyT = e.tensor(dy, [B, T, H]);
    let last: number[] = [];
    rnnBackward(e, f.tape!, {
      dy: dyT,
      onStepGrad: (t, dh) => {
        seen.push(t);
        if (t === T - 1) last = dh.toArray();
      },
    });
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0]);
    // At the last step nothing comes from the future: the gradient is exactly dy[:, T-1].
    const want = [...dy.slice((T - 1) * H, T * H), ...dy.slice((2 * T - 1) * H, 2 * T * H)];
    expect(last).toEqual(want);
  });
});

describe('inputGrad: false', () => {
  it('skips dx and leaves every other gradient unchanged', () => {
    const e = createEngine(createReferenceBackend());
    for (const config of [
      { kind: 'lstm', inputSize: D, units: H },
      { kind: 'gru', inputSize: D, units: H, resetAfter: false },
    ] as CellConfig[]) {
      const { params, x, dy } = setup(e, config);
      const f = rnnForward(e, config, params, e.tensor(x, [B, T, D]));
      const dyT = e.tensor(dy, [B, T, H]);
      const all = rnnBackward(e, f.tape!, { dy: dyT, keepTape: true });
      const some = rnnBackward(e, f.tape!, { dy: dyT, inputGrad: false });
      expect('dx' in some).toBe(false);
      for (const k of ['Wx', 'Wh', 'bx', 'bh'] as const) expect(some.grads[k]!.toArray()).toEqual(all.grads[k]!.toArray());
    }
  });
});

describe('recurrentActivation', () => {
  it('defaults to sigmoid; refuses an unknown name and any value on a simpleRnn (a ConfigError, never a guess)', async () => {
    const { createCell } = await import('../src/cells/index.js');
    expect(createCell({ kind: 'lstm', inputSize: 2, units: 3 }).config.recurrentActivation).toBe('sigmoid');
    expect(createCell({ kind: 'gru', inputSize: 2, units: 3, recurrentActivation: 'hardSigmoidKeras3' }).config.recurrentActivation).toBe('hardSigmoidKeras3');
    expect(() => createCell({ kind: 'gru', inputSize: 2, units: 3, recurrentActivation: 'hardSigmoid' as never })).toThrow(
      /recurrentActivation must be one of 'sigmoid', 'hardSigmoidKeras2', 'hardSigmoidKeras3', got "hardSigmoid"/,
    );
    expect(() => createCell({ kind: 'simpleRnn', inputSize: 2, units: 3, recurrentActivation: 'sigmoid' })).toThrow(ConfigError);
  });

  it('the fallbacks compute clip(slope v + 0.5, 0, 1) and the slope inside (0, 1), 0 at and past the kinks', async () => {
    const { hardSigmoidSlope } = await import('../src/recurrent-activation.js');
    const e = createEngine(createReferenceBackend());
    // xp carries the pre-activations, hp = 0, c = 0: gates [i, f, g, o] of one row, H = 5.
    const v = [-4, -2.5, 0, 1, 3];
    for (const [a, slope] of [['hardSigmoidKeras2', 0.2], ['hardSigmoidKeras3', 1 / 6]] as const) {
      expect(hardSigmoidSlope(a)).toBe(slope);
      const xp = e.tensor([...v, ...v, ...v, ...v], [1, 20]);
      const out = e.fused('lstmCell', [xp, e.zeros([1, 20]), e.zeros([1, 5])], { recurrentActivation: a });
      const want = v.map((x) => Math.min(1, Math.max(0, slope * x + 0.5)));
      expect(Array.from(out.gates.dataSync().slice(0, 5))).toEqual(want);
      const dPre = e.fused('lstmCellGrad', [out.gates, e.zeros([1, 5]), e.zeros([1, 5]), e.zeros([1, 5]), e.fill([1, 5], 1)], { recurrentActivation: a });
      // d(pre_f) = dc * c_prev * sig'(f) with c_prev = 0: zero; d(pre_i) = dc * g * sig'(i), g = tanh(v).
      const di = Array.from(dPre.dPre.dataSync().slice(0, 5));
      const inside = want.map((y) => (y > 0 && y < 1 ? slope : 0));
      di.forEach((d, k) => expect(d).toBeCloseTo(Math.tanh(v[k]) * inside[k], 14));
    }
    expect(hardSigmoidSlope('hard_sigmoid')).toBeUndefined();
  });
});
