/**
 * Element-wise kernels, one pass each: unary ops, affine, clip, activation gradients, binary ops
 * in core's four broadcast forms, and where.
 */
import { type ActivationGradOp, type BinaryOp, broadcastKind, type Broadcast, type Kernels, type OpName, type UnaryOp } from '@recurrent/core';
import { mat } from './store.js';
import { defineProgram, type ProgramDef } from './program.js';
import type { Gl } from './types.js';


const UNARY: Record<UnaryOp, string> = {
  neg: '-x',
  exp: 'exp(x)',
  log: 'log(x)',
  sqrt: 'sqrt(x)',
  abs: 'abs(x)',
  sign: 'sign(x)',
  square: 'x * x',
  tanh: 'tanh_(x)',
  sigmoid: 'sigmoid_(x)',
  relu: 'max(x, vec4(0.0))',
};

const unaryDef = (expr: string, uniforms: { name: string; type: 'float' }[] = []): ProgramDef =>
  defineProgram(['X'], uniforms, `vec4 value(int r, int c) { vec4 x = tex_X(r, c); return ${expr}; }`);

const ACT_GRAD: Record<ActivationGradOp, string> = {
  tanhGrad: 'dy * (1.0 - y * y)',
  sigmoidGrad: 'dy * y * (1.0 - y)',
  reluGrad: 'mix(vec4(0.0), dy, greaterThan(y, vec4(0.0)))',
};

const BINARY: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  maximum: 'mix(b, a, greaterThan(a, b))',
};

/** GLSL that reads input N broadcast to the output block at (r, c), into `name`. */
const broadcastRead = (n: string, name: string, kind: Broadcast): string =>
  ({
    same: `vec4 ${name} = tex_${n}(r, c);`,
    row: `vec2 ${name}_ = row_${n}(0, c); vec4 ${name} = vec4(${name}_, ${name}_);`,
    col: `vec4 ${name}_ = tex_${n}(r, 0); vec4 ${name} = ${name}_.xxzz;`,
    scalar: `vec4 ${name} = vec4(tex_${n}(0, 0).x);`,
  })[kind];

/** The 2-D view of a broadcast operand: [rows, cols] for its form. */
const broadcastMat = (kind: Broadcast, aMat: [number, number]): [number, number] =>
  kind === 'same' ? aMat : kind === 'row' ? [1, aMat[1]] : kind === 'col' ? [aMat[0], 1] : [1, 1];

const cache = <K extends string>(make: (k: K) => ProgramDef) => {
  const m = new Map<K, ProgramDef>();
  return (k: K): ProgramDef => {
    let d = m.get(k);
    if (!d) m.set(k, (d = make(k)));
    return d;
  };
};

type ElementwiseKernels = Pick<Kernels, UnaryOp | ActivationGradOp | BinaryOp | 'affine' | 'clip' | 'where'>;

export function elementwiseKernels(g: Gl): ElementwiseKernels {
  const unary = cache((op: UnaryOp) => unaryDef(UNARY[op]));
  const actGrad = cache((op: ActivationGradOp) =>
    defineProgram(['Y', 'DY'], [], `vec4 value(int r, int c) { vec4 y = tex_Y(r, c); vec4 dy = tex_DY(r, c); return ${ACT_GRAD[op]}; }`),
  );
  const binary = cache((key: `${BinaryOp}:${Broadcast}`) => {
    const [op, kind] = key.split(':') as [BinaryOp, Broadcast];
    return defineProgram(['A', 'B'], [], `vec4 value(int r, int c) { vec4 a = tex_A(r, c); ${broadcastRead('B', 'b', kind)} return ${BINARY[op]}; }`);
  });
  const where = cache((kind: Broadcast) =>
    defineProgram(
      ['K', 'A', 'B'],
      [],
      `vec4 value(int r, int c) { ${broadcastRead('K', 'k', kind)} return mix(tex_B(r, c), tex_A(r, c), greaterThan(k, vec4(0.5))); }`,
    ),
  );
  const affine = unaryDef('x * uScale + uShift', [
    { name: 'uScale', type: 'float' },
    { name: 'uShift', type: 'float' },
  ]);
  const clip = unaryDef('clamp(x, uMin, uMax)', [
    { name: 'uMin', type: 'float' },
    { name: 'uMax', type: 'float' },
  ]);

  const un = (op: UnaryOp) => ([x]: Parameters<Kernels['neg']>[0], _a: unknown, out: readonly number[]) =>
    g.run(unary(op), [g.store.input(x, op)], mat(out));
  const ag = (op: ActivationGradOp) => ([y, dy]: Parameters<Kernels['tanhGrad']>[0], _a: unknown, out: readonly number[]) =>
    g.run(actGrad(op), [g.store.input(y, op), g.store.input(dy, op)], mat(out));
  const bin = (op: BinaryOp) => ([a, b]: Parameters<Kernels['add']>[0], _a: unknown, out: readonly number[]) => {
    const kind = broadcastKind(op, a.shape, b.shape);
    const am = mat(a.shape);
    const bi = { ...g.store.input(b, op), shape: broadcastMat(kind, am) };
    return g.run(binary(`${op}:${kind}`), [g.store.input(a, op), bi], mat(out));
  };

  return {
    neg: un('neg'),
    exp: un('exp'),
    log: un('log'),
    sqrt: un('sqrt'),
    abs: un('abs'),
    sign: un('sign'),
    square: un('square'),
    tanh: un('tanh'),
    sigmoid: un('sigmoid'),
    relu: un('relu'),
    tanhGrad: ag('tanhGrad'),
    sigmoidGrad: ag('sigmoidGrad'),
    reluGrad: ag('reluGrad'),
    add: bin('add'),
    sub: bin('sub'),
    mul: bin('mul'),
    div: bin('div'),
    maximum: bin('maximum'),
    affine: ([x], { scale, shift }, out) => g.run(affine, [g.store.input(x, 'affine')], mat(out), [scale, shift]),
    clip: ([x], { min, max }, out) => g.run(clip, [g.store.input(x, 'clip')], mat(out), [min, max]),
    where: ([cond, a, b], _attrs, out) => {
      const kind = broadcastKind('where (cond)', a.shape, cond.shape);
      const ci = { ...g.store.input(cond, 'where'), shape: broadcastMat(kind, mat(a.shape)) };
      return g.run(where(kind), [ci, g.store.input(a, 'where'), g.store.input(b, 'where')], mat(out));
    },
  };
}
