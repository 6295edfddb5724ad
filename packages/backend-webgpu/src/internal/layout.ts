/**
 * Ops that move elements: time slices and stacks of [B, T, D] sequences, column slices and
 * concatenations, one-hot, and the embedding gather / scatter-add. stackTime and concatCols
 * share one shader that places a [M, w] block at a column offset of a [M, W] matrix (a sequence
 * [B, T, D] is the matrix [B, T*D]).
 */
import { sizeOf, type Kernel, type TensorInfo } from '@recurrent/core';
import type { Runtime } from './runtime.js';
import { perElement } from './wgsl.js';

// out[m, c + j] = src[m, j] for the [M, w] source; p.u0 = M*w, p.u1 = w, p.u2 = W, p.u3 = c.
const PLACE = perElement(['src'], ['dst'], 'let m = i / p.u1;\n  dst[m * p.u2 + p.u3 + i % p.u1] = src[i];');
// out[m, j] = x[m, s + j] for out [M, w] of x [M, W]; p.u0 = M*w, p.u1 = w, p.u2 = W, p.u3 = s.
const TAKE = perElement(['xs'], ['res'], 'let m = i / p.u1;\n  res[i] = xs[m * p.u2 + p.u3 + i % p.u1];');
const ONE_HOT = perElement(['labels'], ['res'], 'let k = i % p.u1;\n  res[i] = select(0.0, 1.0, i32(round(labels[i / p.u1])) == i32(k));');
const GATHER = perElement(['table', 'idx'], ['res'], 'let n = i / p.u1;\n  res[i] = table[u32(round(idx[n])) * p.u1 + i % p.u1];');
// out[r, e] = sum over n with idx[n] == r of values[n, e]; p.u1 = E, p.u2 = N.
const SCATTER_ADD = perElement(
  ['vals', 'idx'],
  ['res'],
  'let r = i32(i / p.u1);\n  let e = i % p.u1;\n  var s = 0.0;\n  for (var n = 0u; n < p.u2; n++) { if (i32(round(idx[n])) == r) { s += vals[n * p.u1 + e]; } }\n  res[i] = s;',
);

export function layoutKernels(rt: Runtime) {
  /** Places each [M, w_k] part side by side in a new [M, sum w_k] buffer. */
  const join = (parts: readonly TensorInfo[], rows: number, widths: number[], where: string) => {
    const total = widths.reduce((a, b) => a + b, 0);
    const o = rt.alloc(rows * total, where);
    let col = 0;
    parts.forEach((t, k) => {
      const n = rows * widths[k];
      if (n > 0) rt.run({ shader: PLACE, inputs: [t.dataId], outputs: [o], params: { u: [n, widths[k], total, col] }, groups: rt.groupsFor(n) });
      col += widths[k];
    });
    return o;
  };
  const take = (x: TensorInfo, rows: number, width: number, rowWidth: number, start: number, where: string) => {
    const o = rt.alloc(rows * width, where);
    const n = rows * width;
    if (n > 0) rt.run({ shader: TAKE, inputs: [x.dataId], outputs: [o], params: { u: [n, width, rowWidth, start] }, groups: rt.groupsFor(n) });
    return o;
  };
  return {
    sliceTime: (([x], { t }) => {
      const [b, steps, d] = x.shape;
      return take(x, b, d, steps * d, t * d, 'sliceTime');
    }) satisfies Kernel<'sliceTime'>,
    stackTime: ((xs, _attrs, shape) => {
      const [b, , d] = shape;
      return join(xs, b, xs.map(() => d), 'stackTime');
    }) satisfies Kernel<'stackTime'>,
    sliceCols: (([x], { start, size }) => take(x, x.shape[0], size, x.shape[1], start, 'sliceCols')) satisfies Kernel<'sliceCols'>,
    concatCols: ((xs, _attrs, shape) => join(xs, shape[0], xs.map((t) => t.shape[1]), 'concatCols')) satisfies Kernel<'concatCols'>,
    oneHot: (([labels], { depth }, shape) => {
      const o = rt.alloc(sizeOf(shape), 'oneHot');
      const n = sizeOf(shape);
      if (n > 0) rt.run({ shader: ONE_HOT, inputs: [labels.dataId], outputs: [o], params: { u: [n, depth] }, groups: rt.groupsFor(n) });
      return o;
    }) satisfies Kernel<'oneHot'>,
    gatherRows: (([table, idx], _attrs, shape) => {
      const o = rt.alloc(sizeOf(shape), 'gatherRows');
      const n = sizeOf(shape);
      if (n > 0) rt.run({ shader: GATHER, inputs: [table.dataId, idx.dataId], outputs: [o], params: { u: [n, table.shape[1]] }, groups: rt.groupsFor(n) });
      return o;
    }) satisfies Kernel<'gatherRows'>,
    scatterAddRows: (([values, idx], _attrs, shape) => {
      const o = rt.alloc(sizeOf(shape), 'scatterAddRows');
      const n = sizeOf(shape);
      if (n > 0)
        rt.run({ shader: SCATTER_ADD, inputs: [values.dataId, idx.dataId], outputs: [o], params: { u: [n, shape[1], values.shape[0]] }, groups: rt.groupsFor(n) });
      return o;
    }) satisfies Kernel<'scatterAddRows'>,
  };
}
