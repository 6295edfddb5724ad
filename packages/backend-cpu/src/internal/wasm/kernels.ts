/**
 * The WebAssembly SIMD kernels, instantiated over a heap's memory. The modules are assembled
 * and compiled once per process (or page); each backend gets its own memory and instances.
 *
 * Browsers: Chrome refuses synchronous compilation of modules over 4 KB on the main thread,
 * so each module stays under that size (checked by the tests) and createCpuBackend stays
 * synchronous. No Node-only API is used.
 */
import type { DataId } from '@recurrent/core';
import type { AdamAttrs } from '../adam.js';
import { assembleModule } from './encode.js';
import type { WasmHeap } from './heap.js';
import { gruCell, gruCellGrad, lstmCell, lstmCellGrad } from './cells-wasm.js';
import { matmulFunction, packAFunction, packBFunction } from './matmul-wasm.js';
import { adamFunction, copyRowsFunction, sumBatchFunction } from './misc-wasm.js';
import { sigmoidFunction, tanhFunction } from './unary-wasm.js';

/**
 * Register tiles of the matmul: 4 rows x 2 four-lane vectors, and 1 row x 8 vectors for the
 * rows left over (M % 4, and all of a batch-1 matrix-vector product). Measured against other
 * tiles in docs/benchmarks.md.
 */
export const MATMUL_TILE = { rows: 4, vectors: 2, rowVectors: 8 } as const;
/** K is cut into blocks of at most this many steps, so a block of B stays in the L2 cache. */
const K_BLOCK = 256;

type WasmFn = (...args: number[]) => void;

/** The assembled modules, by name: each is one small module importing env.memory. */
export function moduleBytes(): Record<string, Uint8Array<ArrayBuffer>> {
  return {
    matmul: assembleModule([
      matmulFunction('matmul', MATMUL_TILE.rows, MATMUL_TILE.vectors, MATMUL_TILE.rowVectors).def(),
      packAFunction('packA', MATMUL_TILE.rows).def(),
      packBFunction('packB', MATMUL_TILE.vectors).def(),
    ]),
    // One module per cell kernel: with the vector math inlined, the LSTM pair together is near 4 KB.
    lstmCell: assembleModule([lstmCell().def()]),
    lstmCellGrad: assembleModule([lstmCellGrad().def()]),
    gru: assembleModule([gruCell().def(), gruCellGrad().def()]),
    // The hard-sigmoid variants (no exp in the gates): smaller, so a pair fits in one module.
    lstmHard: assembleModule([lstmCell('hard').def(), lstmCellGrad('hard').def()]),
    gruHard: assembleModule([gruCell('hard').def(), gruCellGrad('hard').def()]),
    unary: assembleModule([tanhFunction().def(), sigmoidFunction().def()]),
    misc: assembleModule([copyRowsFunction().def(), sumBatchFunction().def(), adamFunction().def()]),
  };
}

let compiled: Record<string, WebAssembly.Module> | null | undefined;

/** The compiled modules, or null when this runtime has no WebAssembly SIMD. */
function modules(): Record<string, WebAssembly.Module> | null {
  if (compiled !== undefined) return compiled;
  try {
    if (typeof WebAssembly !== 'object') return (compiled = null);
    const out: Record<string, WebAssembly.Module> = {};
    for (const [name, bytes] of Object.entries(moduleBytes())) {
      if (!WebAssembly.validate(bytes)) return (compiled = null);
      out[name] = new WebAssembly.Module(bytes);
    }
    return (compiled = out);
  } catch {
    return (compiled = null);
  }
}

/** Whether this runtime can run the WebAssembly SIMD kernels. */
export function wasmSimdSupported(): boolean {
  return modules() !== null;
}

