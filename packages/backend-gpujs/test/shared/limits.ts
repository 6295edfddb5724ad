/**
 * gpu.js limits and how the backend works around them, for any mode. Expected values are
 * closed forms on integer data (exact in float32), not our own computations.
 */
import { createEngine, type Engine, type Tensor } from '@recurrent/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpujsBackend } from '../../src/index.js';

const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

export function limitTests(label: string, create: () => GpujsBackend, opts: { exactIndexLimit: boolean }): void {
  describe(`gpu.js limits (${label})`, () => {
    let e: Engine;
    let backend: GpujsBackend;
    beforeAll(() => {
      backend = create();
      e = createEngine(backend);
    });
    afterAll(() => backend.destroy?.());
    const read = (t: Tensor): number[] => {
      const v = t.toArray();
      t.dispose();
      return v;
    };

    // gpu.js stops a loop it cannot prove bounded after loopMaxIterations (default 1000) and
    // returns what it has; every kernel sets the setting from its shape.
    it('a matmul with K = 1500 (over gpu.js default of 1000 loop iterations) sums all K terms', () => {
      const K = 1500;
      const want = (K * (K + 1)) / 2; // sum of p + 1 over p < K, an integer below 2^24
      const ones = e.fill([3, K], 1);
      const b = e.tensor(range(K * 2, (i) => Math.floor(i / 2) + 1), [K, 2]);
      const bT = e.tensor(range(K * 2, (i) => (i % K) + 1), [2, K]);
      const onesT = e.fill([K, 3], 1);
      expect(read(e.matmul(ones, b))).toEqual(range(6, () => want));
      expect(read(e.matmul(onesT, bT, { transposeA: true, transposeB: true }))).toEqual(range(6, () => want));
      for (const t of [ones, b, bT, onesT]) t.dispose();
    });

    it('long reductions run to the end: sumLast over 3000, sumBatch over 2500 rows, sumAll over 100000, scatterAddRows over 1200 indices', () => {
      const x = e.fill([2, 3000], 1);
      expect(read(e.sumLast(x))).toEqual([3000, 3000]);
      x.dispose();
      const y = e.fill([2500, 3], 2);
      expect(read(e.sumBatch(y))).toEqual([5000, 5000, 5000]);
      y.dispose();
      const z = e.fill([100000], 1);
      expect(read(e.sumAll(z))).toEqual([100000]);
      z.dispose();
      const values = e.fill([1200, 2], 1);
      const idx = e.tensor(range(1200, (i) => i % 3), [1200]);
      expect(read(e.run('scatterAddRows', [values, idx], { rows: 3 }))).toEqual([400, 400, 400, 400, 400, 400]);
      values.dispose();
      idx.dispose();
    });

    it('softmax over 2000 classes normalises every row', () => {
      const x = e.fill([2, 2000], 0.5);
      const p = read(e.softmax(x));
      x.dispose();
      expect(p.length).toBe(4000);
      for (const v of p) expect(v).toBeCloseTo(1 / 2000, 9);
    });

    it('a tensor over the element limit is a ShapeError naming the op and the limit, before any kernel runs', () => {
      const max = backend.limits.maxElements;
      const before = backend.kernelStats().compiled;
      expect(() => e.fill([max + 1], 0)).toThrowError(expect.objectContaining({ code: 'E_SHAPE' }));
      expect(() => e.fill([max + 1], 0)).toThrowError(new RegExp(`^fill: got shape \\[${max + 1}\\], wanted at most ${max} elements`));
      // the output of a matmul of two small inputs
      const side = Math.ceil(Math.sqrt(max + 1));
      const a = e.fill([side, 1], 1);
      const b = e.fill([1, side], 1);
      expect(() => e.matmul(a, b)).toThrowError(/^matmul: got shape .* wanted at most/);
      a.dispose();
      b.dispose();
      expect(backend.kernelStats().compiled).toBe(before + 1); // only the two fills compiled (one kernel)
    });

    if (opts.exactIndexLimit)
      it('indices are exact up to the 2^24-element limit (a [16384, 1023] row broadcast)', () => {
        const rows = 16384;
        const cols = 1023; // rows * cols = 16,760,832 < 2^24; 1023 is odd, so no index is a power-of-two shift
        const a = e.fill([rows, cols], 0);
        const bias = e.tensor(range(cols, (j) => j), [cols]);
        const out = e.add(a, bias);
        const v = out.dataSync();
        let bad = 0;
        for (let i = 0; i < v.length; i++) if (v[i] !== i % cols) bad++;
        expect(v.length).toBe(rows * cols);
        expect(bad).toBe(0);
        for (const t of [a, bias, out]) t.dispose();
      });
  });
}
