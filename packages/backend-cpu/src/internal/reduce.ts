/** Reductions and the softmaxes. Sums accumulate in float64 and round once when stored. */
import type { F32 } from './types.js';

/** [rows, n] -> [n]: out[j] = sum over r of x[r, j]. Four rows per pass over the float64 accumulators. */
export function sumBatch(x: F32, out: F32, rows: number, n: number): void {
  const acc = new Float64Array(n);
  const r4 = rows - (rows % 4);
  let i = 0;
  for (let r = 0; r < r4; r += 4, i += 4 * n)
    for (let j = 0, i1 = i + n, i2 = i + 2 * n, i3 = i + 3 * n; j < n; j++)
      acc[j] += x[i + j] + x[i1 + j] + (x[i2 + j] + x[i3 + j]);
  for (let r = r4; r < rows; r++, i += n) for (let j = 0; j < n; j++) acc[j] += x[i + j];
  out.set(acc);
}

/** [rows, n] -> [rows]: out[r] = sum over j of x[r, j]. */
export function sumLast(x: F32, out: F32, rows: number, n: number): void {
  for (let r = 0, i = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < n; j++, i++) s += x[i];
    out[r] = s;
  }
}

export function sumAll(x: F32): number {
  let s = 0;
  for (let i = 0, n = x.length; i < n; i++) s += x[i];
  return s;
}

/** Row-wise softmax of [rows, n], shifted by each row's max. */
export function softmax(x: F32, out: F32, rows: number, n: number): void {
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    let mx = -Infinity;
    for (let j = 0; j < n; j++) if (x[o + j] > mx) mx = x[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(x[o + j] - mx);
      out[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < n; j++) out[o + j] *= inv;
  }
}

/** Row-wise log-softmax of [rows, n]: x - max - log(sum(exp(x - max))). */
export function logSoftmax(x: F32, out: F32, rows: number, n: number): void {
  for (let r = 0, o = 0; r < rows; r++, o += n) {
    let mx = -Infinity;
    for (let j = 0; j < n; j++) if (x[o + j] > mx) mx = x[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(x[o + j] - mx);
    const lse = mx + Math.log(s);
    for (let j = 0; j < n; j++) out[o + j] = x[o + j] - lse;
  }
}