export interface WasmKernels {
  /** out = op(a) @ op(b) (+ bias); out [m, n] already allocated. */
  matmul(a: DataId, b: DataId, bias: DataId | undefined, out: DataId, m: number, n: number, k: number, transposeA: boolean, transposeB: boolean): void;
  /**
   * The fused cell kernels over buffer ids, inputs then outputs, then batch, units (>= 4;
   * smaller layers use the TypeScript kernels) and the gates' hard-sigmoid slope (0: the
   * logistic sigmoid). Same argument order as ../lstm.ts and ../gru.ts.
   */
  lstmCell(...ids_batch_units_slope: number[]): void;
  /** out = tanh(x) / sigmoid(x) over n >= 4 elements. */
  tanh(x: DataId, out: DataId, n: number): void;
  sigmoid(x: DataId, out: DataId, n: number): void;
  /** Copies rows of `width` floats; offsets and strides in floats (../layout.ts copyRows). */
  copyRows(src: DataId, srcOff: number, srcStride: number, dst: DataId, dstOff: number, dstStride: number, rows: number, width: number): void;
  /** out[j] = sum over rows of x[r, j], x [rows, n], summed in float64. */
  sumBatch(x: DataId, out: DataId, rows: number, n: number): void;
  /** The Adam update of ../adam.ts over n >= 4 elements. */
  adam(p: DataId, g: DataId, m: DataId, v: DataId, pOut: DataId, mOut: DataId, vOut: DataId, n: number, attrs: AdamAttrs): void;
  lstmCellGrad(...ids_batch_units_slope: number[]): void;
  gruCell(...ids_batch_units_slope: number[]): void;
  gruCellGrad(...ids_batch_units_slope: number[]): void;
}

