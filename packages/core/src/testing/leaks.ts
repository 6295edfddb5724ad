/**
 * The handle-leak check: a small model trains for many steps (forward, loss, BPTT, clipping,
 * optimizer update) and the engine's live tensor count and the backend's buffer count must be
 * the same after the last step as after the first.
 */
import { rnnBackward, rnnForward } from '../bptt.js';
import { GATES, type CellConfig } from '../cells/index.js';
import { clipByGlobalNorm } from '../clip.js';
import type { Engine } from '../engine.js';
import { computeLoss } from '../losses.js';
import { adam, type Param } from '../optimizers.js';
import { compare, type CaseReport } from './compare.js';
import { testRandom } from './primitives.js';

const CONFIGS: { name: string; config: CellConfig; lengths?: number[] }[] = [
  { name: 'lstm', config: { kind: 'lstm', inputSize: 3, units: 5 } },
  { name: 'gru', config: { kind: 'gru', inputSize: 3, units: 5 } },
  { name: 'gru masked', config: { kind: 'gru', inputSize: 3, units: 5 }, lengths: [6, 3, 1, 6] },
  { name: 'gru reset-before', config: { kind: 'gru', inputSize: 3, units: 5, resetAfter: false } },
  { name: 'simpleRnn', config: { kind: 'simpleRnn', inputSize: 3, units: 5 } },
];

export function checkLeaks(engine: Engine, steps = 50): CaseReport[] {
  return CONFIGS.map(({ name, config, lengths }) => {
    try {
      const rand = testRandom(99);
      const B = 4;
      const T = 6;
      const { inputSize: D, units: H } = config;
      const G = GATES[config.kind];
      const vals = (n: number, s = 0.5) => Array.from({ length: n }, () => rand(-s, s));
      const params: Param[] = [
        { name: 'Wx', value: engine.tensor(vals(D * G * H), [D, G * H]) },
        { name: 'Wh', value: engine.tensor(vals(H * G * H), [H, G * H]) },
        { name: 'bx', value: engine.tensor(vals(G * H), [G * H]) },
        { name: 'bh', value: engine.tensor(vals(G * H), [G * H]) },
        { name: 'W', value: engine.tensor(vals(H), [H, 1]) },
        { name: 'b', value: engine.tensor([0], [1]) },
      ];
      const x = engine.tensor(vals(B * T * D, 1), [B, T, D]);
      const y = engine.tensor([1, 0, 1, 0], [B, 1]);
      const opt = adam({ learningRate: 0.01, clipNorm: 1 });
      const counts: { tensors: number; buffers: number }[] = [];
      for (let s = 0; s < steps; s++) {
        const grads = engine.scope(() => {
          const [Wx, Wh, bx, bh, W, b] = params.map((p) => p.value);
          const f = rnnForward(engine, config, { Wx, Wh, bx, bh }, x, { lengths, returnSequences: false });
          const logit = engine.matmul(f.state.h, W, { bias: b });
          const { grad } = computeLoss(engine, { name: 'binaryCrossentropy', fromLogits: true }, logit, y);
          const r = rnnBackward(engine, f.tape!, { dState: { h: engine.matmul(grad, W, { transposeB: true }) } });
          const all = [r.grads.Wx, r.grads.Wh, r.grads.bx!, r.grads.bh!, engine.matmul(f.state.h, grad, { transposeA: true }), engine.sumBatch(grad)];
          return clipByGlobalNorm(engine, all, 5).clipped;
        });
        opt.step(params, grads);
        for (const g of grads) g.dispose();
        const m = engine.memory();
        counts.push({ tensors: m.tensors, buffers: m.buffers });
      }
      const first = counts[0];
      const last = counts[counts.length - 1];
      const checks = [
        compare(`live tensors after step 1 vs step ${steps}`, [last.tensors], [first.tensors], 0, 0),
        compare(`backend buffers after step 1 vs step ${steps}`, [last.buffers], [first.buffers], 0, 0),
      ];
      opt.dispose();
      for (const p of params) p.value.dispose();
      x.dispose();
      y.dispose();
      return { section: 'leaks', name: `${name}, ${steps} training steps`, pass: checks.every((c) => c.pass), checks };
    } catch (err) {
      return { section: 'leaks', name, pass: false, checks: [], error: (err as Error).message };
    }
  });
}
