/**
 * Element-wise ops, one shader each: unary ops, activation gradients, binary ops with core's
 * narrow broadcasting of the second operand (same shape, row bias, [M, 1] column, one element),
 * affine, clip, where, fill.
 */
import { broadcastKind, sizeOf, type Broadcast, type Kernel, type Shape, type UnaryOp, type ActivationGradOp, type BinaryOp } from '@recurrent/core';
import type { Runtime } from './runtime.js';
import { perElement } from './wgsl.js';

/** The WGSL of each unary op, of `x`. */
export const UNARY: Record<UnaryOp, string> = {
  neg: '-x',
  exp: 'exp(x)',
  log: 'log(x)',
  sqrt: 'sqrt(x)',
  abs: 'abs(x)',
  sign: 'sign(x)',
  square: 'x * x',
  tanh: 'tanh_(x)',
  sigmoid: 'sigm(x)',
  relu: 'max(x, 0.0)',
};

/** Of `y` (the activation's output) and `dy`. */
export const ACT_GRAD: Record<ActivationGradOp, string> = {
  tanhGrad: 'dy * (1.0 - y * y)',
  sigmoidGrad: 'dy * y * (1.0 - y)',
  reluGrad: 'select(0.0, dy, y > 0.0)',
};

/** Of `a` and `b`. */
export const BINARY: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  maximum: 'max(a, b)',
};

/**
 * The index of the broadcast operand for element i, per broadcast form (one pipeline each, so no
 * shader branches on the form); p.u1 is the row width.
 */
const BROADCAST: Record<Broadcast, string> = {
  same: 'i',
  row: 'i % p.u1',
  col: 'i / p.u1',
  scalar: '0u',
};

/** The broadcast form of `b` against `a` and the parameters [n, width] (the engine has checked the shapes). */
export function broadcastOf(a: Shape, b: Shape): { kind: Broadcast; u: number[] } {
  return { kind: broadcastKind('webgpu', a, b), u: [sizeOf(a), a[a.length - 1] ?? 1] };
}

/** A kernel for every op of an expression table (the tables above name each op once). */
const kernelsOf = <O extends string, K>(table: Record<O, string>, make: (op: O) => K): Record<O, K> =>
  Object.fromEntries((Object.keys(table) as O[]).map((op) => [op, make(op)])) as Record<O, K>;

export function elementwiseKernels(rt: Runtime) {
  const shaders = new Map<string, string>();
  const shader = (key: string, make: () => string) => {
    let s = shaders.get(key);
    if (!s) shaders.set(key, (s = make()));
    return s;
  };
  const out = (shape: Shape, where: string) => rt.alloc(sizeOf(shape), where);

  const unary =
    (op: UnaryOp): Kernel<UnaryOp> =>
    ([x], _attrs, shape) => {
      const y = out(shape, op);
      const n = sizeOf(shape);
      rt.run({ shader: shader(op, () => perElement(['xs'], ['ys'], `let x = xs[i]; ys[i] = ${UNARY[op]};`)), inputs: [x.dataId], outputs: [y], params: { u: [n] }, groups: rt.groupsFor(n) });
      return y;
    };
  const actGrad =
    (op: ActivationGradOp): Kernel<ActivationGradOp> =>
    ([y, dy], _attrs, shape) => {
      const o = out(shape, op);
      const n = sizeOf(shape);
      rt.run({
        shader: shader(op, () => perElement(['ys', 'dys'], ['res'], `let y = ys[i]; let dy = dys[i]; res[i] = ${ACT_GRAD[op]};`)),
        inputs: [y.dataId, dy.dataId],
        outputs: [o],
        params: { u: [n] },
        groups: rt.groupsFor(n),
      });
      return o;
    };
  const binary =
    (op: BinaryOp): Kernel<BinaryOp> =>
    ([a, b], _attrs, shape) => {
      const o = out(shape, op);
      const { kind, u } = broadcastOf(a.shape, b.shape);
      rt.run({
        shader: shader(`${op} ${kind}`, () => perElement(['av', 'bv'], ['res'], `let a = av[i]; let b = bv[${BROADCAST[kind]}]; res[i] = ${BINARY[op]};`)),
        inputs: [a.dataId, b.dataId],
        outputs: [o],
        params: { u },
        groups: rt.groupsFor(u[0]),
      });
      return o;
    };

  return {
    ...kernelsOf(UNARY, unary),
    ...kernelsOf(ACT_GRAD, actGrad),
    ...kernelsOf(BINARY, binary),
    affine: (([x], { scale, shift }, shape) => {
      const o = out(shape, 'affine');
      const n = sizeOf(shape);
      rt.run({ shader: shader('affine', () => perElement(['xs'], ['res'], 'res[i] = xs[i] * p.f0 + p.f1;')), inputs: [x.dataId], outputs: [o], params: { u: [n], f: [scale, shift] }, groups: rt.groupsFor(n) });
      return o;
    }) satisfies Kernel<'affine'>,
    clip: (([x], { min, max }, shape) => {
      const o = out(shape, 'clip');
      const n = sizeOf(shape);
      rt.run({ shader: shader('clip', () => perElement(['xs'], ['res'], 'res[i] = min(max(xs[i], p.f0), p.f1);')), inputs: [x.dataId], outputs: [o], params: { u: [n], f: [min, max] }, groups: rt.groupsFor(n) });
      return o;
    }) satisfies Kernel<'clip'>,
    where: (([cond, a, b], _attrs, shape) => {
      const o = out(shape, 'where');
      const { kind, u } = broadcastOf(a.shape, cond.shape);
      rt.run({
        shader: shader(`where ${kind}`, () => perElement(['cv', 'av', 'bv'], ['res'], `res[i] = select(bv[i], av[i], cv[${BROADCAST[kind]}] > 0.5);`)),
        inputs: [cond.dataId, a.dataId, b.dataId],
        outputs: [o],
        params: { u },
        groups: rt.groupsFor(u[0]),
      });
      return o;
    }) satisfies Kernel<'where'>,
    fill: ((_inputs, { value }, shape) => {
      const o = out(shape, 'fill');
      const n = sizeOf(shape);
      rt.run({ shader: shader('fill', () => perElement([], ['res'], 'res[i] = p.f0;')), inputs: [], outputs: [o], params: { u: [n], f: [value] }, groups: rt.groupsFor(n) });
      return o;
    }) satisfies Kernel<'fill'>,
  };
}
