/**
 * The primitive kernel table: each entry fetches its input arrays from the store, allocates
 * the output, runs one loop from the files next to this one, and stores the result.
 * Shapes were validated by the engine; kernels trust them.
 */
import { sizeOf, type DataId, type Kernels, type TensorInfo } from '@recurrent/core';
import * as act from './activation-grad.js';
import * as bin from './binary.js';
import { copyRows, gatherRows, oneHot, scatterAddRows } from './layout.js';
import { matmul } from './matmul.js';
import * as red from './reduce.js';
import type { BufferStore } from './store.js';
import type { F32 } from './types.js';
import * as un from './unary.js';

export function createKernels(store: BufferStore): Kernels {
  const get = (t: TensorInfo): F32 => store.get(t.dataId);

  const unary =
    (loop: un.UnaryLoop) =>
    ([x]: readonly TensorInfo[]): DataId => {
      const xv = get(x);
      const out = new Float32Array(xv.length);
      loop(xv, out);
      return store.put(out);
    };
  const actGrad =
    (loop: act.ActGradLoop) =>
    ([y, dy]: readonly TensorInfo[]): DataId => {
      const yv = get(y);
      const out = new Float32Array(yv.length);
      loop(yv, get(dy), out);
      return store.put(out);
    };
  const binary =
    (name: string, loop: bin.BinaryLoop) =>
    ([a, b]: readonly TensorInfo[]): DataId => {
      const av = get(a);
      const out = new Float32Array(av.length);
      const { rows, n, perRow } = bin.planBroadcast(name, a.shape, b.shape, av.length);
      loop(av, get(b), out, rows, n, perRow);
      return store.put(out);
    };
  /** Rows of the last axis: [..., n] as [rows, n]. */
  const lastAxis =
    (loop: (x: F32, out: F32, rows: number, n: number) => void) =>
    ([x]: readonly TensorInfo[]): DataId => {
      const xv = get(x);
      const n = x.shape[x.shape.length - 1];
      const out = new Float32Array(xv.length);
      loop(xv, out, n === 0 ? 0 : xv.length / n, n);
      return store.put(out);
    };

  return {
    neg: unary(un.neg),
    exp: unary(un.exp),
    log: unary(un.log),
    sqrt: unary(un.sqrt),
    abs: unary(un.abs),
    sign: unary(un.sign),
    square: unary(un.square),
    tanh: unary(un.tanh),
    sigmoid: unary(un.sigmoidLoop),
    relu: unary(un.relu),
    tanhGrad: actGrad(act.tanhGrad),
    sigmoidGrad: actGrad(act.sigmoidGrad),
    reluGrad: actGrad(act.reluGrad),
    add: binary('add', bin.add),
    sub: binary('sub', bin.sub),
    mul: binary('mul', bin.mul),
    div: binary('div', bin.div),
    maximum: binary('maximum', bin.maximum),
    affine: ([x], { scale, shift }) => {
      const xv = get(x);
      const out = new Float32Array(xv.length);
      un.affine(xv, out, scale, shift);
      return store.put(out);
    },
    clip: ([x], { min, max }) => {
      const xv = get(x);
      const out = new Float32Array(xv.length);
      un.clip(xv, out, min, max);
      return store.put(out);
    },
    where: ([c, a, b]) => {
      const av = get(a);
      const out = new Float32Array(av.length);
      bin.where(get(c), av, get(b), out, bin.planBroadcast('where', a.shape, c.shape, av.length));
      return store.put(out);
    },
    matmul: ([a, b, bias], { transposeA, transposeB }, [m, n]) => {
      const k = transposeA ? a.shape[0] : a.shape[1];
      const out = new Float32Array(m * n);
      matmul(get(a), get(b), bias ? get(bias) : null, out, m, n, k, transposeA, transposeB);
      return store.put(out);
    },
    sumBatch: ([x], _attrs, outShape) => {
      const n = sizeOf(outShape);
      const out = new Float32Array(n);
      red.sumBatch(get(x), out, x.shape[0], n);
      return store.put(out);
    },
    sumLast: ([x], _attrs, outShape) => {
      const rows = sizeOf(outShape);
      const out = new Float32Array(rows);
      red.sumLast(get(x), out, rows, x.shape[x.shape.length - 1]);
      return store.put(out);
    },
    sumAll: ([x]) => store.put(Float32Array.of(red.sumAll(get(x)))),
    softmax: lastAxis(red.softmax),
    logSoftmax: lastAxis(red.logSoftmax),
    sliceTime: ([x], { t }) => {
      const [b, tt, d] = x.shape;
      const out = new Float32Array(b * d);
      copyRows(get(x), t * d, tt * d, out, 0, d, b, d);
      return store.put(out);
    },
    stackTime: (xs, _attrs, [b, tt, d]) => {
      const out = new Float32Array(b * tt * d);
      for (let t = 0; t < tt; t++) copyRows(get(xs[t]), 0, d, out, t * d, tt * d, b, d);
      return store.put(out);
    },
    sliceCols: ([x], { start, size }) => {
      const [m, n] = x.shape;
      const out = new Float32Array(m * size);
      copyRows(get(x), start, n, out, 0, size, m, size);
      return store.put(out);
    },
    concatCols: (xs, _attrs, [m, n]) => {
      const out = new Float32Array(m * n);
      let off = 0;
      for (const x of xs) {
        const w = x.shape[1];
        copyRows(get(x), 0, w, out, off, n, m, w);
        off += w;
      }
      return store.put(out);
    },
    fill: (_inputs, { value }, shape) => store.put(new Float32Array(sizeOf(shape)).fill(value)),
    oneHot: ([labels], { depth }) => {
      const lv = get(labels);
      const out = new Float32Array(lv.length * depth);
      oneHot(lv, out, depth);
      return store.put(out);
    },
    gatherRows: ([table, indices], _attrs, [n, e]) => {
      const out = new Float32Array(n * e);
      gatherRows(get(table), table.shape[0], e, get(indices), out);
      return store.put(out);
    },
    scatterAddRows: ([values, indices], { rows }, [, e]) => {
      const out = new Float32Array(rows * e);
      scatterAddRows(get(values), e, get(indices), rows, out);
      return store.put(out);
    },
  };
}
