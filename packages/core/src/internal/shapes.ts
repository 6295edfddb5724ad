import type { OpAttrs, OpName, Shape } from '../backend.js';
import { fmtShape, ShapeError } from '../errors.js';

export const sizeOf = (shape: Shape): number => {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
};

export const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** The broadcast forms every backend implements: same, row bias [N], column [M,1], scalar. */
export type Broadcast = 'same' | 'row' | 'col' | 'scalar';

export function broadcastKind(where: string, a: Shape, b: Shape): Broadcast {
  if (sameShape(a, b)) return 'same';
  if (sizeOf(b) === 1) return 'scalar';
  const last = a[a.length - 1];
  if (b.length === 1 && b[0] === last) return 'row';
  if (a.length === 2 && b.length === 2 && b[0] === a[0] && b[1] === 1) return 'col';
  throw new ShapeError(
    where,
    b,
    `${fmtShape(a)} (same as the first operand), [${last}] (a bias), ` +
      (a.length === 2 ? `[${a[0]}, 1] (a column), ` : '') +
      `or a single element`,
    `The first operand is ${fmtShape(a)}.`,
  );
}

const need = (where: string, s: Shape, rank: number, what: string): void => {
  if (s.length !== rank) throw new ShapeError(where, s, what);
};

type Rule<K extends OpName> = (inputs: Shape[], attrs: OpAttrs<K>) => Shape;

const same = (i: Shape[]): Shape => i[0];
const binary =
  (op: string) =>
  ([a, b]: Shape[]): Shape => {
    broadcastKind(op, a, b);
    return a;
  };
const actGrad =
  (op: string) =>
  ([y, dy]: Shape[]): Shape => {
    if (!sameShape(y, dy)) throw new ShapeError(`${op} (dy)`, dy, fmtShape(y));
    return y;
  };

/** Output shape of every op; throws ShapeError naming the op for any input it cannot take. */
export const shapeRules: { [K in OpName]: Rule<K> } = {
  neg: same,
  exp: same,
  log: same,
  sqrt: same,
  abs: same,
  sign: same,
  square: same,
  tanh: same,
  sigmoid: same,
  relu: same,
  tanhGrad: actGrad('tanhGrad'),
  sigmoidGrad: actGrad('sigmoidGrad'),
  reluGrad: actGrad('reluGrad'),
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  div: binary('div'),
  maximum: binary('maximum'),
  affine: same,
  clip: same,
  where: ([c, a, b]) => {
    if (!sameShape(a, b)) throw new ShapeError('where (b)', b, fmtShape(a));
    broadcastKind('where (cond)', a, c);
    return a;
  },
  matmul: ([a, b, bias], { transposeA, transposeB }) => {
    need('matmul (a)', a, 2, '[M, K] (a matrix)');
    need('matmul (b)', b, 2, '[K, N] (a matrix)');
    const [m, ka] = transposeA ? [a[1], a[0]] : [a[0], a[1]];
    const [kb, n] = transposeB ? [b[1], b[0]] : [b[0], b[1]];
    if (ka !== kb)
      throw new ShapeError(
        'matmul (b)',
        b,
        transposeB ? `[${n}, ${ka}]` : `[${ka}, ${n}]`,
        `Inner dimensions differ: a is ${fmtShape(a)}${transposeA ? ' transposed' : ''}.`,
      );
    if (bias && !(bias.length === 1 && bias[0] === n)) throw new ShapeError('matmul (bias)', bias, `[${n}]`);
    return [m, n];
  },
  sumBatch: ([x]) => {
    if (x.length < 1) throw new ShapeError('sumBatch', x, 'rank >= 1');
    return x.length === 1 ? [] : x.slice(1);
  },
  sumLast: ([x]) => {
    if (x.length < 1) throw new ShapeError('sumLast', x, 'rank >= 1');
    return [...x.slice(0, -1), 1];
  },
  sumAll: () => [],
  softmax: ([x]) => {
    if (x.length < 1) throw new ShapeError('softmax', x, 'rank >= 1');
    return x;
  },
  logSoftmax: ([x]) => {
    if (x.length < 1) throw new ShapeError('logSoftmax', x, 'rank >= 1');
    return x;
  },
  sliceTime: ([x], { t }) => {
    need('sliceTime', x, 3, '[B, T, D]');
    if (!Number.isInteger(t) || t < 0 || t >= x[1]) throw new ShapeError('sliceTime', x, `a T dimension > ${t}`);
    return [x[0], x[2]];
  },
  stackTime: (xs) => {
    if (xs.length === 0) throw new ShapeError('stackTime', [], 'at least one [B, D] tensor');
    const f = xs[0];
    need('stackTime', f, 2, '[B, D]');
    for (const s of xs) if (!sameShape(s, f)) throw new ShapeError('stackTime', s, fmtShape(f));
    return [f[0], xs.length, f[1]];
  },
  sliceCols: ([x], { start, size }) => {
    need('sliceCols', x, 2, '[M, N]');
    if (!(Number.isInteger(start) && Number.isInteger(size) && start >= 0 && size > 0 && start + size <= x[1]))
      throw new ShapeError('sliceCols', x, `[M, >= ${start + size}] for columns ${start}..${start + size - 1}`);
    return [x[0], size];
  },
  concatCols: (xs) => {
    if (xs.length === 0) throw new ShapeError('concatCols', [], 'at least one [M, N] tensor');
    let n = 0;
    for (const s of xs) {
      need('concatCols', s, 2, '[M, N]');
      if (s[0] !== xs[0][0]) throw new ShapeError('concatCols', s, `[${xs[0][0]}, N]`);
      n += s[1];
    }
    return [xs[0][0], n];
  },
  fill: (_i, { shape }) => {
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new ShapeError('fill', shape, 'non-negative integer sizes');
    return shape;
  },
  gatherRows: ([table, idx]) => {
    need('gatherRows (table)', table, 2, '[V, E] (a matrix)');
    need('gatherRows (indices)', idx, 1, '[N] (a vector of row indices)');
    return [idx[0], table[1]];
  },
  scatterAddRows: ([values, idx], { rows }) => {
    need('scatterAddRows (values)', values, 2, '[N, E]');
    if (idx.length !== 1 || idx[0] !== values[0]) throw new ShapeError('scatterAddRows (indices)', idx, `[${values[0]}]`);
    if (!Number.isInteger(rows) || rows < 1) throw new ShapeError('scatterAddRows', [rows], 'rows >= 1');
    return [rows, values[1]];
  },
  oneHot: ([l], { depth }) => {
    if (!Number.isInteger(depth) || depth < 1) throw new ShapeError('oneHot', [depth], 'a depth >= 1');
    return [...l, depth];
  },
};
