/**
 * Elementwise kernel sources over flat buffers: output [n], `this.thread.x` is the flat
 * (row-major) index. One template per kind of op, the op itself an expression spliced in,
 * so the kernels differ only where the ops differ.
 */
import type { Broadcast } from '@recurrent/core';

// core's backend.ts declares these unions but its index does not export them.
export type UnaryOp = 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sign' | 'square' | 'tanh' | 'sigmoid' | 'relu';
export type ActivationGradOp = 'tanhGrad' | 'sigmoidGrad' | 'reluGrad';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum';

/** The expression of each unary op in terms of `v`. */
const UNARY: Record<UnaryOp, string> = {
  neg: '-v',
  exp: 'Math.exp(v)',
  log: 'Math.log(v)',
  sqrt: 'Math.sqrt(v)',
  abs: 'Math.abs(v)',
  sign: 'Math.sign(v)',
  square: 'v * v',
  tanh: 'tanh_(v)',
  sigmoid: 'sigmoid_(v)',
  relu: 'Math.max(v, 0)',
};

export const unarySource = (op: UnaryOp): string => `function (x) {
  var v = x[this.thread.x];
  return ${UNARY[op]};
}`;

/** dy * f'(x) written with y = f(x). */
const ACT_GRAD: Record<ActivationGradOp, string> = {
  tanhGrad: 'd * (1 - y * y)',
  sigmoidGrad: 'd * y * (1 - y)',
  reluGrad: 'y > 0 ? d : 0',
};

export const activationGradSource = (op: ActivationGradOp): string => `function (yv, dy) {
  var y = yv[this.thread.x];
  var d = dy[this.thread.x];
  return ${ACT_GRAD[op]};
}`;

const BINARY: Record<BinaryOp, string> = {
  add: 'u + w',
  sub: 'u - w',
  mul: 'u * w',
  div: 'u / w',
  maximum: 'Math.max(u, w)',
};

/**
 * Where the second operand of a binary op (or where's condition) is read for flat index i of
 * the first, in each broadcast form of core's shape rules; `this.constants.n` is the first
 * operand's last dimension.
 */
const BROADCAST_INDEX: Record<Broadcast, string> = {
  same: 'i',
  scalar: '0',
  row: 'i - rowOf(i, this.constants.n) * this.constants.n',
  col: 'rowOf(i, this.constants.n)',
};

export const binarySource = (op: BinaryOp, form: Broadcast): string => `function (a, b) {
  var i = this.thread.x;
  var u = a[i];
  var w = b[${BROADCAST_INDEX[form]}];
  return ${BINARY[op]};
}`;

export const whereSource = (form: Broadcast): string => `function (cond, a, b) {
  var i = this.thread.x;
  if (cond[${BROADCAST_INDEX[form]}] > 0.5) { return a[i]; }
  return b[i];
}`;

/** x * scale + shift; scale and shift are arguments, so one kernel serves every value. */
export const AFFINE = `function (x, scale, shift) {
  return x[this.thread.x] * scale + shift;
}`;

/** min(max(x, lo), hi) in the reference's order: below lo gives lo even when lo > hi. */
export const CLIP = `function (x, lo, hi) {
  var v = x[this.thread.x];
  if (v < lo) { return lo; }
  if (v > hi) { return hi; }
  return v;
}`;

export const FILL = `function (value) {
  return value;
}`;

/** The identity: uploads an array into the device's storage (a texture in WebGL modes). */
export const COPY = `function (x) {
  return x[this.thread.x];
}`;
