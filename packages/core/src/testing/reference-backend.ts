/**
 * A float64 reference backend in the plainest JavaScript we can write: one loop per op, no
 * blocking, no fused kernels. The conformance suite checks every backend's kernels against it,
 * and the finite-difference gradient checks run on it, so it favours obviousness over speed.
 */
import type { Backend, DataId, Kernels, Shape } from '../backend.js';
import { BackendError } from '../errors.js';
import { broadcastKind, sizeOf } from '../internal/shapes.js';

type Buf = Float64Array;

export function createReferenceBackend(): Backend {
  const store = new Map<DataId, Buf>();
  let next = 1;
  const put = (b: Buf): DataId => {
    const id = next++;
    store.set(id, b);
    return id;
  };
  const get = (id: DataId): Buf => {
    const b = store.get(id);
    if (!b) throw new BackendError(`reference backend: buffer ${id} does not exist (disposed?)`);
    return b;
  };

  const unary = (f: (v: number) => number) => (inputs: readonly { dataId: DataId }[]) => {
    const x = get(inputs[0].dataId);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
    return put(out);
  };
  const pairwise = (f: (y: number, dy: number) => number) => (inputs: readonly { dataId: DataId }[]) => {
    const y = get(inputs[0].dataId);
    const dy = get(inputs[1].dataId);
    const out = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) out[i] = f(y[i], dy[i]);
    return put(out);
  };
  /** Index into b for flat index i of a, for each broadcast form. */
  const bIndex = (aShape: Shape, bShape: Shape): ((i: number) => number) => {
    const kind = broadcastKind('reference', aShape, bShape);
    const n = aShape[aShape.length - 1];
    if (kind === 'same') return (i) => i;
    if (kind === 'scalar') return () => 0;
    if (kind === 'row') return (i) => i % n;
    return (i) => Math.floor(i / n); // col
  };
  const binary =
    (f: (a: number, b: number) => number) =>
    (inputs: readonly { dataId: DataId; shape: Shape }[]) => {
      const [ai, bi] = inputs;
      const a = get(ai.dataId);
      const b = get(bi.dataId);
      const ix = bIndex(ai.shape, bi.shape);
      const out = new Float64Array(a.length);
      for (let i = 0; i < a.length; i++) out[i] = f(a[i], b[ix(i)]);
      return put(out);
    };
  const sig = (v: number) => 1 / (1 + Math.exp(-v));

  const kernels: Kernels = {
    neg: unary((v) => -v),
    exp: unary(Math.exp),
    log: unary(Math.log),
    sqrt: unary(Math.sqrt),
    abs: unary(Math.abs),
    sign: unary((v) => (v > 0 ? 1 : v < 0 ? -1 : 0)),
    square: unary((v) => v * v),
    tanh: unary(Math.tanh),
    sigmoid: unary(sig),
    relu: unary((v) => (v > 0 ? v : 0)),
    tanhGrad: pairwise((y, dy) => dy * (1 - y * y)),
    sigmoidGrad: pairwise((y, dy) => dy * y * (1 - y)),
    reluGrad: pairwise((y, dy) => (y > 0 ? dy : 0)),
    add: binary((a, b) => a + b),
    sub: binary((a, b) => a - b),
    mul: binary((a, b) => a * b),
    div: binary((a, b) => a / b),
    maximum: binary((a, b) => (a > b ? a : b)),
    affine: (inputs, { scale, shift }) => unary((v) => v * scale + shift)(inputs),
    clip: (inputs, { min, max }) => unary((v) => (v < min ? min : v > max ? max : v))(inputs),
    where: ([c, a, b]) => {
      const cv = get(c.dataId);
      const av = get(a.dataId);
      const bv = get(b.dataId);
      const ix = bIndex(a.shape, c.shape);
      const out = new Float64Array(av.length);
      for (let i = 0; i < av.length; i++) out[i] = cv[ix(i)] > 0.5 ? av[i] : bv[i];
      return put(out);
    },
    matmul: ([a, b, bias], { transposeA, transposeB }, [m, n]) => {
      const av = get(a.dataId);
      const bv = get(b.dataId);
      const k = transposeA ? a.shape[0] : a.shape[1];
      const biasv = bias ? get(bias.dataId) : undefined;
      const out = new Float64Array(m * n);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < n; j++) {
          let s = biasv ? biasv[j] : 0;
          for (let p = 0; p < k; p++) {
            const x = transposeA ? av[p * m + i] : av[i * k + p];
            const y = transposeB ? bv[j * k + p] : bv[p * n + j];
            s += x * y;
          }
          out[i * n + j] = s;
        }
      return put(out);
    },
    sumBatch: ([x], _a, out) => {
      const xv = get(x.dataId);
      const n = sizeOf(out);
      const res = new Float64Array(n);
      for (let i = 0; i < xv.length; i++) res[i % n] += xv[i];
      return put(res);
    },
    sumLast: ([x]) => {
      const xv = get(x.dataId);
      const n = x.shape[x.shape.length - 1];
      const res = new Float64Array(sizeOf(x.shape.slice(0, -1)));
      for (let i = 0; i < xv.length; i++) res[Math.floor(i / n)] += xv[i];
      return put(res);
    },
    sumAll: ([x]) => {
      let s = 0;
      for (const v of get(x.dataId)) s += v;
      return put(Float64Array.of(s));
    },
    softmax: ([x]) => {
      const xv = get(x.dataId);
      const n = x.shape[x.shape.length - 1];
      const out = new Float64Array(xv.length);
      for (let r = 0; r < xv.length; r += n) {
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, xv[r + j]);
        let s = 0;
        for (let j = 0; j < n; j++) s += out[r + j] = Math.exp(xv[r + j] - mx);
        for (let j = 0; j < n; j++) out[r + j] /= s;
      }
      return put(out);
    },
    logSoftmax: ([x]) => {
      const xv = get(x.dataId);
      const n = x.shape[x.shape.length - 1];
      const out = new Float64Array(xv.length);
      for (let r = 0; r < xv.length; r += n) {
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, xv[r + j]);
        let s = 0;
        for (let j = 0; j < n; j++) s += Math.exp(xv[r + j] - mx);
        const lse = mx + Math.log(s);
        for (let j = 0; j < n; j++) out[r + j] = xv[r + j] - lse;
      }
      return put(out);
    },
    sliceTime: ([x], { t }) => {
      const [b, tt, d] = x.shape;
      const xv = get(x.dataId);
      const out = new Float64Array(b * d);
      for (let i = 0; i < b; i++) for (let j = 0; j < d; j++) out[i * d + j] = xv[(i * tt + t) * d + j];
      return put(out);
    },
    stackTime: (xs) => {
      const [b, d] = xs[0].shape;
      const tt = xs.length;
      const out = new Float64Array(b * tt * d);
      xs.forEach((x, t) => {
        const xv = get(x.dataId);
        for (let i = 0; i < b; i++) for (let j = 0; j < d; j++) out[(i * tt + t) * d + j] = xv[i * d + j];
      });
      return put(out);
    },
    sliceCols: ([x], { start, size }) => {
      const [m, n] = x.shape;
      const xv = get(x.dataId);
      const out = new Float64Array(m * size);
      for (let i = 0; i < m; i++) for (let j = 0; j < size; j++) out[i * size + j] = xv[i * n + start + j];
      return put(out);
    },
    concatCols: (xs, _a, [m, n]) => {
      const out = new Float64Array(m * n);
      let off = 0;
      for (const x of xs) {
        const w = x.shape[1];
        const xv = get(x.dataId);
        for (let i = 0; i < m; i++) for (let j = 0; j < w; j++) out[i * n + off + j] = xv[i * w + j];
        off += w;
      }
      return put(out);
    },
    fill: (_i, { value }, shape) => put(new Float64Array(sizeOf(shape)).fill(value)),
    gatherRows: ([table, idx]) => {
      const tv = get(table.dataId);
      const iv = get(idx.dataId);
      const e = table.shape[1];
      const out = new Float64Array(iv.length * e);
      for (let n = 0; n < iv.length; n++) {
        const r = Math.round(iv[n]);
        if (r >= 0 && r < table.shape[0]) for (let j = 0; j < e; j++) out[n * e + j] = tv[r * e + j];
      }
      return put(out);
    },
    scatterAddRows: ([values, idx], { rows }) => {
      const vv = get(values.dataId);
      const iv = get(idx.dataId);
      const e = values.shape[1];
      const out = new Float64Array(rows * e);
      for (let n = 0; n < iv.length; n++) {
        const r = Math.round(iv[n]);
        if (r >= 0 && r < rows) for (let j = 0; j < e; j++) out[r * e + j] += vv[n * e + j];
      }
      return put(out);
    },
    oneHot: ([l], { depth }) => {
      const lv = get(l.dataId);
      const out = new Float64Array(lv.length * depth);
      for (let i = 0; i < lv.length; i++) {
        const k = Math.round(lv[i]);
        if (k >= 0 && k < depth) out[i * depth + k] = 1;
      }
      return put(out);
    },
  };

  return {
    name: 'reference',
    precision: 'float64',
    kernels,
    fused: {},
    write: (values) => put(Float64Array.from(values)),
    read: async (id) => Float64Array.from(get(id)),
    readSync: (id) => Float64Array.from(get(id)),
    dispose: (id) => {
      if (!store.delete(id)) throw new BackendError(`reference backend: buffer ${id} disposed twice`);
    },
    memory: () => {
      let bytes = 0;
      for (const b of store.values()) bytes += b.byteLength;
      return { buffers: store.size, bytes };
    },
  };
}
