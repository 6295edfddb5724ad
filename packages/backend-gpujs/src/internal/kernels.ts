/**
 * The primitive kernel table. Each entry checks the output against the mode's limits, picks
 * the kernel source for its variant, names the shape numbers it is compiled for, and runs it
 * through the device. Shapes were validated by the engine; kernels trust them.
 */
import { BackendError, broadcastKind, sizeOf, type DataId, type Kernels, type OpName, type Shape, type TensorInfo } from '@recurrent/core';
import { scalar, type Arg, type Device, type KernelSpec } from './device.js';
import * as ew from './sources/elementwise.js';
import * as lay from './sources/layout.js';
import { BLOCK4_MATMUL, BLOCK_MATMUL, matmulSource, packRowsSource, SAVE_ROWS, unpackBlocksSource } from './sources/matmul.js';
import * as red from './sources/reduce.js';

/** Above this many elements a whole-tensor sum runs in two passes of ~sqrt(n) each. */
const SUM_ALL_ONE_PASS = 4096;

export function createKernels(device: Device): Kernels {
  const store = device.store;
  const empty = () => store.put(new Float32Array(0), 0, null);

  /** Runs `spec` for an output of `shape` (checked against the limits); empty outputs skip the kernel. */
  const run = (op: OpName, shape: Shape, spec: Omit<KernelSpec, 'output'>, args: Arg[]): DataId => {
    device.check(op, shape);
    const output = sizeOf(shape);
    if (output === 0) return empty();
    return device.run({ ...spec, output }, args);
  };
  const fill = (shape: Shape, value: number): DataId => run('fill', shape, { name: 'fill', source: ew.FILL }, [scalar(value)]);
  const last = (s: Shape): number => (s.length === 0 ? 1 : s[s.length - 1]);

  const unary = (op: ew.UnaryOp) => {
    const source = ew.unarySource(op);
    return ([x]: readonly TensorInfo[], _a: unknown, out: Shape) => run(op, out, { name: op, source }, [x.dataId]);
  };
  const actGrad = (op: ew.ActivationGradOp) => {
    const source = ew.activationGradSource(op);
    return ([y, dy]: readonly TensorInfo[], _a: unknown, out: Shape) => run(op, out, { name: op, source }, [y.dataId, dy.dataId]);
  };
  const binary = (op: ew.BinaryOp) => {
    const sources = new Map<string, string>();
    return ([a, b]: readonly TensorInfo[], _a: unknown, out: Shape) => {
      const form = broadcastKind(op, a.shape, b.shape);
      let source = sources.get(form);
      if (!source) sources.set(form, (source = ew.binarySource(op, form)));
      return run(op, out, { name: `${op}-${form}`, source, constants: broadcastConstants(form, a.shape) }, [a.dataId, b.dataId]);
    };
  };
  const whereSources = new Map<string, string>();

  /** Inputs in groups of GROUP per pass; each pass after the first copies the rest from the previous output. */
  const grouped = (
    op: OpName,
    count: number,
    pass: (start: number, size: number, prev: DataId | null) => DataId,
  ): DataId => {
    let prev: DataId | null = null;
    for (let start = 0; start < count; start += lay.GROUP) {
      const next = pass(start, Math.min(lay.GROUP, count - start), prev);
      if (prev !== null) store.delete(prev);
      prev = next;
    }
    if (prev === null) throw new BackendError(`gpujs backend: ${op} got no inputs.`);
    return prev;
  };

  /** GL modes: [rows, width_k] parts side by side into [rows, n] (n = the sum of the widths, all > 0). */
  const concatGl = (op: OpName, parts: readonly { id: DataId; width: number }[], rows: number, n: number): DataId => {
    const offsets: number[] = [];
    let off = 0;
    for (const p of parts) {
      offsets.push(off);
      off += p.width;
    }
    return grouped(op, parts.length, (start, count, prev) => {
      const constants: Record<string, number> = { N: n };
      for (let k = 0; k < count; k++) {
        constants[`o${k}`] = offsets[start + k];
        constants[`w${k}`] = parts[start + k].width;
      }
      const args: Arg[] = [...(prev === null ? [] : [prev]), ...parts.slice(start, start + count).map((p) => p.id)];
      const source = concatSource(count, prev !== null);
      return run(op, [rows, n], { name: `concatCols-${count}${prev === null ? '' : 'p'}`, source, constants }, args);
    });
  };

  return {
    neg: unary('neg'),
    exp: unary('exp'),
    log: unary('log'),
    sqrt: unary('sqrt'),
    abs: unary('abs'),
    sign: unary('sign'),
    square: unary('square'),
    tanh: unary('tanh'),
    sigmoid: unary('sigmoid'),
    relu: unary('relu'),
    tanhGrad: actGrad('tanhGrad'),
    sigmoidGrad: actGrad('sigmoidGrad'),
    reluGrad: actGrad('reluGrad'),
    add: binary('add'),
    sub: binary('sub'),
    mul: binary('mul'),
    div: binary('div'),
    maximum: binary('maximum'),
    affine: ([x], { scale: s, shift }, out) => run('affine', out, { name: 'affine', source: ew.AFFINE }, [x.dataId, scalar(s), scalar(shift)]),
    clip: ([x], { min, max }, out) => run('clip', out, { name: 'clip', source: ew.CLIP }, [x.dataId, scalar(min), scalar(max)]),
    where: ([c, a, b], _attrs, out) => {
      const form = broadcastKind('where', a.shape, c.shape);
      let source = whereSources.get(form);
      if (!source) whereSources.set(form, (source = ew.whereSource(form)));
      return run('where', out, { name: `where-${form}`, source, constants: broadcastConstants(form, a.shape) }, [c.dataId, a.dataId, b.dataId]);
    },
    matmul: ([a, b, bias], { transposeA, transposeB }, out) => {
      const [m, n] = out;
      const k = transposeA ? a.shape[0] : a.shape[1];
      if (k === 0) {
        // An empty inner dimension: the product is zero, plus the bias.
        if (!bias) return fill(out, 0);
        const zero = fill(out, 0);
        const id = run('matmul', out, { name: 'add-row', source: ew.binarySource('add', 'row'), constants: { n } }, [zero, bias.dataId]);
        store.delete(zero);
        return id;
      }
      if (device.textures && m > 0 && n > 0) {
        // Pack both operands four values to a texel (two short passes), then one fetch per
        // operand per four multiply-adds.
        device.check('matmul', out); // before any pass runs
        const k4 = Math.ceil(k / 4);
        // A packed operand is kept with its buffer once it is packed a second time (the recurrent
        // weights, used by every step of a sequence): see BufferStore.derived.
        const pack = (x: TensorInfo, rows: number, transposed: boolean) => {
          device.check('matmul', [rows, k4]);
          const spec = { name: `pack-rows-${+transposed}`, source: packRowsSource(transposed), constants: { R: rows, K: k, K4: k4 }, output: rows * k4 };
          return store.derived(x.dataId, `${spec.name}|${rows}|${k}`, () => device.run(spec, [x.dataId]));
        };
        const a4 = pack(a, m, transposeA);
        const b4 = pack(b, n, !transposeB);
        // 4x4 blocks per thread, one output texture per block row (a kernel map); 2x2 blocks in
        // one texture where gpu.js has no kernel maps.
        const size = device.kernelMaps ? 4 : 2;
        const mb = Math.ceil(m / size);
        const nb = Math.ceil(n / size);
        device.check('matmul', [mb, nb]);
        const spec = { name: `matmul-blocks${size}`, source: size === 4 ? BLOCK4_MATMUL : BLOCK_MATMUL, constants: { M: m, N: n, NB: nb, K4: k4 }, output: mb * nb, loop: k4 };
        let blocks: DataId[];
        if (size === 4) {
          const q = device.runMap(spec, SAVE_ROWS, [a4.id, b4.id]);
          blocks = [q.result, q.row1, q.row2, q.row3];
        } else blocks = [device.run(spec, [a4.id, b4.id])];
        const args: Arg[] = bias ? [...blocks, bias.dataId] : blocks;
        const id = run('matmul', out, { name: `matmul-unpack${size}${bias ? 'b' : ''}`, source: unpackBlocksSource(size, bias !== undefined), constants: { N: n, NB: nb } }, args);
        for (const blk of blocks) store.delete(blk);
        if (a4.temp) store.delete(a4.id);
        if (b4.temp) store.delete(b4.id);
        return id;
      }
      const source = matmulSource(transposeA, transposeB, bias !== undefined);
      const args: Arg[] = bias ? [a.dataId, b.dataId, bias.dataId] : [a.dataId, b.dataId];
      return run('matmul', out, { name: `matmul-${+transposeA}${+transposeB}${bias ? 'b' : ''}`, source, constants: { M: m, N: n, K: k }, loop: k }, args);
    },
    sumBatch: ([x], _attrs, out) => {
      const rows = x.shape[0];
      if (rows === 0) return fill(out, 0);
      const r = sizeOf(out);
      return run('sumBatch', out, { name: 'sumBatch', source: red.SUM_BATCH, constants: { M: rows, R: r }, loop: rows }, [x.dataId]);
    },
    sumLast: ([x], _attrs, out) => {
      const n = last(x.shape);
      if (n === 0) return fill(out, 0);
      return run('sumLast', out, { name: 'sumLast', source: red.SUM_LAST, constants: { N: n }, loop: n }, [x.dataId]);
    },
    sumAll: ([x], _attrs, out) => {
      const size = sizeOf(x.shape);
      if (size === 0) return fill(out, 0);
      const chunks = (id: DataId, n: number, chunk: number): DataId =>
        run('sumAll', [Math.ceil(n / chunk)], { name: 'sumChunks', source: red.SUM_CHUNKS, constants: { chunk, size: n }, loop: chunk }, [id]);
      if (size <= SUM_ALL_ONE_PASS) return chunks(x.dataId, size, size);
      const chunk = Math.ceil(Math.sqrt(size));
      const partial = chunks(x.dataId, size, chunk);
      const parts = Math.ceil(size / chunk);
      const total = chunks(partial, parts, parts);
      store.delete(partial);
      return total;
    },
    softmax: ([x], _attrs, out) => softmaxLike('softmax', red.SOFTMAX, x, out),
    logSoftmax: ([x], _attrs, out) => softmaxLike('logSoftmax', red.LOG_SOFTMAX, x, out),
    sliceTime: ([x], { t }, out) => {
      const [, steps, d] = x.shape;
      return run('sliceTime', out, { name: 'sliceTime', source: lay.SLICE_TIME, constants: { T: steps, D: d } }, [x.dataId, scalar(t)]);
    },
    stackTime: (xs, _attrs, out) => {
      const [batch, steps, d] = out;
      device.check('stackTime', out);
      if (sizeOf(out) === 0) return empty();
      if (!device.textures) return hostCopy(out, xs, (t, b) => (b * steps + t) * d, d, batch);
      // Up to GROUP steps per pass, each written once. More steps: stack them GROUP at a time,
      // then join the chunks along time, which for [B, c, D] chunks is a column concatenation of
      // their [B, c*D] views. Each element is written twice, where a chain of passes each copying
      // the previous output would write it ceil(T / GROUP) times (7 at T=50).
      const stackPass = (part: readonly TensorInfo[], t: number) =>
        run('stackTime', [batch, part.length, d], { name: `stackTime-${part.length}`, source: stackSource(part.length, false), constants: { TD: part.length * d, D: d } }, [
          ...part.map((x) => x.dataId),
          scalar(t),
        ]);
      if (xs.length <= lay.GROUP) return stackPass(xs, 0);
      const chunks: { id: DataId; width: number }[] = [];
      for (let t = 0; t < xs.length; t += lay.GROUP) {
        const part = xs.slice(t, t + lay.GROUP);
        chunks.push({ id: stackPass(part, 0), width: part.length * d });
      }
      const id = concatGl('stackTime', chunks, batch, steps * d);
      for (const c of chunks) store.delete(c.id);
      return id;
    },
    sliceCols: ([x], { start, size }, out) =>
      run('sliceCols', out, { name: 'sliceCols', source: lay.SLICE_COLS, constants: { size, N: x.shape[1] } }, [x.dataId, scalar(start)]),
    concatCols: (xs, _attrs, out) => {
      device.check('concatCols', out);
      if (sizeOf(out) === 0) return empty();
      const parts = xs.filter((x) => x.shape[1] > 0);
      const offsets: number[] = [];
      let off = 0;
      for (const x of xs) {
        if (x.shape[1] > 0) offsets.push(off);
        off += x.shape[1];
      }
      if (!device.textures) return hostCopy(out, parts, (k, r) => r * out[1] + offsets[k], (k) => parts[k].shape[1], out[0]);
      return concatGl(
        'concatCols',
        parts.map((x) => ({ id: x.dataId, width: x.shape[1] })),
        out[0],
        out[1],
      );
    },
    fill: (_inputs, { value }, out) => fill(out, value),
    oneHot: ([labels], { depth }, out) => run('oneHot', out, { name: 'oneHot', source: lay.ONE_HOT, constants: { depth } }, [labels.dataId]),
    gatherRows: ([table, idx], _attrs, out) =>
      run('gatherRows', out, { name: 'gatherRows', source: lay.GATHER_ROWS, constants: { E: table.shape[1], V: table.shape[0] } }, [
        table.dataId,
        idx.dataId,
      ]),
    scatterAddRows: ([values, idx], _attrs, out) => {
      const n = values.shape[0];
      if (n === 0) return fill(out, 0);
      return run('scatterAddRows', out, { name: 'scatterAddRows', source: lay.SCATTER_ADD_ROWS, constants: { E: values.shape[1], N: n }, loop: n }, [
        values.dataId,
        idx.dataId,
      ]);
    },
  };

  /**
   * stackTime and concatCols in the array modes: the buffers are host arrays, so the rows are
   * copied directly. (Their kernels pick one of up to 8 inputs per element; gpu.js's webasm code
   * evaluates every branch of such a chain for every element, about 100x slower than a copy.)
   * Input k's row r goes to `at(k, r)` in the output.
   */
  function hostCopy(
    out: Shape,
    inputs: readonly TensorInfo[],
    at: (k: number, r: number) => number,
    width: number | ((k: number) => number),
    rows: number,
  ): DataId {
    const o = new Float32Array(sizeOf(out));
    inputs.forEach((x, k) => {
      const v = store.get(x.dataId) as Float32Array;
      const w = typeof width === 'number' ? width : width(k);
      for (let r = 0; r < rows; r++) o.set(v.subarray(r * w, (r + 1) * w), at(k, r));
    });
    return store.put(o, o.length, null);
  }

  function softmaxLike(op: 'softmax' | 'logSoftmax', source: string, x: TensorInfo, out: Shape): DataId {
    device.check(op, out);
    const n = last(x.shape);
    const rows = n === 0 ? 0 : sizeOf(x.shape) / n;
    if (rows === 0) return empty();
    const stats = run(op, [rows * 2], { name: 'rowMaxSum', source: red.ROW_MAX_SUM, constants: { N: n }, loop: n }, [x.dataId]);
    const id = run(op, out, { name: op, source, constants: { N: n } }, [x.dataId, stats]);
    store.delete(stats);
    return id;
  }
}

/** Row and column broadcasts index by the last dimension; the other forms need no constant. */
const broadcastConstants = (form: string, a: Shape): Record<string, number> | undefined =>
  form === 'row' || form === 'col' ? { n: a.length === 0 ? 1 : a[a.length - 1] } : undefined;

const stackSources = new Map<string, string>();
const stackSource = (count: number, withPrev: boolean): string => memo(stackSources, `${count}${withPrev}`, () => lay.stackTimeSource(count, withPrev));
const concatSources = new Map<string, string>();
const concatSource = (count: number, withPrev: boolean): string => memo(concatSources, `${count}${withPrev}`, () => lay.concatColsSource(count, withPrev));

function memo(map: Map<string, string>, key: string, make: () => string): string {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}
