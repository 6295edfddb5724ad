/**
 * out[M, N] = op(a) @ op(b) (+ bias[N]), float32 in and out, float64 accumulation.
 *
 * All four transpose combinations run through one register-blocked micro-kernel that reads
 * its operands through strides:
 *   op(a)[i, p] = a[i * ars + p * aks]     op(b)[p, j] = b[p * bks + j * bjs]
 * A 4x4 block of `out` is held in 16 locals while p runs over K; each step loads 4 values of
 * op(a) and 4 of op(b) for 16 multiply-adds. Every combination keeps those loads cache-friendly:
 *   a @ b      a rows are contiguous in p; b's 4 values are adjacent in row p.
 *   a @ b^T    both operands are rows contiguous in p (blocked dot products).
 *   a^T @ b    a's 4 values are adjacent in row p of a; b as above.
 *   a^T @ b^T  a as in a^T @ b; b as in a @ b^T.
 * In development measurements the strided kernel was as fast as specialised copies per
 * combination and as packing b into panels, so there is one kernel, not four.
 * Edges: the last M % 4 rows use a 1x4 kernel, the last N % 4 columns a plain dot product.
 * The bias seeds the accumulators, so it costs nothing extra.
 */
import type { F32 } from './types.js';

export function matmul(
  a: F32,
  b: F32,
  bias: F32 | null,
  out: F32,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
): void {
  const ars = transposeA ? 1 : k;
  const aks = transposeA ? m : 1;
  const bks = transposeB ? 1 : n;
  const bjs = transposeB ? k : 1;
  const ars2 = 2 * ars;
  const ars3 = 3 * ars;
  const bjs2 = 2 * bjs;
  const bjs3 = 3 * bjs;
  const m4 = m - (m % 4);
  const n4 = n - (n % 4);
  // The 4x4 kernel is written inline: measured faster than calling it as a function.
  for (let i = 0; i < m4; i += 4)
    for (let j = 0; j < n4; j += 4) {
      const z0 = bias === null ? 0 : bias[j];
      const z1 = bias === null ? 0 : bias[j + 1];
      const z2 = bias === null ? 0 : bias[j + 2];
      const z3 = bias === null ? 0 : bias[j + 3];
      let c00 = z0, c01 = z1, c02 = z2, c03 = z3; // prettier-ignore
      let c10 = z0, c11 = z1, c12 = z2, c13 = z3; // prettier-ignore
      let c20 = z0, c21 = z1, c22 = z2, c23 = z3; // prettier-ignore
      let c30 = z0, c31 = z1, c32 = z2, c33 = z3; // prettier-ignore
      let ap = i * ars;
      let bp = j * bjs;
      for (let p = 0; p < k; p++, ap += aks, bp += bks) {
        const b0 = b[bp];
        const b1 = b[bp + bjs];
        const b2 = b[bp + bjs2];
        const b3 = b[bp + bjs3];
        let x = a[ap];
        c00 += x * b0; c01 += x * b1; c02 += x * b2; c03 += x * b3; // prettier-ignore
        x = a[ap + ars];
        c10 += x * b0; c11 += x * b1; c12 += x * b2; c13 += x * b3; // prettier-ignore
        x = a[ap + ars2];
        c20 += x * b0; c21 += x * b1; c22 += x * b2; c23 += x * b3; // prettier-ignore
        x = a[ap + ars3];
        c30 += x * b0; c31 += x * b1; c32 += x * b2; c33 += x * b3; // prettier-ignore
      }
      let o = i * n + j;
      out[o] = c00; out[o + 1] = c01; out[o + 2] = c02; out[o + 3] = c03; // prettier-ignore
      o += n;
      out[o] = c10; out[o + 1] = c11; out[o + 2] = c12; out[o + 3] = c13; // prettier-ignore
      o += n;
      out[o] = c20; out[o + 1] = c21; out[o + 2] = c22; out[o + 3] = c23; // prettier-ignore
      o += n;
      out[o] = c30; out[o + 1] = c31; out[o + 2] = c32; out[o + 3] = c33; // prettier-ignore
    }
  for (let i = m4; i < m; i++) for (let j = 0; j < n4; j += 4) block1x4(a, b, bias, out, i, j, n, k, ars, aks, bks, bjs);
  if (n4 < n) for (let i = 0; i < m; i++) for (let j = n4; j < n; j++) dot(a, b, bias, out, i, j, n, k, ars, aks, bks, bjs);
}

/** One row of op(a) against 4 columns of op(b): the last M % 4 rows. */
function block1x4(
  a: F32,
  b: F32,
  bias: F32 | null,
  out: F32,
  i: number,
  j: number,
  n: number,
  k: number,
  ars: number,
  aks: number,
  bks: number,
  bjs: number,
): void {
  const bjs2 = 2 * bjs;
  const bjs3 = 3 * bjs;
  let c0 = bias === null ? 0 : bias[j];
  let c1 = bias === null ? 0 : bias[j + 1];
  let c2 = bias === null ? 0 : bias[j + 2];
  let c3 = bias === null ? 0 : bias[j + 3];
  let ap = i * ars;
  let bp = j * bjs;
  for (let p = 0; p < k; p++, ap += aks, bp += bks) {
    const x = a[ap];
    c0 += x * b[bp];
    c1 += x * b[bp + bjs];
    c2 += x * b[bp + bjs2];
    c3 += x * b[bp + bjs3];
  }
  const o = i * n + j;
  out[o] = c0;
  out[o + 1] = c1;
  out[o + 2] = c2;
  out[o + 3] = c3;
}

/** One entry: the last N % 4 columns. */
function dot(
  a: F32,
  b: F32,
  bias: F32 | null,
  out: F32,
  i: number,
  j: number,
  n: number,
  k: number,
  ars: number,
  aks: number,
  bks: number,
  bjs: number,
): void {
  let c = bias === null ? 0 : bias[j];
  let ap = i * ars;
  let bp = j * bjs;
  for (let p = 0; p < k; p++, ap += aks, bp += bks) c += a[ap] * b[bp];
  out[i * n + j] = c;
}
