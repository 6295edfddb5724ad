/**
 * Finite-difference gradient checks of every cell through BPTT: the backend under test computes
 * analytic gradients; the float64 reference backend computes central differences of
 * L = sum(y*dy) + sum(hT*dhT) (+ sum(cT*dcT)). Covers plain, masked (per-sample lengths) and
 * reverse runs, so masking and direction are checked against the definition of a gradient.
 *
 * Hard-sigmoid gates have kinks (derivative jumps at slope * v + 0.5 = 0 or 1), where a central
 * difference is meaningless. Their cases draw larger weights, so that some gates saturate
 * (zero gradient checked) and others do not, and take the first seed (in a fixed sequence)
 * whose every gate pre-activation lies at least KINK_MARGIN from a kink: far outside the
 * finite-difference step (1e-6), so no perturbed evaluation crosses a kink.
 */
import { rnnBackward, rnnForward, type RnnForwardOptions } from '../bptt.js';
import { createCell, GATES, type Cell, type CellConfig, type CellParams } from '../cells/index.js';
import { createEngine, type Engine } from '../engine.js';
import { hardSigmoidSlope } from '../recurrent-activation.js';
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
  ...hardSigmoidCases(),
];

/** Hard-sigmoid gates: every cell kind (both GRU modes), both definitions, masked and reversed. */
function hardSigmoidCases(): GradCase[] {
  const k2 = 'hardSigmoidKeras2' as const;
  const k3 = 'hardSigmoidKeras3' as const;
  const w = 1.5;
  return [
    { name: `lstm ${k2}`, config: { kind: 'lstm', inputSize: 3, units: 4, recurrentActivation: k2 }, batch: 2, steps: 5, weightScale: w },
    { name: `lstm ${k3} masked reverse`, config: { kind: 'lstm', inputSize: 2, units: 3, recurrentActivation: k3 }, batch: 3, steps: 5, lengths: [5, 2, 0], reverse: true, weightScale: w },
    { name: `gru reset-after ${k2} masked`, config: { kind: 'gru', inputSize: 2, units: 3, recurrentActivation: k2 }, batch: 3, steps: 4, lengths: [4, 1, 3], weightScale: w },
    { name: `gru reset-after ${k3} reverse`, config: { kind: 'gru', inputSize: 3, units: 4, recurrentActivation: k3 }, batch: 2, steps: 5, reverse: true, weightScale: w },
    { name: `gru reset-before ${k3} masked`, config: { kind: 'gru', inputSize: 2, units: 3, resetAfter: false, recurrentActivation: k3 }, batch: 3, steps: 4, lengths: [2, 4, 0], weightScale: w },
    { name: `gru reset-before ${k2} reverse`, config: { kind: 'gru', inputSize: 3, units: 4, resetAfter: false, recurrentActivation: k2 }, batch: 2, steps: 5, reverse: true, weightScale: w },
  ];
}

/** How close a hard-sigmoid case's gate pre-activations may come to a kink. */
export const KINK_MARGIN = 1e-3;

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

/** Columns (gate indices) of Wx / Wh that go through the recurrent activation: LSTM i, f, o; GRU r, z. */
const SIG_GATES = { simpleRnn: [], lstm: [0, 1, 3], gru: [0, 1] } as const;

/**
 * Over every step of a forward run on the reference engine, the smallest distance of a gate
 * pre-activation (x@Wx + bx + h@Wh + bh in a sig column) from a hard sigmoid's kinks, and how
 * many pre-activations lie past a kink (saturated) and between the kinks.
 */
function kinkStats(ref: Engine, c: GradCase, h: HostCase, slope: number): { margin: number; saturated: number; inside: number } {
  const kink = 0.5 / slope;
  const stats = { margin: Infinity, saturated: 0, inside: 0 };
  const inner = createCell(c.config);
  const H = c.config.units;
  const observe: Cell = {
    ...inner,
    step(e, p, prep, xp, state) {
      const pre = e.scope(() => Array.from(e.add(xp, e.matmul(state.h, p.Wh, { bias: p.bh })).dataSync()));
      const G = inner.gates;
      for (let i = 0; i < pre.length; i++) {
        const gate = Math.floor((i % (G * H)) / H);
        if (!(SIG_GATES[c.config.kind] as readonly number[]).includes(gate)) continue;
        const d = Math.abs(Math.abs(pre[i]) - kink);
        stats.margin = Math.min(stats.margin, d);
        if (Math.abs(pre[i]) > kink) stats.saturated++;
        else stats.inside++;
      }
      return inner.step(e, p, prep, xp, state);
    },
  };
  ref.scope(() => {
    const { params, x, h0, c0 } = upload(ref, h);
    const f = rnnForward(ref, observe, params, x, { initialState: { h: h0, c: c0 }, lengths: c.lengths, reverse: c.reverse, training: false });
    f.y?.dispose();
  });
  return stats;
}

/**
 * The case's random values: for a hard-sigmoid case, the first of 50 seeds (seed, seed + 1000,
 * ...) whose gates keep KINK_MARGIN from the kinks, with some saturated and some not.
 */
function chooseCase(ref: Engine, c: GradCase, seed: number): HostCase {
  const slope = hardSigmoidSlope(c.config.recurrentActivation ?? 'sigmoid');
  if (!slope) return hostCase(c, seed);
  for (let k = 0; k < 50; k++) {
    const h = hostCase(c, seed + 1000 * k);
    const s = kinkStats(ref, c, h, slope);
    if (s.margin >= KINK_MARGIN && s.saturated > 0 && s.inside > 0) return h;
  }
  throw new Error(`${c.name}: no seed keeps every gate ${KINK_MARGIN} from a kink with some gates saturated; change the case's sizes or weightScale.`);
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
      const h = chooseCase(ref, c, 4242 + idx);
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
