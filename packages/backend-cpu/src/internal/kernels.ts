/**
 * The primitive kernel table: each entry allocates its output in the store, then takes views
 * of its inputs and runs one loop from the files next to this one (the matmul runs in
 * WebAssembly when the backend has the SIMD kernels).
 * Shapes were validated by the engine; kernels trust them.
 */
import { sizeOf, type DataId, type Kernels, type TensorInfo } from '@recurrent/core';
import * as act from './activation-grad.js';
import * as bin from './binary.js';
import { copyRows, gatherRows, oneHot, scatterAddRows } from './layout.js';
import { matmul } from './matmul.js';
import * as red from './reduce.js';
import type { Store } from './store.js';
import type { WasmKernels } from './wasm/kernels.js';
import type { F32 } from './types.js';
import * as un from './unary.js';

export function createKernels(store: Store, wasm: WasmKernels | null): Kernels {
  const get = (t: TensorInfo): F32 => store.get(t.dataId);
  // Each kernel allocates its output first and takes views after (see store.ts). No closure
  // is created per call: kernels run thousands of times per training step.
  const unary =
    (loop: un.UnaryLoop) =>
    ([x]: readonly TensorInfo[]): DataId => {
      const id = store.alloc(sizeOf(x.shape));
      loop(get(x), store.get(id));
      return id;
    };
  const actGrad =
    (loop: act.ActGradLoop) =>
    ([y, dy]: readonly TensorInfo[]): DataId => {
      const id = store.alloc(sizeOf(y.shape));
      loop(get(y), get(dy), store.get(id));
      return id;
    };
  const binary =
    (name: string, loop: bin.BinaryLoop) =>
    ([a, b]: readonly TensorInfo[]): DataId => {
      const size = sizeOf(a.shape);
      const { rows, n, perRow } = bin.planBroadcast(name, a.shape, b.shape, size);
      const id = store.alloc(size);
      loop(get(a), get(b), store.get(id), rows, n, perRow);
      return id;
    };
  /** A row-wise op over the last axis: `simd` (WebAssembly, by buffer ids) for rows of at least 4 floats, else `loop`. */
  const lastAxis =
    (loop: (x: F32, out: F32, rows: number, n: number) => void, simd: ((x: DataId, out: DataId, rows: number, n: number) => void) | null) =>
    ([x]: readonly TensorInfo[]): DataId => {
      const size = sizeOf(x.shape);
      const n = x.shape[x.shape.length - 1];
      const id = store.alloc(size);
      const rows = n === 0 ? 0 : size / n;
      if (simd && n >= 4 && rows > 0) simd(x.dataId, id, rows, n);
      else loop(get(x), store.get(id), rows, n);
      return id;
    };

  /** Strided row copy between two buffers (layout.ts copyRows), by memory.copy in WebAssembly. */
  const copy = (src: DataId, so: number, ss: number, dst: DataId, dOff: number, ds: number, rows: number, width: number) => {
    if (rows === 0 || width === 0) return;
    if (wasm) wasm.copyRows(src, so, ss, dst, dOff, ds, rows, width);
    else copyRows(store.get(src), so, ss, store.get(dst), dOff, ds, rows, width);
  };

  /** The WebAssembly version of an elementwise op for 4 or more elements, else `js`. */
  const wasmOr =
    (op: 'tanh' | 'sigmoid', js: (xs: readonly TensorInfo[]) => DataId) =>
    (xs: readonly TensorInfo[]): DataId => {
      const n = sizeOf(xs[0].shape);
      if (!wasm || n < 4) return js(xs);
      const id = store.alloc(n);
      wasm[op](xs[0].dataId, id, n);
      return id;
    };

  return {
    neg: unary(un.neg),
    exp: unary(un.exp),
    log: unary(un.log),
    sqrt: unary(un.sqrt),
    abs: unary(un.abs),
    sign: unary(un.sign),
    square: unary(un.square),
    tanh: wasmOr('tanh', unary(un.tanh)),
    sigmoid: wasmOr('sigmoid', unary(un.sigmoidLoop)),
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
      const n = sizeOf(x.shape);
      const id = store.alloc(n);
      if (wasm && n >= 4) wasm.affine(x.dataId, id, n, scale, shift);
      else un.affine(get(x), store.get(id), scale, shift);
      return id;
    },
    clip: ([x], { min, max }) => {
      const id = store.alloc(sizeOf(x.shape));
      un.clip(get(x), store.get(id), min, max);
      return id;
    },
    where: ([c, a, b]) => {
      const size = sizeOf(a.shape);
      const plan = bin.planBroadcast('where', a.shape, c.shape, size);
      const id = store.alloc(size);
      bin.where(get(c), get(a), get(b), store.get(id), plan);
      return id;
    },
    matmul: ([a, b, bias], { transposeA, transposeB }, [m, n]) => {
      const k = transposeA ? a.shape[0] : a.shape[1];
      const id = store.alloc(m * n);
      if (wasm) wasm.matmul(a.dataId, b.dataId, bias?.dataId, id, m, n, k, transposeA, transposeB);
      else matmul(get(a), get(b), bias ? get(bias) : null, store.get(id), m, n, k, transposeA, transposeB);
      return id;
    },
    sumBatch: ([x], _attrs, outShape) => {
      const n = sizeOf(outShape);
      const id = store.alloc(n);
      if (wasm && n >= 4) wasm.sumBatch(x.dataId, id, x.shape[0], n);
      else red.sumBatch(get(x), store.get(id), x.shape[0], n);
      return id;
    },
    sumLast: ([x], _attrs, outShape) => {
      const rows = sizeOf(outShape);
      const id = store.alloc(rows);
      red.sumLast(get(x), store.get(id), rows, x.shape[x.shape.length - 1]);
      return id;
    },
    sumAll: ([x]) => {
      const id = store.alloc(1);
      const sum = wasm ? wasm.sumAll(x.dataId, sizeOf(x.shape)) : red.sumAll(get(x)); // before the view: sumAll may grow the heap
      store.get(id)[0] = sum;
      return id;
    },
    softmax: lastAxis(red.softmax, wasm && ((x, out, rows, n) => wasm.softmax(x, out, rows, n))),
    logSoftmax: lastAxis(red.logSoftmax, wasm && ((x, out, rows, n) => wasm.logSoftmax(x, out, rows, n))),
    sliceTime: ([x], { t }) => {
      const [b, tt, d] = x.shape;
      const id = store.alloc(b * d);
      copy(x.dataId, t * d, tt * d, id, 0, d, b, d);
      return id;
    },
    stackTime: (xs, _attrs, [b, tt, d]) => {
      const id = store.alloc(b * tt * d);
      for (let t = 0; t < tt; t++) copy(xs[t].dataId, 0, d, id, t * d, tt * d, b, d);
      return id;
    },
    sliceCols: ([x], { start, size }) => {
      const [m, n] = x.shape;
      const id = store.alloc(m * size);
      copy(x.dataId, start, n, id, 0, size, m, size);
      return id;
    },
    concatCols: (xs, _attrs, [m, n]) => {
      const id = store.alloc(m * n);
      let off = 0;
      for (const x of xs) {
        const w = x.shape[1];
        copy(x.dataId, 0, w, id, off, n, m, w);
        off += w;
      }
      return id;
    },
    fill: (_inputs, { value }, shape) => {
      const id = store.alloc(sizeOf(shape));
      store.get(id).fill(value);
      return id;
    },
    oneHot: ([labels], { depth }) => {
      const id = store.alloc(sizeOf(labels.shape) * depth, true);
      oneHot(get(labels), store.get(id), depth);
      return id;
    },
    gatherRows: ([table, indices], _attrs, [n, e]) => {
      const id = store.alloc(n * e, true);
      if (wasm && n > 0 && e > 0) wasm.gatherRows(table.dataId, table.shape[0], e, indices.dataId, n, id);
      else gatherRows(get(table), table.shape[0], e, get(indices), store.get(id));
      return id;
    },
    scatterAddRows: ([values, indices], { rows }, [, e]) => {
      const id = store.alloc(rows * e, true);
      scatterAddRows(get(values), e, get(indices), rows, store.get(id));
      return id;
    },
  };
}
