/**
 * Reductions: sums over the batch axis (an invocation per column), over the last axis and the
 * row-wise softmax / log-softmax (an invocation per row), and the sum of everything (one
 * workgroup: strided partial sums, then a tree in workgroup memory).
 */
import { sizeOf, type Kernel } from '@recurrent/core';
import type { Runtime } from './runtime.js';
import { bindings, perElement, PRELUDE } from './wgsl.js';

const SUM_ALL = `${PRELUDE}
${bindings(['xs'], ['res'])}
var<workgroup> part: array<f32, 256>;
@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) l: vec3<u32>) {
  var s = 0.0;
  for (var i = l.x; i < p.u0; i += 256u) { s += xs[i]; }
  part[l.x] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w /= 2u) {
    if (l.x < w) { part[l.x] += part[l.x + w]; }
    workgroupBarrier();
  }
  if (l.x == 0u) { res[0] = part[0]; }
}`;

/** Row i of [rows, p.u1] with its max (for the softmaxes). */
const rowShader = (log: boolean) =>
  perElement(
    ['xs'],
    ['res'],
    `let n = p.u1;
  let base = i * n;
  var mx = xs[base];
  for (var j = 1u; j < n; j++) { mx = max(mx, xs[base + j]); }
  var s = 0.0;
  for (var j = 0u; j < n; j++) { s += exp(xs[base + j] - mx); }
  ${log ? 'let ls = log(s);\n  for (var j = 0u; j < n; j++) { res[base + j] = xs[base + j] - mx - ls; }' : 'for (var j = 0u; j < n; j++) { res[base + j] = exp(xs[base + j] - mx) / s; }'}`,
  );

export function reduceKernels(rt: Runtime) {
  const sumBatch = perElement(['xs'], ['res'], 'var s = 0.0;\n  for (var m = 0u; m < p.u1; m++) { s += xs[m * p.u0 + i]; }\n  res[i] = s;');
  const sumLast = perElement(['xs'], ['res'], 'var s = 0.0;\n  for (var j = 0u; j < p.u1; j++) { s += xs[i * p.u1 + j]; }\n  res[i] = s;');
  const softmax = rowShader(false);
  const logSoftmax = rowShader(true);
  const rows =
    (shader: string, where: 'softmax' | 'logSoftmax'): Kernel<'softmax' | 'logSoftmax'> =>
    ([x], _attrs, shape) => {
      const o = rt.alloc(sizeOf(shape), where);
      const n = x.shape[x.shape.length - 1];
      const r = n === 0 ? 0 : sizeOf(x.shape) / n;
      if (n > 0) rt.run({ shader, inputs: [x.dataId], outputs: [o], params: { u: [r, n] }, groups: rt.groupsFor(r) });
      return o;
    };
  return {
    sumBatch: (([x], _attrs, shape) => {
      const o = rt.alloc(sizeOf(shape), 'sumBatch');
      const cols = sizeOf(shape);
      rt.run({ shader: sumBatch, inputs: [x.dataId], outputs: [o], params: { u: [cols, x.shape[0]] }, groups: rt.groupsFor(cols) });
      return o;
    }) satisfies Kernel<'sumBatch'>,
    sumLast: (([x], _attrs, shape) => {
      const o = rt.alloc(sizeOf(shape), 'sumLast');
      const rowsN = sizeOf(shape);
      rt.run({ shader: sumLast, inputs: [x.dataId], outputs: [o], params: { u: [rowsN, x.shape[x.shape.length - 1]] }, groups: rt.groupsFor(rowsN) });
      return o;
    }) satisfies Kernel<'sumLast'>,
    sumAll: (([x]) => {
      const o = rt.alloc(1, 'sumAll');
      rt.run({ shader: SUM_ALL, inputs: [x.dataId], outputs: [o], params: { u: [sizeOf(x.shape)] }, groups: 1 });
      return o;
    }) satisfies Kernel<'sumAll'>,
    softmax: rows(softmax, 'softmax'),
    logSoftmax: rows(logSoftmax, 'logSoftmax'),
  };
}
