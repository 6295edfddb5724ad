import { ShapeError } from '../errors.js';

/**
 * Reduced QR of a row-major [m, n] matrix (m >= n) by Householder reflections, in float64.
 * Returns Q [m, n] with orthonormal columns and R's diagonal.
 */
export function householderQr(a: ArrayLike<number>, m: number, n: number): { q: Float64Array; rDiag: Float64Array } {
  if (m < n) throw new ShapeError('householderQr', [m, n], '[m, n] with m >= n');
  const r = Float64Array.from(a);
  const rDiag = new Float64Array(n);
  const vs: (Float64Array | null)[] = [];
  const reflect = (v: Float64Array, mat: Float64Array, k: number, cols: number, colStart: number): void => {
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
    for (let j = colStart; j < cols; j++) {
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i] * mat[(k + i) * cols + j];
      const f = (2 * dot) / vv;
      for (let i = 0; i < v.length; i++) mat[(k + i) * cols + j] -= f * v[i];
    }
  };
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) {
      vs.push(null);
      continue;
    }
    const alpha = r[k * n + k] > 0 ? -norm : norm;
    const v = new Float64Array(m - k);
    for (let i = k; i < m; i++) v[i - k] = r[i * n + k];
    v[0] -= alpha;
    reflect(v, r, k, n, k);
    rDiag[k] = r[k * n + k];
    vs.push(v);
  }
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    if (v) reflect(v, q, k, n, 0);
  }
  return { q, rDiag };
}
