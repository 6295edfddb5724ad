/**
 * Finite-difference checks of every loss's fused gradient: analytic d(loss)/d(pred) from the
 * backend under test against float64 central differences on the reference backend.
 */
import { createEngine, type Engine } from '../engine.js';
import { computeLoss, labelTensor, type LossSpec } from '../losses.js';
import { compare, type CaseReport } from './compare.js';
import { testRandom } from './primitives.js';
import { readAll } from './read.js';
import { createReferenceBackend } from './reference-backend.js';

interface LossGradCase {
  spec: LossSpec;
  shape: number[];
  /** how targets are drawn */
  target: 'real' | 'binary' | 'onehot' | 'soft' | 'sparse';
  /** prediction range (probabilities stay inside (0, 1)) */
  range: [number, number];
}

const CASES: LossGradCase[] = [
  { spec: { name: 'mse' }, shape: [4, 5], target: 'real', range: [-2, 2] },
  { spec: { name: 'mse' }, shape: [2, 3, 4], target: 'real', range: [-2, 2] },
  { spec: { name: 'mae' }, shape: [4, 5], target: 'real', range: [-2, 2] },
  { spec: { name: 'binaryCrossentropy', fromLogits: true }, shape: [6, 1], target: 'binary', range: [-4, 4] },
  { spec: { name: 'binaryCrossentropy' }, shape: [6, 1], target: 'binary', range: [0.05, 0.95] },
  { spec: { name: 'binaryCrossentropy', fromLogits: true }, shape: [2, 3, 2], target: 'binary', range: [-4, 4] },
  { spec: { name: 'categoricalCrossentropy', fromLogits: true }, shape: [4, 5], target: 'onehot', range: [-3, 3] },
  { spec: { name: 'categoricalCrossentropy', fromLogits: true }, shape: [4, 5], target: 'soft', range: [-3, 3] },
  { spec: { name: 'categoricalCrossentropy' }, shape: [4, 5], target: 'soft', range: [0.05, 0.95] },
  { spec: { name: 'sparseCategoricalCrossentropy', fromLogits: true }, shape: [4, 5], target: 'sparse', range: [-3, 3] },
  { spec: { name: 'sparseCategoricalCrossentropy', fromLogits: true }, shape: [2, 3, 5], target: 'sparse', range: [-3, 3] },
];

const label = (c: LossGradCase) => `${c.spec.name}${c.spec.fromLogits ? ' fromLogits' : ''} [${c.shape.join(', ')}] ${c.target} targets`;

export async function checkLossGradients(engine: Engine, opts: { atol?: number; rtol?: number; eps?: number } = {}): Promise<CaseReport[]> {
  const float64 = engine.backend.precision === 'float64';
  const atol = opts.atol ?? (float64 ? 1e-8 : 1e-5);
  const rtol = opts.rtol ?? (float64 ? 1e-6 : 1e-3);
  const eps = opts.eps ?? 1e-6;
  const ref = createEngine(createReferenceBackend());
  const reports: CaseReport[] = [];
  for (const [idx, c] of CASES.entries()) {
    try {
      const rand = testRandom(777 + idx);
      const n = c.shape.reduce((a, b) => a * b, 1);
      const k = c.shape[c.shape.length - 1];
      const rows = n / k;
      let pred = Array.from({ length: n }, () => rand(...c.range));
      // Keep mae away from its kink at pred == target.
      let target: number[];
      let targetShape = c.shape;
      if (c.target === 'real') target = pred.map((p) => p + (rand() < 0 ? -1 : 1) * rand(0.1, 1));
      else if (c.target === 'binary') target = pred.map(() => (rand() < 0 ? 0 : 1));
      else if (c.target === 'sparse') {
        target = Array.from({ length: rows }, () => Math.min(k - 1, Math.floor(rand(0, k))));
        targetShape = c.shape.slice(0, -1);
      } else {
        target = [];
        for (let r = 0; r < rows; r++) {
          const w = Array.from({ length: k }, () => (c.target === 'onehot' ? 0 : rand(0.1, 1)));
          if (c.target === 'onehot') w[Math.min(k - 1, Math.floor(rand(0, k)))] = 1;
          const s = w.reduce((a, b) => a + b, 0);
          target.push(...w.map((v) => v / s));
        }
      }
      if (c.spec.name === 'categoricalCrossentropy' && !c.spec.fromLogits) {
        // probabilities: rows that sum to one
        const p2: number[] = [];
        for (let r = 0; r < rows; r++) {
          const row = pred.slice(r * k, r * k + k);
          const s = row.reduce((a, b) => a + b, 0);
          p2.push(...row.map((v) => v / s));
        }
        pred = p2;
      }
      const lossOn = (e: Engine, p: number[]) =>
        e.scope(() => {
          const t = c.target === 'sparse' ? labelTensor(e, target, targetShape, k, label(c)) : e.tensor(target, targetShape);
          return computeLoss(e, c.spec, e.tensor(p, c.shape), t);
        });
      const { value, grad } = lossOn(engine, pred);
      const analytic = (await readAll({ value, grad })).grad;
      const numeric = pred.map((v, i) => {
        const at = (x: number) => {
          const p = pred.slice();
          p[i] = x;
          const r = lossOn(ref, p);
          const val = r.value.dataSync()[0];
          r.value.dispose();
          r.grad.dispose();
          return val;
        };
        return (at(v + eps) - at(v - eps)) / (2 * eps);
      });
      const check = compare('d loss / d pred', analytic, numeric, atol, rtol);
      reports.push({ section: 'gradients', name: `loss ${label(c)}`, pass: check.pass, checks: [check] });
    } catch (err) {
      reports.push({ section: 'gradients', name: `loss ${label(c)}`, pass: false, checks: [], error: (err as Error).message });
    }
  }
  return reports;
}
