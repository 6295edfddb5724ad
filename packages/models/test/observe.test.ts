/**
 * trainOnBatch(x, y, { observe }): the gradient norm reaching each step, from the training step's
 * own backward pass. It equals inspect's on the same weights and batch (inspect runs before the
 * step), the step itself is unchanged (same loss and weights as without observe), and no tensor
 * is left behind.
 */
import { createCpuBackend } from '@recurrent/backend-cpu';
import { describe, expect, it } from 'vitest';
import { type Inspection, layers, optimizers, sequential } from '../src/index.js';

function build() {
  const m = sequential({ backend: createCpuBackend(), seed: 4 }, [
    layers.lstm({ units: 5, returnSequences: true, inputShape: [null, 3] }),
    layers.gru({ units: 4 }),
    layers.dense({ units: 1 }),
  ]);
  m.compile({ loss: 'mse', optimizer: optimizers.adam({ learningRate: 0.01 }) });
  return m;
}

describe('trainOnBatch observe', () => {
  it('reports the per-step gradient norms of the step it takes: equal to inspect before the step; the step is unchanged; no tensor kept', async () => {
    const B = 3;
    const T = 6;
    const x = { data: Float32Array.from({ length: B * T * 3 }, (_, i) => Math.sin(i)), shape: [B, T, 3], mask: Uint8Array.from({ length: B * T }, (_, i) => (i % T < T - (i < T ? 0 : 2) ? 1 : 0)) };
    const y = { data: Float32Array.of(0.5, -0.2, 0.1), shape: [B, 1] };
    const a = build();
    const b = build();
    const want = await a.inspect(x, y, { states: false, gates: false });
    let seen: Inspection | undefined;
    const la = await a.trainOnBatch(x, y, { observe: (ins) => (seen = ins) });
    const lb = await b.trainOnBatch(x, y);
    expect(la.loss).toBe(lb.loss);
    expect(seen!.loss).toBe(la.loss);
    expect(seen!.layers.map((l) => [l.layer, l.kind, l.h, l.gates])).toEqual(want.layers.map((l) => [l.layer, l.kind, undefined, undefined]));
    seen!.layers.forEach((l, k) => {
      const w = want.layers[k].gradNorm!;
      l.gradNorm!.forEach((row, i) =>
        row.forEach((v, t) => {
          if (w[i][t] === null) expect(v).toBeNull();
          else expect(v!).toBeCloseTo(w[i][t]!, 6);
        }),
      );
    });
    // Padding steps of the masked examples have no gradient.
    expect(seen!.layers[0].gradNorm![1].slice(T - 2)).toEqual([null, null]);
    const wa = await a.readWeights();
    const wb = await b.readWeights();
    expect(wa.map((w) => Array.from(w.data))).toEqual(wb.map((w) => Array.from(w.data)));
    const n = a.engine.memory().tensors;
    expect(n).toBe(b.engine.memory().tensors);
    for (let i = 0; i < 3; i++) await a.trainOnBatch(x, y, { observe: () => {} });
    expect(a.engine.memory().tensors).toBe(n);
    await expect(a.trainOnBatch(x, y, { observe: 1 as never })).rejects.toThrow(/observe must be a function/);
    a.dispose();
    b.dispose();
  });
});
