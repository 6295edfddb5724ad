/**
 * Ops that move elements: time slices and stacks of [B, T, D] sequences, column slices and
 * concatenations, one-hot, and the embedding gather / scatter-add. stackTime and concatCols place
 * [M, w] blocks side by side in a [M, W] matrix (a sequence [B, T, D] is the matrix [B, T*D]):
 * runs of equal-width blocks several at a time (one dispatch for up to 8 time steps), others one
 * by one.
 */
import { sizeOf, type Kernel, type TensorInfo } from '@recurrent/core';
import type { Runtime } from './runtime.js';
import { perElement } from './wgsl.js';

// out[m, c + j] = src[m, j] for the [M, w] source; p.u0 = M*w, p.u1 = w, p.u2 = W, p.u3 = c.
const PLACE = perElement(['src'], ['dst'], 'let m = i / p.u1;\n  dst[m * p.u2 + p.u3 + i % p.u1] = src[i];');
/**
 * k equal-width [M, w] sources placed side by side at column c of the [M, W] destination: one
 * invocation per element of the [M, k*w] region. p.u0 = M*k*w, p.u1 = w, p.u2 = W, p.u3 = c.
 */
function placeMany(k: number): string {
  const names = Array.from({ length: k }, (_, q) => `s${q}`);
  const cases = names.map((n, q) => `case ${q}u: { v = ${n}[src]; }`).join('\n    ');
  return perElement(
    names,
    ['dst'],
    `let span = p.u1 * ${k}u;
  let m = i / span;
  let r = i % span;
  let src = m * p.u1 + r % p.u1;
  var v = 0.0;
  switch r / p.u1 {
    ${cases}
    default: {}
  }
  dst[m * p.u2 + p.u3 + r] = v;`,
  );
}

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

/** `maxInputs`: sources per placing dispatch at most (the device's storage bindings less the output). */
export function layoutKernels(rt: Runtime, maxInputs: number) {
  const many = new Map<number, string>();
  const manyShader = (k: number) => {
    let s = many.get(k);
    if (!s) many.set(k, (s = placeMany(k)));
    return s;
  };
  /** Places each [M, w_k] part side by side in a new [M, sum w_k] buffer. */
  const join = (parts: readonly TensorInfo[], rows: number, widths: number[], where: string) => {
    const total = widths.reduce((a, b) => a + b, 0);
    const o = rt.alloc(rows * total, where);
    let col = 0;
    for (let k = 0; k < parts.length; ) {
      const w = widths[k];
      let run = 1;
      while (run < maxInputs && k + run < parts.length && widths[k + run] === w) run++;
      const n = rows * w * run;
      if (n > 0)
        rt.run({
          shader: run === 1 ? PLACE : manyShader(run),
          inputs: parts.slice(k, k + run).map((t) => t.dataId),
          outputs: [o],
          params: { u: [n, w, total, col] },
          groups: rt.groupsFor(n),
        });
      col += w * run;
      k += run;
    }
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
