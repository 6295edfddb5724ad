/**
 * Finite-difference gradient checks of every cell through BPTT: the backend under test computes
 * analytic gradients; the float64 reference backend computes central differences of
 * L = sum(y*dy) + sum(hT*dhT) (+ sum(cT*dcT)). Covers plain, masked (per-sample lengths) and
 * reverse runs, so masking and direction are checked against the definition of a gradient.
 */
import { rnnBackward, rnnForward, type RnnForwardOptions } from '../bptt.js';
import { GATES, type CellConfig, type CellParams } from '../cells/index.js';
import { createEngine, type Engine } from '../engine.js';
import { compare, type CaseReport } from './compare.js';
import { testRandom } from './primitives.js';
import { readAll } from './read.js';
import { createReferenceBackend } from './reference-backend.js';

export interface GradCase {
  name: string;
  config: CellConfig;
  batch: number;
  steps: number;
  lengths?: number[];
  reverse?: boolean;
  /** Scale of the random weights (larger saturates gates). */
  weightScale?: number;
}

export const GRAD_CASES: GradCase[] = [
  { name: 'simpleRnn tanh', config: { kind: 'simpleRnn', inputSize: 3, units: 4 }, batch: 2, steps: 5 },
  { name: 'simpleRnn relu', config: { kind: 'simpleRnn', inputSize: 3, units: 4, activation: 'relu' }, batch: 2, steps: 4 },
  { name: 'lstm', config: { kind: 'lstm', inputSize: 3, units: 4 }, batch: 2, steps: 5 },
  { name: 'gru reset-after', config: { kind: 'gru', inputSize: 3, units: 4 }, batch: 2, steps: 5 },
  { name: 'gru reset-before', config: { kind: 'gru', inputSize: 3, units: 4, resetAfter: false }, batch: 2, steps: 5 },
  {
    name: 'gru reset-before masked, odd sizes',
    config: { kind: 'gru', inputSize: 2, units: 5, resetAfter: false },
    batch: 3,
    steps: 4,
    lengths: [4, 1, 3],
  },
  { name: 'lstm masked', config: { kind: 'lstm', inputSize: 2, units: 3 }, batch: 3, steps: 5, lengths: [5, 2, 0] },
  { name: 'gru masked reverse', config: { kind: 'gru', inputSize: 2, units: 3 }, batch: 3, steps: 4, lengths: [1, 4, 3], reverse: true },
  { name: 'simpleRnn reverse', config: { kind: 'simpleRnn', inputSize: 2, units: 3 }, batch: 2, steps: 4, reverse: true },
  { name: 'lstm long (T=30)', config: { kind: 'lstm', inputSize: 2, units: 3 }, batch: 1, steps: 30 },
];

interface HostCase {
  params: Record<'Wx' | 'Wh' | 'bx' | 'bh', { shape: number[]; data: number[] }>;
  x: { shape: number[]; data: number[] };
  h0: { shape: number[]; data: number[] };
  c0?: { shape: number[]; data: number[] };
  dy: number[];
  dhT: number[];
  dcT?: number[];
}

function hostCase(c: GradCase, seed: number): HostCase {
  const rand = testRandom(seed);
  const { inputSize: D, units: H, kind } = c.config;
  const G = GATES[kind];
  const w = c.weightScale ?? 0.6;
  const arr = (shape: number[], s = 1) => ({ shape, data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand(-s, s)) });
  const B = c.batch;
  const T = c.steps;
  return {
    params: { Wx: arr([D, G * H], w), Wh: arr([H, G * H], w), bx: arr([G * H], 0.3), bh: arr([G * H], 0.3) },
    x: arr([B, T, D]),
    h0: arr([B, H], 0.5),
    c0: kind === 'lstm' ? arr([B, H], 0.5) : undefined,
    dy: arr([B, T, H]).data,
    dhT: arr([B, H]).data,
    dcT: kind === 'lstm' ? arr([B, H]).data : undefined,
  };
}

