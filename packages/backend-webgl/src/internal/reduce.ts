/**
 * Reductions and softmax. Each output texel loops over the reduced axis (float32 sums in order);
 * sumAll is two levels (rows, then the column of row sums), softmax two passes (per-row max and
 * log-sum-exp, then the element-wise map).
 */
import type { Kernels } from '@recurrent/core';
import type { TensorInfo as TfInfo } from '@tensorflow/tfjs-core';
import { defineProgram } from './program.js';
import { mat } from './store.js';
import type { Gl } from './types.js';

/** [R, C] -> [R, 1]: row sums. The odd last column is added alone (its pair is padding). */
const SUM_LAST = defineProgram(
  ['X'],
  [{ name: 'uC', type: 'int' }],
  `vec4 value(int r, int c) {
    vec2 s = vec2(0.0);
    int full = uC / 2;
    for (int j = 0; j < full; j++) { vec4 t = tex_X(r, 2 * j); s += vec2(t.x + t.y, t.z + t.w); }
    if ((uC & 1) == 1) s += tex_X(r, uC - 1).xz;
    return vec4(s.x, 0.0, s.y, 0.0);
  }`,
);

/** [M*A, C] -> [A, C]: out[a, c] = sum over m of x[m*A + a, c]. */
const SUM_BATCH = defineProgram(
  ['X'],
  [
    { name: 'uM', type: 'int' },
    { name: 'uA', type: 'int' },
  ],
  `vec4 value(int r, int c) {
    vec4 s = vec4(0.0);
    if ((uA & 1) == 0) {
      for (int m = 0; m < uM; m++) s += tex_X(m * uA + r, c);
    } else {
      for (int m = 0; m < uM; m++) { int q = m * uA + r; s += vec4(row_X(q, c), row_X(q + 1, c)); }
    }
    return s;
  }`,
);

/**
 * [M, C] -> [ceil(M / uK), C]: sums of chunks of uK rows (uK even), the first level of a column
 * sum over many rows, so that many texels share the work instead of a few looping over all M.
 */
const SUM_CHUNKS = defineProgram(
  ['X'],
  [
    { name: 'uM', type: 'int' },
    { name: 'uK', type: 'int' },
  ],
  `vec2 chunk(int q, int c) {
    vec2 s = vec2(0.0);
    int end = min(uM, (q + 1) * uK);
    for (int m = q * uK; m < end; m += 2) { vec4 t = tex_X(m, c); s += t.xy + t.zw; }
    return s;
  }
  vec4 value(int r, int c) { return vec4(chunk(r, c), chunk(r + 1, c)); }`,
);

/** [R, C] -> [R, 2]: (row max, log of sum of exp(x - max)) per row. */
const ROW_STATS = defineProgram(
  ['X'],
  [{ name: 'uC', type: 'int' }],
  `vec4 value(int r, int c) {
    int full = uC / 2;
    bool odd = (uC & 1) == 1;
    vec2 mx = tex_X(r, 0).xz;
    for (int j = 0; j < full; j++) { vec4 t = tex_X(r, 2 * j); mx = max(mx, max(t.xz, t.yw)); }
    if (odd) mx = max(mx, tex_X(r, uC - 1).xz);
    vec2 s = vec2(0.0);
    for (int j = 0; j < full; j++) { vec4 t = tex_X(r, 2 * j); s += exp(t.xz - mx) + exp(t.yw - mx); }
    if (odd) s += exp(tex_X(r, uC - 1).xz - mx);
    return vec4(mx.x, log(s.x), mx.y, log(s.y));
  }`,
);

const softmaxApply = (expr: string) =>
  defineProgram(['X', 'S'], [], `vec4 value(int r, int c) { vec4 x = tex_X(r, c); vec4 s = tex_S(r, 0); vec4 m = s.xxzz; vec4 l = s.yyww; return ${expr}; }`);
const SOFTMAX = softmaxApply('exp(x - m - l)');
const LOG_SOFTMAX = softmaxApply('x - m - l');

export function reduceKernels(g: Gl): Pick<Kernels, 'sumBatch' | 'sumLast' | 'sumAll' | 'softmax' | 'logSoftmax'> {
  const sumLast = (x: TfInfo) => g.tmp(SUM_LAST, [x], [x.shape[0], 1], [x.shape[1]]);
  const softmax = <K extends 'softmax' | 'logSoftmax'>(op: K): Kernels[K] => (([x], _a, out) => {
    const xi = g.store.input(x, op);
    const stats = g.tmp(ROW_STATS, [xi], [xi.shape[0], 2], [xi.shape[1]]);
    const id = g.run(op === 'softmax' ? SOFTMAX : LOG_SOFTMAX, [xi, stats], mat(out));
    g.free(stats);
    return id;
  }) as Kernels[K];
  return {
    sumLast: ([x], _a, out) => {
      const xi = g.store.input(x, 'sumLast');
      return g.run(SUM_LAST, [xi], mat(out), [xi.shape[1]]);
    },
    sumBatch: ([x], _a, out) => {
      if (x.shape.length === 1) {
        // [M] -> []: the whole (single) row.
        return g.run(SUM_LAST, [g.store.input(x, 'sumBatch')], [1, 1], [x.shape[0]]);
      }
      const [a, cols] = mat(out);
      const xi = g.store.input(x, 'sumBatch');
      const m = x.shape[0];
      if (a === 1 && m > 64) {
        // A column sum over many rows (a bias gradient over B*T rows): chunks of ~sqrt(M) rows
        // first, then the chunk sums (zero padding rows make odd M safe).
        const k = 2 * Math.ceil(Math.sqrt(m) / 2);
        const partial = g.tmp(SUM_CHUNKS, [xi], [Math.ceil(m / k), cols], [m, k]);
        const id = g.run(SUM_BATCH, [partial], [1, cols], [partial.shape[0], 1]);
        g.free(partial);
        return id;
      }
      return g.run(SUM_BATCH, [xi], [a, cols], [m, a]);
    },
    sumAll: ([x]) => {
      const xi = g.store.input(x, 'sumAll');
      if (xi.shape[0] === 1) return g.run(SUM_LAST, [xi], [1, 1], [xi.shape[1]]);
      const rows = sumLast(xi);
      const id = g.run(SUM_BATCH, [rows], [1, 1], [xi.shape[0], 1]);
      g.free(rows);
      return id;
    },
    softmax: softmax('softmax'),
    logSoftmax: softmax('logSoftmax'),
  };
}
