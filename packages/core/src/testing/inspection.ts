/**
 * Inspection on the backend under test: the states (`tape.state(t)`), gate activations
 * (`tape.gates(t)`) and per-step gradients (`onStepGrad`) of a forward and backward run match
 * the float64 reference's, for every cell (both GRU modes), with padding and recurrent dropout.
 * They are what models' `inspect` reports, so every backend gives the same numbers to its
 * tolerance. Read through the async read only (a GPU backend may have no synchronous one).
 */
import { rnnBackward, rnnForward } from '../bptt.js';
import { type CellConfig, GATES } from '../cells/index.js';
import { createEngine, type Engine, type Tensor } from '../engine.js';
import { compare, type CaseReport, type Check } from './compare.js';
import type { Tolerance } from './fixture-runner.js';
import { testRandom } from './primitives.js';
import { createReferenceBackend } from './reference-backend.js';

const [B, T, D, H] = [3, 4, 2, 3];
const CASES: { name: string; config: CellConfig; perGate?: boolean }[] = [
  { name: 'simpleRnn', config: { kind: 'simpleRnn', inputSize: D, units: H } },
  { name: 'lstm', config: { kind: 'lstm', inputSize: D, units: H }, perGate: true },
  { name: 'gru reset-after', config: { kind: 'gru', inputSize: D, units: H } },
  { name: 'gru reset-before', config: { kind: 'gru', inputSize: D, units: H, resetAfter: false }, perGate: true },
];
const LENGTHS = [4, 2, 3];

/** Every state, gate and step gradient of one run, as host values by name. */
async function inspectRun(e: Engine, config: CellConfig, perGate: boolean, seed: number): Promise<Map<string, Float64Array>> {
  const r = testRandom(seed);
  const G = GATES[config.kind];
  const vals = (n: number, s = 0.6) => Array.from({ length: n }, () => r(-s, s));
  const kept = new Map<string, Tensor>();
  const keep = (name: string, t: Tensor) => kept.set(name, e.keep(t));
  try {
    e.scope(() => {
      const params = { Wx: e.tensor(vals(D * G * H), [D, G * H]), Wh: e.tensor(vals(H * G * H), [H, G * H]), bx: e.tensor(vals(G * H, 0.3), [G * H]) };
      const x = e.tensor(vals(B * T * D, 1), [B, T, D]);
      const dy = e.tensor(vals(B * T * H, 1), [B, T, H]);
      const masks = Array.from({ length: perGate ? G : 1 }, () => e.tensor(vals(B * H, 1).map((v) => (v < -0.2 ? 0 : 1.25)), [B, H]));
      const f = rnnForward(e, config, params, x, { lengths: LENGTHS, recurrentMask: masks });
      for (let t = 0; t < T; t++) {
        const s = f.tape!.state(t);
        keep(`h[${t}]`, s.h);
        if (s.c) keep(`c[${t}]`, s.c);
        for (const [g, v] of Object.entries(f.tape!.gates(t))) keep(`gate ${g}[${t}]`, v);
      }
      rnnBackward(e, f.tape!, { dy, onStepGrad: (t, dh) => keep(`dh[${t}]`, e.affine(dh, 1, 0)) });
    });
    const out = new Map<string, Float64Array>();
    for (const [name, t] of kept) out.set(name, Float64Array.from(await t.data()));
    return out;
  } finally {
    for (const t of kept.values()) t.dispose();
  }
}

/** One report per cell: states and gates at `tol`, step gradients at `gradTol`. */
export async function checkInspection(engine: Engine, tol: Tolerance, gradTol: Tolerance): Promise<CaseReport[]> {
  const ref = createEngine(createReferenceBackend());
  const reports: CaseReport[] = [];
  for (const [i, c] of CASES.entries()) {
    try {
      const [got, want] = [await inspectRun(engine, c.config, !!c.perGate, 77 + i), await inspectRun(ref, c.config, !!c.perGate, 77 + i)];
      const checks: Check[] = [];
      if ([...want.keys()].join() !== [...got.keys()].join()) throw new Error(`reported ${[...got.keys()].join(', ')}; the reference reports ${[...want.keys()].join(', ')}`);
      for (const [name, w] of want) {
        const t = name.startsWith('dh') ? gradTol : tol;
        checks.push(compare(name, Array.from(got.get(name)!), Array.from(w), t.atol, t.rtol));
      }
      reports.push({ section: 'inspection', name: c.name, pass: checks.every((k) => k.pass), checks });
    } catch (err) {
      reports.push({ section: 'inspection', name: c.name, pass: false, checks: [], error: (err as Error).message });
    }
  }
  return reports;
}
