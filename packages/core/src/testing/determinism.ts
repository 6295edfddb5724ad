/**
 * "The same seed gives the same model on every backend": parameters drawn by initCellParams
 * from a seeded Rng on the backend under test equal those drawn on the reference backend
 * (after rounding to the backend's precision).
 */
import { initCellParams, type CellConfig } from '../cells/index.js';
import { createEngine, type Engine } from '../engine.js';
import { Rng } from '../rng.js';
import { compare, type CaseReport } from './compare.js';
import { readAll } from './read.js';
import { createReferenceBackend } from './reference-backend.js';

const CONFIGS: CellConfig[] = [
  { kind: 'simpleRnn', inputSize: 3, units: 7 },
  { kind: 'lstm', inputSize: 5, units: 4 },
  { kind: 'gru', inputSize: 2, units: 6 },
  { kind: 'gru', inputSize: 2, units: 6, resetAfter: false },
];

export async function checkSeededInit(engine: Engine, seed = 2024): Promise<CaseReport[]> {
  const ref = createEngine(createReferenceBackend());
  const round = engine.backend.precision === 'float32' ? (v: number) => Math.fround(v) : (v: number) => v;
  const reports: CaseReport[] = [];
  for (const config of CONFIGS) {
    const name = `seeded init ${config.kind}${config.resetAfter === false ? ' reset-before' : ''}`;
    try {
      const read = async (e: Engine) => {
        const { Wx, Wh, bx, bh } = initCellParams(e, config, new Rng(seed));
        return readAll({ Wx, Wh, bx, bh });
      };
      const a = await read(engine);
      const b = await read(ref);
      const checks = (['Wx', 'Wh', 'bx', 'bh'] as const)
        .filter((k) => a[k].length || b[k].length)
        .map((k) => compare(k, a[k], Array.from(b[k], round), 0, 0));
      reports.push({ section: 'primitives', name, pass: checks.every((c) => c.pass), checks });
    } catch (err) {
      reports.push({ section: 'primitives', name, pass: false, checks: [], error: (err as Error).message });
    }
  }
  return reports;
}