function upload(e: Engine, h: HostCase) {
  const t = (v: { shape: number[]; data: number[] }) => e.tensor(v.data, v.shape);
  const params: CellParams = { Wx: t(h.params.Wx), Wh: t(h.params.Wh), bx: t(h.params.bx), bh: t(h.params.bh) };
  return { params, x: t(h.x), h0: t(h.h0), c0: h.c0 ? t(h.c0) : undefined };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < b.length; i++) s += a[i] * b[i];
  return s;
};

/** L on the reference engine (inference mode). */
function lossOf(e: Engine, c: GradCase, h: HostCase): number {
  return e.scope(() => {
    const { params, x, h0, c0 } = upload(e, h);
    const opts: RnnForwardOptions = { initialState: { h: h0, c: c0 }, lengths: c.lengths, reverse: c.reverse, training: false };
    const f = rnnForward(e, c.config, params, x, opts);
    let L = dot(f.y!.dataSync(), h.dy) + dot(f.state.h.dataSync(), h.dhT);
    if (h.dcT) L += dot(f.state.c!.dataSync(), h.dcT);
    f.y!.dispose();
    f.state.h.dispose();
    f.state.c?.dispose();
    return L;
  });
}

export interface GradCheckOptions {
  atol?: number;
  rtol?: number;
  eps?: number;
  cases?: GradCase[];
}

/** Analytic gradients from `engine` against float64 central differences, one report per case. */
export async function checkGradients(engine: Engine, opts: GradCheckOptions = {}): Promise<CaseReport[]> {
  const float64 = engine.backend.precision === 'float64';
  const atol = opts.atol ?? (float64 ? 1e-7 : 1e-4);
  const rtol = opts.rtol ?? (float64 ? 1e-6 : 1e-3);
  const eps = opts.eps ?? 1e-6;
  const ref = createEngine(createReferenceBackend());
  const reports: CaseReport[] = [];
  for (const [idx, c] of (opts.cases ?? GRAD_CASES).entries()) {
    try {
      const h = hostCase(c, 4242 + idx);
      // Analytic, on the backend under test.
      const grads = engine.scope(() => {
        const { params, x, h0, c0 } = upload(engine, h);
        const f = rnnForward(engine, c.config, params, x, { initialState: { h: h0, c: c0 }, lengths: c.lengths, reverse: c.reverse });
        const dy = engine.tensor(h.dy, f.y!.shape);
        const dhT = engine.tensor(h.dhT, f.state.h.shape);
        const dcT = h.dcT ? engine.tensor(h.dcT, f.state.h.shape) : undefined;
        const b = rnnBackward(engine, f.tape!, { dy, dState: { h: dhT, c: dcT } });
        return { Wx: b.grads.Wx, Wh: b.grads.Wh, bx: b.grads.bx, bh: b.grads.bh, x: b.dx, h0: b.dState0.h, c0: b.dState0.c };
      });
      const analytic = await readAll(grads);
      // Numeric, in float64.
      const numeric = (get: (hc: HostCase) => number[] | undefined): number[] => {
        const base = get(h);
        if (!base) return [];
        return base.map((v, i) => {
          base[i] = v + eps;
          const up = lossOf(ref, c, h);
          base[i] = v - eps;
          const down = lossOf(ref, c, h);
          base[i] = v;
          return (up - down) / (2 * eps);
        });
      };
      const checks = [
        compare('dWx', analytic.Wx, numeric((hc) => hc.params.Wx.data), atol, rtol),
        compare('dWh', analytic.Wh, numeric((hc) => hc.params.Wh.data), atol, rtol),
        compare('dbx', analytic.bx, numeric((hc) => hc.params.bx.data), atol, rtol),
        compare('dbh', analytic.bh, numeric((hc) => hc.params.bh.data), atol, rtol),
        compare('dx', analytic.x, numeric((hc) => hc.x.data), atol, rtol),
        compare('dh0', analytic.h0, numeric((hc) => hc.h0.data), atol, rtol),
      ];
      if (h.c0) checks.push(compare('dc0', analytic.c0, numeric((hc) => hc.c0?.data), atol, rtol));
      reports.push({ section: 'gradients', name: c.name, pass: checks.every((k) => k.pass), checks });
    } catch (err) {
      reports.push({ section: 'gradients', name: c.name, pass: false, checks: [], error: (err as Error).message });
    }
  }
  return reports;
}