export function createWasmKernels(heap: WasmHeap, packB = true): WasmKernels | null {
  const mods = modules();
  if (!mods) return null;
  const imports = { env: { memory: heap.wasmMemory as WebAssembly.Memory } };
  const instance = (mod: string) => new WebAssembly.Instance(mods[mod], imports).exports as Record<string, WasmFn>;
  const { matmul: mm, packA, packB: packBPanels } = instance('matmul');
  const MR = MATMUL_TILE.rows;
  /** Panel width in floats. */
  const W = 4 * MATMUL_TILE.vectors;
  const gru = instance('gru');
  const unary = instance('unary');
  const misc = instance('misc');
  const ptr = (id: DataId) => heap.ptr(id);
  const { lstmCell } = instance('lstmCell');
  const { lstmCellGrad } = instance('lstmCellGrad');
  const lstmHard = instance('lstmHard');
  const gruHard = instance('gruHard');

  /** op(b) row-major [k, n]: b itself, or its transpose (b is [n, k]), kept with b from its second use. */
  const rowMajorB = (bId: DataId, transposeB: boolean, k: number, n: number): number => {
    if (!transposeB) return heap.ptr(bId);
    const cached = heap.cachedDerived(bId, 'T');
    if (cached) return cached;
    const dst = heap.newDerived(bId, 'T', 4 * k * n);
    const src = heap.get(bId); // views after the allocation
    const out = heap.floats();
    for (let r = 0, o = dst >> 2; r < n; r++) for (let c = 0, s = r * k; c < k; c++) out[o + c * n + r] = src[s + c];
    return dst;
  };

  return {
    lstmCell: (xp, hp, c, h, cOut, gates, batch, units, slope) =>
      slope === 0
        ? lstmCell(ptr(xp), ptr(hp), ptr(c), ptr(h), ptr(cOut), ptr(gates), batch, units)
        : lstmHard.lstmCellHard(ptr(xp), ptr(hp), ptr(c), ptr(h), ptr(cOut), ptr(gates), batch, units, slope),
    lstmCellGrad: (gates, cPrev, c, dh, dc, dPre, dcPrev, batch, units, slope) =>
      slope === 0
        ? lstmCellGrad(ptr(gates), ptr(cPrev), ptr(c), ptr(dh), ptr(dc), ptr(dPre), ptr(dcPrev), batch, units)
        : lstmHard.lstmCellGradHard(ptr(gates), ptr(cPrev), ptr(c), ptr(dh), ptr(dc), ptr(dPre), ptr(dcPrev), batch, units, slope),
    gruCell: (xp, hp, h, hOut, cache, batch, units, slope) =>
      slope === 0
        ? gru.gruCell(ptr(xp), ptr(hp), ptr(h), ptr(hOut), ptr(cache), batch, units)
        : gruHard.gruCellHard(ptr(xp), ptr(hp), ptr(h), ptr(hOut), ptr(cache), batch, units, slope),
    gruCellGrad: (cache, h, dh, dXp, dHp, dhDirect, batch, units, slope) =>
      slope === 0
        ? gru.gruCellGrad(ptr(cache), ptr(h), ptr(dh), ptr(dXp), ptr(dHp), ptr(dhDirect), batch, units)
        : gruHard.gruCellGradHard(ptr(cache), ptr(h), ptr(dh), ptr(dXp), ptr(dHp), ptr(dhDirect), batch, units, slope),
    tanh: (x, out, n) => unary.tanh(heap.ptr(x), heap.ptr(out), n),
    sigmoid: (x, out, n) => unary.sigmoid(heap.ptr(x), heap.ptr(out), n),
    copyRows(src, srcOff, srcStride, dst, dstOff, dstStride, rows, width) {
      misc.copyRows(heap.ptr(src) + 4 * srcOff, 4 * srcStride, heap.ptr(dst) + 4 * dstOff, 4 * dstStride, rows, 4 * width);
    },
    sumBatch(xId, outId, rows, n) {
      const n4 = n - (n % 4);
      const acc = heap.temp(8 * n);
      const accView = new Float64Array(heap.floats().buffer, acc, n);
      accView.fill(0);
      misc.sumBatch(heap.ptr(xId), acc, rows, n4, n);
      const x = heap.get(xId);
      for (let j = n4; j < n; j++) for (let r = 0, i = j; r < rows; r++, i += n) accView[j] += x[i];
      heap.get(outId).set(accView);
      heap.releaseTemps();
    },
    adam(p, g, m, v, pOut, mOut, vOut, n, { lr, beta1, beta2, eps, step, decoupledDecay }) {
      misc.adam(ptr(p), ptr(g), ptr(m), ptr(v), ptr(pOut), ptr(mOut), ptr(vOut), n, lr / (1 - beta1 ** step), 1 / (1 - beta2 ** step), 1 - lr * decoupledDecay, beta1, 1 - beta1, beta2, 1 - beta2, eps);
    },
    matmul(aId, bId, biasId, outId, m, n, k, transposeA, transposeB) {
      const out = heap.ptr(outId);
      if (m === 0 || n === 0) return;
      if (k === 0) {
        const o = heap.get(outId);
        if (biasId === undefined) o.fill(0);
        else for (let i = 0, bv = heap.get(biasId); i < m; i++) o.set(bv, i * n);
        return;
      }
      const a = heap.ptr(aId);
      const ars = transposeA ? 4 : 4 * k;
      const aks = transposeA ? 4 * m : 4;
      // Row panels of op(a) for the blocks of MR rows; the leftover rows read it in place.
      const aPanels = Math.floor(m / MR);
      const aps = 4 * MR * k;
      let apk = 0;
      if (aPanels) {
        const key = transposeA ? 'AT' : 'A';
        apk = heap.cachedDerived(aId, key);
        if (!apk) packA(a, ars, aks, (apk = heap.newDerived(aId, key, aPanels * aps)), aps, k, aPanels);
      }
      // Column panels of op(b) for the wide tiles of those blocks; the rest reads op(b) in place.
      const bPanels = packB && aPanels ? Math.floor(n / W) : 0;
      const bps = bPanels ? 4 * W * k : 0;
      let bpk = 0;
      if (bPanels) {
        const key = transposeB ? 'BT' : 'B';
        bpk = heap.cachedDerived(bId, key);
        if (!bpk) {
          bpk = heap.newDerived(bId, key, bPanels * bps);
          packBPanels(rowMajorB(bId, transposeB, k, n), 4 * n, bpk, bps, k, bPanels);
        }
      }
      const b = m % MR !== 0 || bPanels * W < n ? rowMajorB(bId, transposeB, k, n) : 0;
      const bias = biasId === undefined ? 0 : heap.ptr(biasId);
      const blocks = Math.ceil(k / K_BLOCK);
      const kc = Math.ceil(k / blocks);
      for (let k0 = 0; k0 < k; k0 += kc)
        mm(a + k0 * aks, b + k0 * 4 * n, k0 === 0 ? bias : 0, out, m, n, Math.min(kc, k - k0), ars, aks, 4 * n, 4 * n, k0 === 0 ? 0 : 1, apk + k0 * 4 * MR, aps, bpk + k0 * 4 * W, bps);
      heap.releaseTemps();
    },
  };
}
