/** The benchmark's own arithmetic: FLOP counts, the GRU weight mapping, the summary statistics, the data. */
import { describe, expect, it } from 'vitest';
import { summarize } from '../src/stats.js';
import { WORKLOADS, flopShape, forwardFlops, gruToKeras, makeBatch, trainFlops } from '../src/workloads.js';

describe('FLOP counts', () => {
  it('W2: input projection, recurrent projection at every step, dense head once; training is 3x forward', () => {
    // 2 * B * (T * (D * 4H + H * 4H) + H * K) with B 32, T 50, D 32, H 128, K 10
    const forward = 2 * 32 * (50 * (32 * 512 + 128 * 512) + 128 * 10);
    expect(forwardFlops(flopShape(WORKLOADS.W2))).toBe(forward);
    expect(trainFlops(flopShape(WORKLOADS.W2))).toBe(3 * forward);
  });

  it('W4: the head runs at every step; one sequence is 1/32 of the batch', () => {
    const forward = 2 * 32 * 100 * (65 * 1024 + 256 * 1024 + 256 * 65);
    expect(forwardFlops(flopShape(WORKLOADS.W4))).toBe(forward);
    expect(forwardFlops(flopShape(WORKLOADS.W4, 1))).toBe(forward / 32);
  });
});

describe('GRU weights for tfjs', () => {
  it('moves columns r, z, n to z, r, n in every row', () => {
    // h = 2: row 0 = r0 r1 z0 z1 n0 n1, row 1 likewise + 10
    const ours = Float32Array.from([1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]);
    expect(Array.from(gruToKeras(ours, 2, 2))).toEqual([3, 4, 1, 2, 5, 6, 13, 14, 11, 12, 15, 16]);
  });
});

describe('summaries and data', () => {
  it('median of odd and even counts, min and max', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, runs: 3 });
    expect(summarize([4, 1, 3, 10])).toEqual({ median: 3.5, min: 1, max: 10, runs: 4 });
  });

  it('W1 labels say whether the sequence sums above zero; W4 is one-hot with next-character labels', () => {
    const w1 = makeBatch(WORKLOADS.W1);
    for (let b = 0; b < 32; b++) {
      const sum = w1.x.subarray(b * 20, b * 20 + 20).reduce((a, v) => a + v, 0);
      expect(w1.labels[b]).toBe(sum > 0 ? 1 : 0);
    }
    const w4 = makeBatch(WORKLOADS.W4);
    const T = 100;
    for (let b = 0; b < 32; b++)
      for (let t = 0; t < T; t++) {
        const row = w4.x.subarray((b * T + t) * 65, (b * T + t + 1) * 65);
        expect(row.reduce((a, v) => a + v, 0)).toBe(1);
        // the label at t is the character fed at t + 1
        if (t + 1 < T) expect(w4.x[(b * T + t + 1) * 65 + w4.labels[b * T + t]]).toBe(1);
      }
  });
});
