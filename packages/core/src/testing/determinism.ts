/**
 * "The same seed gives the same model on every backend": parameters drawn by initCellParams
 * from a seeded Rng on the backend under test equal those drawn on the reference backend
 * (after rounding to the backend's precision).
 */
import { initCellParams, type CellConfig } from '../cells/index.js';
import { createEngine, type Engine } from '../engine.js';
import { Rng } from '../rng.js';
import { compare, type CaseReport } from './compare.js';
import { createReferenceBackend } from './reference-backend.js';

const CONFIGS: CellConfig[] = [
  { kind: 'simpleRnn', inputSize: 3, units: 7 },
  { kind: 'lstm', inputSize: 5, units: 4 },
  { kind: 'gru', inputSize: 2, units: 6 },
  { kind: 'gru', inputSize: 2, units: 6, resetAfter: false },
];

export function checkSeededInit(engine: Engine, seed = 2024): CaseReport[] {
  const ref = createEngine(createReferenceBackend());
  const round = engine.backend.precision === 'float32' ? (v: number) => Math.fround(v) : (v: number) => v;
  return CONFIGS.map((config) => {
    const name = `seeded init ${config.kind}${config.resetAfter === false ? ' reset-before' : ''}`;
    try {
      const a = initCellParams(engine, config, new Rng(seed));
      const b = initCellParams(ref, config, new Rng(seed));
      const checks = (['Wx', 'Wh', 'bx', 'bh'] as const)
        .filter((k) => a[k] || b[k])
        .map((k) => compare(k, a[k]?.dataSync() ?? [], Array.from(b[k]?.dataSync() ?? [], round), 0, 0));
      for (const p of [a, b]) for (const t of Object.values(p)) t?.dispose();
      return { section: 'primitives', name, pass: checks.every((c) => c.pass), checks } satisfies CaseReport;
    } catch (err) {
      return { section: 'primitives', name, pass: false, checks: [], error: (err as Error).message } satisfies CaseReport;
    }
  });
}
