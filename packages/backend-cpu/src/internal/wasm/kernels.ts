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
import { MAX_PAGES, type WasmHeap } from './heap.js';
import type { Fn } from './fn.js';
import { gruBeforeGates, gruBeforeGrad, gruBeforeGradN, gruBeforeState, gruCell, gruCellGrad, lstmCell, lstmCellGrad } from './cells-wasm.js';
import { matmulFunction, packAFunction, packBFunction, packBTFunction } from './matmul-wasm.js';
import { adamFunction, copyRowsFunction, gatherRowsFunction, sumAllFunction, sumBatchFunction } from './misc-wasm.js';
import { logSoftmaxFunction, softmaxFunction } from './softmax-wasm.js';
import { Pool, type ThreadStats } from './pool.js';
import { addToFunction, rnnCellFunction, rnnCellGradFunction } from './rnn-wasm.js';
import { affineFunction, sigmoidFunction, tanhFunction } from './unary-wasm.js';

/**
 * Register tiles of the matmul: 4 rows x 2 four-lane vectors, and 1 row x 8 vectors for the
 * rows left over (M % 4, and all of a batch-1 matrix-vector product). Measured against other
 * tiles in docs/benchmarks.md.
 */
export const MATMUL_TILE = { rows: 4, vectors: 2, rowVectors: 8 } as const;
/**
 * Shared tasks per thread when a kernel is split (pool.ts runTasks): more balance the load
 * when a thread starts late or runs slower, fewer keep each task's rows long enough to reuse
 * B. A matmul task takes at least MATMUL_TASK_PANELS row panels.
 */
const TASKS_PER_THREAD = 4;
const MATMUL_TASK_PANELS = 4;
/** sumAll's chunk (floats, a multiple of 4): its partial sums are added in order, whatever the threads. */
const SUM_CHUNK = 2 ** 15;
/**
 * A row-panel task reads all of op(B): above this size (bytes) a matmul is split by B's column
 * panels instead (row tasks made W4's 13 MB weight-gradient operand stream from memory once per
 * task: 2 threads 1.6x over 1 instead of 1.7x).
 */
const MATMUL_TASK_B_BYTES = 2 ** 18;
/** K is cut into blocks of at most this many steps, so a block of B stays in the L2 cache. */
const K_BLOCK = 256;

/**
 * The smallest matmul (2*M*N*K floating-point operations) and Adam update (elements) split
 * across threads: below them one wake-up of the workers costs more than it saves. Measured
 * with `node --conditions=@recurrent/source --import tsx bench/threads.ts` (see that file).
 * The memory-bound element loops (Adam, affine, sumAll) split from 2^18 elements: at 2^16 an
 * affine took 0.021 ms on 2 threads against 0.017 on one, at 819k 0.125 against 0.193
 * (2026-12-03, this 2-core VM). A batch sum (its columns split) was slower on 2 threads even
 * at [1600, 512] (0.22 against 0.14 ms): it splits from 16x that. Softmax rows (an exp per
 * element) split as cell steps do.
 */
export const PARALLEL_MIN: ParallelMin = { matmulFlops: 2 ** 22, adamElements: 2 ** 18, cellElements: 2 ** 13, packElements: 2 ** 16 };

/** Split everything that has a slice per thread (tests: the threaded paths run on small data). */
export const SPLIT_ALL: ParallelMin = { matmulFlops: 0, adamElements: 0, cellElements: 0, packElements: 0 };

export interface ParallelMin {
  matmulFlops: number;
  /** Elements of an Adam update, affine or sumAll (16x this for a batch sum). */
  adamElements: number;
  /** batch * units of a fused LSTM / GRU step or backward, or rows * n of a softmax (split by rows). */
  cellElements: number;
  /** Floats copied into the matmul's A or B panels (split by panels). */
  packElements: number;
}

/** The functions worker threads run, as [module, export]: the pool's job table (indices below). */
const JOBS: [string, string][] = [
  ['matmul', 'matmul'],
  ['matmul', 'packA'],
  ['matmul', 'packB'],
  ['matmul', 'packBT'],
  ['misc', 'adam'],
  ['lstmCell', 'lstmCell'],
  ['lstmHard', 'lstmCellHard'],
  ['lstmCellGrad', 'lstmCellGrad'],
  ['lstmHard', 'lstmCellGradHard'],
  ['gru', 'gruCell'],
  ['gruHard', 'gruCellHard'],
  ['gru', 'gruCellGrad'],
  ['gruHard', 'gruCellGradHard'],
  ['misc', 'copyRows'],
  ['misc', 'sumBatch'],
  ['rnn', 'rnnCell'],
  ['rnn', 'rnnCellGrad'],
  ['rnn', 'addTo'],
  ['gruBefore', 'gruBeforeGates'],
  ['gruBeforeHard', 'gruBeforeGatesHard'],
  ['gruBefore', 'gruBeforeGrad'],
  ['gruBeforeHard', 'gruBeforeGradHard'],
  ['gruBeforeN', 'gruBeforeState'],
  ['gruBeforeN', 'gruBeforeGradN'],
  ['softmax', 'softmaxRows'],
  ['softmax', 'logSoftmaxRows'],
  ['unary', 'affine'],
  ['misc', 'sumAll'],
];
const job = (name: string) => JOBS.findIndex(([, e]) => e === name);
/** The cell kernels' sigmoid variant; the hard-sigmoid one is the next job. */
const [JOB_MATMUL, JOB_PACK_A, JOB_PACK_B, JOB_PACK_BT, JOB_ADAM, JOB_LSTM, JOB_LSTM_GRAD, JOB_GRU, JOB_GRU_GRAD, JOB_COPY, JOB_SUM, JOB_RNN, JOB_RNN_GRAD, JOB_ADD, JOB_GRU_B_GATES, JOB_GRU_B_GRAD, JOB_GRU_B_STATE, JOB_GRU_B_GRAD_N, JOB_SOFTMAX, JOB_LOG_SOFTMAX, JOB_AFFINE, JOB_SUM_ALL] = [
  'matmul', 'packA', 'packB', 'packBT', 'adam', 'lstmCell', 'lstmCellGrad', 'gruCell', 'gruCellGrad', 'copyRows', 'sumBatch', 'rnnCell', 'rnnCellGrad', 'addTo',
  'gruBeforeGates', 'gruBeforeGrad', 'gruBeforeState', 'gruBeforeGradN', 'softmaxRows', 'logSoftmaxRows', 'affine', 'sumAll',
].map(job); // prettier-ignore

type WasmFn = (...args: number[]) => void;

/** How the modules are built: over a shared heap (threads); with relaxed SIMD in the matmul. */
export interface ModuleVariant {
  shared: boolean;
  relaxed: boolean;
}

/** The assembled modules, by name: each is one small module importing env.memory. */
export function moduleBytes({ shared, relaxed }: ModuleVariant = { shared: false, relaxed: false }): Record<string, Uint8Array<ArrayBuffer>> {
  const mod = (fns: Fn[]) => assembleModule(fns.map((f) => f.def()), shared ? MAX_PAGES : 0);
  return {
    matmul: mod([
      matmulFunction('matmul', MATMUL_TILE.rows, MATMUL_TILE.vectors, MATMUL_TILE.rowVectors, relaxed),
      packAFunction('packA', MATMUL_TILE.rows),
      packBFunction('packB', MATMUL_TILE.vectors),
      packBTFunction('packBT', MATMUL_TILE.vectors),
    ]),
    // One module per cell kernel: with the vector math inlined, the LSTM pair together is near 4 KB.
    lstmCell: mod([lstmCell()]),
    lstmCellGrad: mod([lstmCellGrad()]),
    gru: mod([gruCell(), gruCellGrad()]),
    // The hard-sigmoid variants (no exp in the gates): smaller, so a pair fits in one module.
    lstmHard: mod([lstmCell('hard'), lstmCellGrad('hard')]),
    gruHard: mod([gruCell('hard'), gruCellGrad('hard')]),
    unary: mod([tanhFunction(), sigmoidFunction(), affineFunction()]),
    misc: mod([copyRowsFunction(), gatherRowsFunction(), sumBatchFunction(), sumAllFunction(), adamFunction()]),
    rnn: mod([rnnCellFunction(), rnnCellGradFunction(), addToFunction()]),
    // The reset-before GRU's sequence kernels: by gate variant, and the two without gates.
    gruBefore: mod([gruBeforeGates(), gruBeforeGrad()]),
    gruBeforeHard: mod([gruBeforeGates('hard'), gruBeforeGrad('hard')]),
    gruBeforeN: mod([gruBeforeState(), gruBeforeGradN()]),
    softmax: mod([softmaxFunction(), logSoftmaxFunction()]),
  };
}

type Compiled = Record<string, WebAssembly.Module>;
const compiled = new Map<string, Compiled | null>();

/** The compiled modules of a variant, or null when this runtime cannot run it (no SIMD, no shared memory, no relaxed SIMD). */
function modules(variant: ModuleVariant = { shared: false, relaxed: false }): Compiled | null {
  const key = `${variant.shared} ${variant.relaxed}`;
  const have = compiled.get(key);
  if (have !== undefined) return have;
  let out: Compiled | null = null;
  try {
    if (typeof WebAssembly === 'object') {
      const mods: Compiled = {};
      for (const [name, b] of Object.entries(moduleBytes(variant))) {
        if (!WebAssembly.validate(b)) throw new Error('invalid');
        mods[name] = new WebAssembly.Module(b);
      }
      out = mods;
    }
  } catch {
    out = null;
  }
  compiled.set(key, out);
  return out;
}

/**
 * Whether this runtime validates relaxed SIMD (f32x4.relaxed_madd): current Chromium; Node 20
 * only with `--experimental-wasm-relaxed-simd`. Checked by validating a one-instruction
 * module once, never assumed.
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupported !== undefined) return relaxedSupported;
  // (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
  const probe = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
    0x03, 0x02, 0x01, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b,
  ]); // prettier-ignore
  try {
    relaxedSupported = typeof WebAssembly === 'object' && WebAssembly.validate(probe);
  } catch {
    relaxedSupported = false;
  }
  return relaxedSupported;
}
let relaxedSupported: boolean | undefined;

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
  /** Row-wise softmax / log-softmax of x [rows, n], n >= 4 (softmax-wasm.ts); large ones split by rows. */
  softmax(x: DataId, out: DataId, rows: number, n: number): void;
  logSoftmax(x: DataId, out: DataId, rows: number, n: number): void;
  /** out = x * scale + shift over n >= 4 elements; large ones split by element ranges. */
  affine(x: DataId, out: DataId, n: number, scale: number, shift: number): void;
  /**
   * The sum of x's n floats in float64: chunks of SUM_CHUNK floats summed in WebAssembly (as
   * tasks when large), then added in order, so no thread count changes the value.
   */
  sumAll(x: DataId, n: number): number;
  /** out = tanh(x) / sigmoid(x) over n >= 4 elements. */
  tanh(x: DataId, out: DataId, n: number): void;
  sigmoid(x: DataId, out: DataId, n: number): void;
  /** Copies rows of `width` floats; offsets and strides in floats (../layout.ts copyRows). */
  copyRows(src: DataId, srcOff: number, srcStride: number, dst: DataId, dstOff: number, dstStride: number, rows: number, width: number): void;
  /** out (zeroed) row n = table row Math.round(indices[n]) for rows of `width` floats (../layout.ts gatherRows). */
  gatherRows(table: DataId, rows: number, width: number, indices: DataId, count: number, out: DataId): void;
  /** out[j] = sum over rows of x[r, j], x [rows, n], summed in float64. */
  sumBatch(x: DataId, out: DataId, rows: number, n: number): void;
  /** The Adam update of ../adam.ts over n >= 4 elements. */
  adam(p: DataId, g: DataId, m: DataId, v: DataId, pOut: DataId, mOut: DataId, vOut: DataId, n: number, attrs: AdamAttrs): void;
  lstmCellGrad(...ids_batch_units_slope: number[]): void;
  /**
   * core's lstmSequence over buffer ids (xp, Wh, h0, c0; outputs y, hIn, cs, gates, h, c; bh or -1), then
   * B, T, H (>= 4) and the gates' hard-sigmoid slope. Each thread runs every step for its own
   * batch rows (row panels of the matmul), so the whole sequence is one job and no value
   * depends on the thread count.
   */
  lstmSequence(ids: DataId[], B: number, T: number, H: number, slope: number): void;
  /** core's lstmSequenceGrad (gates, cs, c0, Wh, dh, dc, dy or -1; outputs dPre, dh0, dc0), split as lstmSequence. */
  lstmSequenceGrad(ids: DataId[], B: number, T: number, H: number, slope: number): void;
  /** core's simpleRnnSequence (xp, Wh, h0; outputs y, hIn, h; bh or -1), B, T, H (>= 4) and relu (1) or tanh (0); split as lstmSequence. */
  simpleRnnSequence(ids: DataId[], B: number, T: number, H: number, relu: number): void;
  /** core's simpleRnnSequenceGrad (hIn, h, Wh, dh, dy or -1; outputs dPre, dh0), split as lstmSequence. */
  simpleRnnSequenceGrad(ids: DataId[], B: number, T: number, H: number, relu: number): void;
  /** core's gruSequence (xp, Wh, h0; outputs y, hIn, cache, h; bh or -1), split as lstmSequence. */
  gruSequence(ids: DataId[], B: number, T: number, H: number, slope: number): void;
  /** core's gruSequenceGrad (cache, hIn, Wh, dh, dy or -1; outputs dXp, dHp, dh0), split as lstmSequence. */
  gruSequenceGrad(ids: DataId[], B: number, T: number, H: number, slope: number): void;
  /**
   * core's gruBeforeSequence (xp, Wh[:, r|z], Wh[:, n], h0; outputs y, hIn, cache, h; bh[r|z] and
   * bh[n], or -1), split as lstmSequence: two matmuls and two kernels per step.
   */
  gruBeforeSequence(ids: DataId[], B: number, T: number, H: number, slope: number): void;
  /** core's gruBeforeSequenceGrad (cache, hIn, Wh[:, r|z], Wh[:, n], dh, dy or -1; outputs dXp, dh0), split as lstmSequence. */
  gruBeforeSequenceGrad(ids: DataId[], B: number, T: number, H: number, slope: number): void;
  gruCell(...ids_batch_units_slope: number[]): void;
  gruCellGrad(...ids_batch_units_slope: number[]): void;
  /** Threads that run the large matmuls, cell steps and Adam updates (the caller included). */
  readonly threads: number;
  /** The matmul uses relaxed SIMD's multiply-add. */
  readonly relaxed: boolean;
  /** Worker threads running now (they start at the first large kernel). */
  readonly workers: number;
  /** Every worker has started: split kernels run in parallel (before, on the calling thread). */
  readonly ready: boolean;
  /** The pool's counters (Pool.stats), or null on one thread. */
  stats(): ThreadStats | null;
  /** Stops the worker threads (later kernels run on the calling thread). */
  dispose(): void;
}

/**
 * `threads` > 1 needs a shared heap (WasmHeap({ shared: true })) and a runtime where
 * pool.ts's threadSupport() is null.
 */
export function createWasmKernels(heap: WasmHeap, packB = true, threads = 1, parallelMin = PARALLEL_MIN, relaxed = false): WasmKernels | null {
  const mods = modules({ shared: threads > 1, relaxed });
  if (!mods) return null;
  const imports = { env: { memory: heap.wasmMemory as WebAssembly.Memory } };
  const instances: Record<string, Record<string, WasmFn>> = {};
  const instance = (mod: string) => (instances[mod] ??= new WebAssembly.Instance(mods[mod], imports).exports as Record<string, WasmFn>);
  const MR = MATMUL_TILE.rows;
  /** Panel width in floats. */
  const W = 4 * MATMUL_TILE.vectors;
  const unary = instance('unary');
  const misc = instance('misc');
  const pool =
    threads > 1
      ? new Pool(
          threads,
          { memory: heap.wasmMemory as WebAssembly.Memory, modules: mods, functions: JOBS },
          JOBS.map(([m, e]) => instance(m)[e]),
          heap,
        )
      : null;
  const ptr = (id: DataId) => heap.ptr(id);
  const jobs = JOBS.map(([m, e]) => instance(m)[e]);
  /** Threads that run split kernels now (1 after dispose). */
  const live = () => pool?.threads ?? 1;

  /**
   * A fused cell kernel over buffer ids whose rows are `widths[i]` * units floats wide, then
   * batch, units and the hard-sigmoid slope (0: the logistic sigmoid). Large steps are split
   * by batch rows: every row is computed alone, so the split changes no value.
   */
  const cell =
    (job: number, widths: number[]) =>
    (...a: number[]): void => {
      const ps = a.slice(0, widths.length).map(ptr);
      const [batch, units, slope] = a.slice(widths.length);
      const fn = slope === 0 ? job : job + 1;
      const tail = slope === 0 ? [units] : [units, slope];
      const split = batch >= live() && batch * units >= parallelMin.cellElements;
      runSplit(split, batch, 1, (r0, rows) => [fn, widths.length + tail.length + 1, ...ps.map((p, i) => p + 4 * r0 * widths[i] * units), rows, ...tail]);
    };

  /**
   * Packs `panels` panels (packA / packB of matmul-wasm.ts): `args(first, count)` gives the
   * arguments for panels first .. first+count-1. Large packs are split by panels (a copy: no
   * value changes).
   */
  const pack = (fn: number, panels: number, floats: number, args: (first: number, count: number) => number[]) =>
    runSplit(panels >= live() && floats >= parallelMin.packElements, panels, 1, (q0, count) => {
      const a = args(q0, count);
      return [fn, a.length, ...a];
    });

  /**
   * Runs the calls of `items` independent items (row panels, batch rows, vectors): on this
   * thread alone unless `split`, else as shared tasks of whole items (runTasks), about
   * TASKS_PER_THREAD per thread and at least `minItems` each. `calls(first, count)` gives a
   * task's calls; each item's outputs are computed by the same calls whatever task holds it.
   */
  function runSplit(split: boolean, items: number, minItems: number, calls: (first: number, count: number) => number[]): void {
    if (!split || !pool || pool.threads < 2) {
      runLocal(calls(0, items));
      return;
    }
    const n = Math.max(1, Math.min(TASKS_PER_THREAD * pool.threads, Math.floor(items / minItems)));
    const tasks: number[][] = [];
    for (let c = 0; c < n; c++) {
      const first = Math.floor((items * c) / n);
      tasks.push(calls(first, Math.floor((items * (c + 1)) / n) - first));
    }
    pool.runTasks(tasks);
  }

  /** A row-wise kernel (src, dst, rows, n) over x [rows, n] into out: large ones as tasks of whole rows. */
  function rowsJob(fn: number, x: DataId, out: DataId, rows: number, n: number): void {
    const [src, dst] = [ptr(x), ptr(out)];
    runSplit(rows >= live() && rows * n >= parallelMin.cellElements, rows, 1, (r0, count) => [fn, 4, src + 4 * r0 * n, dst + 4 * r0 * n, count, n]);
  }

  /** Runs the calls of a program on this thread. */
  function runLocal(p: number[]): void {
    for (let i = 0; i < p.length; i += 2 + p[i + 1]) {
      const a = i + 2; // every job takes at most 16 arguments; extra ones are ignored
      jobs[p[i]](p[a], p[a + 1], p[a + 2], p[a + 3], p[a + 4], p[a + 5], p[a + 6], p[a + 7], p[a + 8], p[a + 9], p[a + 10], p[a + 11], p[a + 12], p[a + 13], p[a + 14], p[a + 15]);
    }
  }

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

  /**
   * op(b) [k, n] for the matmul: column panels for the wide tiles of full row blocks (when
   * `panels`; packed straight from b, transposed or not, and kept with b: the weights are used
   * again at every step, and a gradient such as the LSTM's d(pre-activation) is the B of two
   * weight-gradient matmuls), and b row-major in place where tiles read it there
   * (`leftoverRows`, or columns past the panels).
   */
  function operandB(bId: DataId, transposeB: boolean, k: number, n: number, panels: boolean, leftoverRows: boolean) {
    const bPanels = packB && panels ? Math.floor(n / W) : 0;
    const bps = bPanels ? 4 * W * k : 0;
    let bpk = 0;
    if (bPanels) {
      const key = transposeB ? 'BT' : 'B';
      bpk = heap.cachedDerived(bId, key);
      if (!bpk) {
        bpk = heap.newDerived(bId, key, bPanels * bps, true);
        const dst = bpk;
        const src = heap.ptr(bId);
        if (transposeB) pack(JOB_PACK_BT, bPanels, bPanels * W * k, (q0, count) => [src + q0 * W * 4 * k, 4 * k, dst + q0 * bps, bps, k, count]);
        else pack(JOB_PACK_B, bPanels, bPanels * W * k, (q0, count) => [src + q0 * 4 * W, 4 * n, dst + q0 * bps, bps, k, count]);
      }
    }
    const b = leftoverRows || bPanels * W < n ? rowMajorB(bId, transposeB, k, n) : 0;
    return { bpk, bps, b };
  }

  /**
   * Calls for rows [0, m) of out = op(a) @ op(b) (+ out when `acc`), a read in place with row
   * stride `ars` bytes (A's row panels packed into `scratch` first), B from operandB.
   */
  function matmulCalls(calls: number[], a: number, ars: number, B: { bpk: number; bps: number; b: number }, out: number, m: number, n: number, k: number, acc: boolean, scratch: number, bias: number): void {
    const panels = Math.floor(m / MR);
    const aps = 4 * MR * k;
    if (panels) call(calls, JOB_PACK_A, a, ars, 4, scratch, aps, k, panels);
    const kc = Math.ceil(k / Math.ceil(k / K_BLOCK));
    for (let k0 = 0; k0 < k; k0 += kc)
      calls.push(JOB_MATMUL, 16, a + k0 * 4, B.b + k0 * 4 * n, k0 === 0 && !acc ? bias : 0, out, m, n, Math.min(kc, k - k0), ars, 4, 4 * n, 4 * n, acc || k0 > 0 ? 1 : 0, scratch + k0 * 4 * MR, aps, B.bpk + k0 * 4 * W, B.bps);
  }
  /** Appends a call of job `fn` to a thread's program. */
  const call = (calls: number[], fn: number, ...args: number[]) => calls.push(fn, args.length, ...args);
  const copyCall = (calls: number[], src: number, srcStride: number, dst: number, dstStride: number, rows: number, bytes: number) =>
    calls.push(JOB_COPY, 6, src, srcStride, dst, dstStride, rows, bytes);

  /** Batch rows of each thread for a sequence (whole row panels; the last thread also the leftover rows). `GH`: columns of Wh. */
  function sequenceRows(B: number, T: number, H: number, GH: number): [number, number][] {
    const panels = Math.floor(B / MR);
    const n = pool && pool.threads > 1 && panels >= 1 && 2 * B * H * GH * T >= parallelMin.matmulFlops ? Math.min(pool.threads, panels) : 1;
    return Array.from({ length: n }, (_, t) => {
      const r0 = MR * Math.floor((panels * t) / n);
      return [r0, t === n - 1 ? B : MR * Math.floor((panels * (t + 1)) / n)];
    });
  }

  /** Runs one program per thread (on the calling thread alone when there is one). */
  function runSequence(programs: number[][]): void {
    if (programs.length > 1) {
      while (programs.length < (pool as Pool).threads) programs.push([]);
      (pool as Pool).runPrograms(programs);
    } else runLocal(programs[0]);
  }

  /** A thread's rows [r0, r0 + m) of a sequence: `row(base, t, width)` is the address of its first row at step t of a time-major [T, B, width]. */
  interface Rows {
    r0: number;
    m: number;
    row(base: number, t: number, width: number): number;
  }

  /**
   * A whole-sequence forward (lstmSequence, gruSequence, simpleRnnSequence, gruBeforeSequence): per
   * thread, for each step t, hp = hIn_t @ Wh + bh (unless `wh` is null: the step does its own
   * matmuls, with `scratch` for A's panels) and xpt = xp[:, t] for its rows, then `step` (the cell's call,
   * writing hOut: hIn_{t+1}, or the final h at the last step), then y[:, t] = hOut. Pointers:
   * xp [B, T, GH], h0, hLast [B, H], hIn [T, B, H], y [B, T, H], bias (0: none); Wh by id.
   */
  function sequenceForward(
    p: { xp: number; wh: DataId | null; h0: number; bias: number; hIn: number; y: number; hLast: number },
    B: number,
    T: number,
    H: number,
    GH: number,
    thread: (rows: Rows) => { step(calls: number[], t: number, xpt: number, hp: number, hOut: number, scratch: number): void; done?(calls: number[]): void },
  ): void {
    const Bop = p.wh === null ? null : operandB(p.wh, false, H, GH, B >= MR, B % MR !== 0);
    const programs = sequenceRows(B, T, H, GH).map(([r0, r1]) => {
      const m = r1 - r0;
      const rows: Rows = { r0, m, row: (base, t, width) => base + 4 * (t * B + r0) * width };
      const { step, done } = thread(rows);
      const scratch = heap.temp(4 * m * (H + 2 * GH)); // A panels (m x H), hp, xpt
      const hp = scratch + 4 * m * H;
      const xpt = hp + 4 * m * GH;
      const calls: number[] = [];
      copyCall(calls, p.h0 + 4 * r0 * H, 4 * H, rows.row(p.hIn, 0, H), 4 * H, m, 4 * H);
      for (let t = 0; t < T; t++) {
        if (Bop) matmulCalls(calls, rows.row(p.hIn, t, H), 4 * H, Bop, hp, m, GH, H, false, scratch, p.bias);
        copyCall(calls, p.xp + 4 * (r0 * T + t) * GH, 4 * T * GH, xpt, 4 * GH, m, 4 * GH);
        const hOut = t < T - 1 ? rows.row(p.hIn, t + 1, H) : p.hLast + 4 * r0 * H;
        step(calls, t, xpt, hp, hOut, scratch);
        copyCall(calls, hOut, 4 * H, p.y + 4 * (r0 * T + t) * H, 4 * T * H, m, 4 * H);
      }
      done?.(calls);
      return calls;
    });
    runSequence(programs);
    heap.releaseTemps();
  }

  /**
   * A whole-sequence backward: dh_{T-1} = dh + dy[:, T-1]; per thread, for t = T-1 .. 0, `step`
   * (the cell's backward from dh_t, for its rows) gives the rows of the recurrent matmul's output
   * gradient (row stride 4*GH; the matmul reads its first `k` columns, default GH) and whether it wrote a partial d(h_{t-1}) into `next`; then
   * next (+)= dy[:, t-1] and next += dOut @ Wh^T (at t = 0 into dh0). Wh by id.
   */
  function sequenceBackward(
    p: { wh: DataId; dh: number; dy: number; dh0: number; k?: number },
    B: number,
    T: number,
    H: number,
    GH: number,
    thread: (rows: Rows) => (calls: number[], t: number, dh: number, next: number) => { dOut: number; partial: boolean },
  ): void {
    const k = p.k ?? GH; // the matmul's shared dimension: dOut's first k columns of its GH
    // dh at the last step: d(final h) + dy[:, T-1], added here once (float32, as core's add).
    let dhStart = p.dh;
    if (p.dy) {
      dhStart = heap.temp(4 * B * H);
      const f = heap.floats();
      for (let b = 0; b < B; b++)
        for (let j = 0, s = (p.dh >> 2) + b * H, d = (p.dy >> 2) + (b * T + T - 1) * H, o = (dhStart >> 2) + b * H; j < H; j++) f[o + j] = f[s + j] + f[d + j];
    }
    const Bop = operandB(p.wh, true, k, H, B >= MR, B % MR !== 0);
    const programs = sequenceRows(B, T, H, GH).map(([r0, r1]) => {
      const m = r1 - r0;
      const step = thread({ r0, m, row: (base, t, width) => base + 4 * (t * B + r0) * width });
      const scratch = heap.temp(4 * m * (GH + 3 * H)); // A panels (m x GH), two dh buffers, dy
      const dhs = [scratch + 4 * m * GH, scratch + 4 * m * (GH + H)];
      const dyRows = scratch + 4 * m * (GH + 2 * H);
      const calls: number[] = [];
      copyCall(calls, dhStart + 4 * r0 * H, 4 * H, dhs[0], 4 * H, m, 4 * H);
      for (let t = T - 1; t >= 0; t--) {
        const dh = dhs[(T - 1 - t) % 2];
        const next = t === 0 ? p.dh0 + 4 * r0 * H : dhs[(T - t) % 2];
        const { dOut, partial } = step(calls, t, dh, next);
        const withDy = t > 0 && p.dy !== 0;
        const dyAt = p.dy + 4 * (r0 * T + t - 1) * H;
        if (withDy && partial) {
          copyCall(calls, dyAt, 4 * T * H, dyRows, 4 * H, m, 4 * H);
          call(calls, JOB_ADD, next, dyRows, m * H);
        } else if (withDy) copyCall(calls, dyAt, 4 * T * H, next, 4 * H, m, 4 * H);
        matmulCalls(calls, dOut, 4 * GH, Bop, next, m, H, k, withDy || partial, scratch, 0);
      }
      return calls;
    });
    runSequence(programs);
    heap.releaseTemps();
  }

  /** The job of a cell kernel by recurrent activation, and its trailing arguments. */
  const gateJob = (job: number, H: number, slope: number) => ({ fn: slope === 0 ? job : job + 1, tail: slope === 0 ? [H] : [H, slope] });

  return {
    lstmSequence(ids, B, T, H, slope) {
      const [xp, , h0, c0, y, hIn, cs, gates, hLast, cLast] = ids.slice(0, 10).map(ptr); // Wh through operandB
      const G = 4 * H;
      const { fn, tail } = gateJob(JOB_LSTM, H, slope);
      sequenceForward({ xp, wh: ids[1], h0, bias: ids[10] >= 0 ? ptr(ids[10]) : 0, hIn, y, hLast }, B, T, H, G, ({ r0, m, row }) => ({
        step: (calls, t, xpt, hp, hOut) => call(calls, fn, xpt, hp, t === 0 ? c0 + 4 * r0 * H : row(cs, t - 1, H), hOut, row(cs, t, H), row(gates, t, G), m, ...tail),
        done: (calls) => copyCall(calls, row(cs, T - 1, H), 4 * H, cLast + 4 * r0 * H, 4 * H, m, 4 * H),
      }));
    },
    lstmSequenceGrad(ids, B, T, H, slope) {
      const [gates, cs, c0, , dh, dcT] = ids.slice(0, 6).map(ptr); // Wh through operandB
      const [dPre, dh0, dc0] = ids.slice(7).map(ptr);
      const G = 4 * H;
      const { fn, tail } = gateJob(JOB_LSTM_GRAD, H, slope);
      sequenceBackward({ wh: ids[3], dh, dy: ids[6] >= 0 ? ptr(ids[6]) : 0, dh0 }, B, T, H, G, ({ r0, m, row }) => {
        const dcBuf = heap.temp(8 * m * H);
        const dcs = [dcBuf, dcBuf + 4 * m * H];
        let dc = dcT + 4 * r0 * H;
        return (calls, t, dht) => {
          const dcPrev = t === 0 ? dc0 + 4 * r0 * H : dcs[t % 2];
          call(calls, fn, row(gates, t, G), t === 0 ? c0 + 4 * r0 * H : row(cs, t - 1, H), row(cs, t, H), dht, dc, row(dPre, t, G), dcPrev, m, ...tail);
          dc = dcPrev;
          return { dOut: row(dPre, t, G), partial: false };
        };
      });
    },
    simpleRnnSequence(ids, B, T, H, relu) {
      const [xp, , h0, y, hIn, hLast] = ids.slice(0, 6).map(ptr);
      sequenceForward({ xp, wh: ids[1], h0, bias: ids[6] >= 0 ? ptr(ids[6]) : 0, hIn, y, hLast }, B, T, H, H, ({ m }) => ({
        step: (calls, _t, xpt, hp, hOut) => call(calls, JOB_RNN, xpt, hp, hOut, m * H, relu),
      }));
    },
    simpleRnnSequenceGrad(ids, B, T, H, relu) {
      const [hIn, hLast, , dh] = ids.slice(0, 4).map(ptr);
      const [dPre, dh0] = ids.slice(5).map(ptr);
      sequenceBackward({ wh: ids[2], dh, dy: ids[4] >= 0 ? ptr(ids[4]) : 0, dh0 }, B, T, H, H, ({ r0, m, row }) => (calls, t, dht) => {
        call(calls, JOB_RNN_GRAD, t < T - 1 ? row(hIn, t + 1, H) : hLast + 4 * r0 * H, dht, row(dPre, t, H), m * H, relu);
        return { dOut: row(dPre, t, H), partial: false };
      });
    },
    gruBeforeSequence(ids, B, T, H, slope) {
      const [xp, , , h0, y, hIn, cache, hLast] = ids.slice(0, 8).map(ptr); // Wh's two blocks through operandB
      const [bRz, bN] = ids.slice(8).map((id) => (id >= 0 ? ptr(id) : 0));
      const gates = gateJob(JOB_GRU_B_GATES, H, slope);
      const rzOp = operandB(ids[1], false, H, 2 * H, B >= MR, B % MR !== 0);
      const nOp = operandB(ids[2], false, H, H, B >= MR, B % MR !== 0);
      sequenceForward({ xp, wh: null, h0, bias: 0, hIn, y, hLast }, B, T, H, 3 * H, ({ m, row }) => ({
        step: (calls, t, xpt, hp, hOut, scratch) => {
          const [h, c, hpN] = [row(hIn, t, H), row(cache, t, 4 * H), hp + 8 * m * H];
          matmulCalls(calls, h, 4 * H, rzOp, hp, m, 2 * H, H, false, scratch, bRz);
          call(calls, gates.fn, xpt, hp, h, c, m, ...gates.tail);
          matmulCalls(calls, c + 12 * H, 16 * H, nOp, hpN, m, H, H, false, scratch, bN); // r*h: the cache's last block
          call(calls, JOB_GRU_B_STATE, xpt, hpN, h, c, hOut, m, H);
        },
      }));
    },
    gruBeforeSequenceGrad(ids, B, T, H, slope) {
      const [cache, hIn, , , dh] = ids.slice(0, 5).map(ptr);
      const [dXp, dh0] = ids.slice(6).map(ptr);
      const grad = gateJob(JOB_GRU_B_GRAD, H, slope);
      const nOp = operandB(ids[3], true, H, H, B >= MR, B % MR !== 0);
      sequenceBackward({ wh: ids[2], dh, dy: ids[5] >= 0 ? ptr(ids[5]) : 0, dh0, k: 2 * H }, B, T, H, 3 * H, ({ m, row }) => {
        const scratch = heap.temp(8 * m * H); // dRh, A panels of its matmul
        const dRh = scratch + 4 * m * H;
        return (calls, t, dht, next) => {
          const [c, d] = [row(cache, t, 4 * H), row(dXp, t, 3 * H)];
          call(calls, JOB_GRU_B_GRAD_N, c, dht, d, m, H);
          matmulCalls(calls, d + 8 * H, 12 * H, nOp, dRh, m, H, H, false, scratch, 0); // d(pre_n) @ Wh_n^T
          call(calls, grad.fn, c, row(hIn, t, H), dht, dRh, d, next, m, ...grad.tail);
          return { dOut: d, partial: true };
        };
      });
    },
    gruSequence(ids, B, T, H, slope) {
      const [xp, , h0, y, hIn, cache, hLast] = ids.slice(0, 7).map(ptr);
      const { fn, tail } = gateJob(JOB_GRU, H, slope);
      sequenceForward({ xp, wh: ids[1], h0, bias: ids[7] >= 0 ? ptr(ids[7]) : 0, hIn, y, hLast }, B, T, H, 3 * H, ({ m, row }) => ({
        step: (calls, t, xpt, hp, hOut) => call(calls, fn, xpt, hp, row(hIn, t, H), hOut, row(cache, t, 4 * H), m, ...tail),
      }));
    },
    gruSequenceGrad(ids, B, T, H, slope) {
      const [cache, hIn, , dh] = ids.slice(0, 4).map(ptr);
      const [dXp, dHp, dh0] = ids.slice(5).map(ptr);
      const { fn, tail } = gateJob(JOB_GRU_GRAD, H, slope);
      sequenceBackward({ wh: ids[2], dh, dy: ids[4] >= 0 ? ptr(ids[4]) : 0, dh0 }, B, T, H, 3 * H, ({ m, row }) => (calls, t, dht, next) => {
        call(calls, fn, row(cache, t, 4 * H), row(hIn, t, H), dht, row(dXp, t, 3 * H), row(dHp, t, 3 * H), next, m, ...tail);
        return { dOut: row(dHp, t, 3 * H), partial: true };
      });
    },
    lstmCell: cell(JOB_LSTM, [4, 4, 1, 1, 1, 4]), // xp, hp, c, hOut, cOut, gates
    lstmCellGrad: cell(JOB_LSTM_GRAD, [4, 1, 1, 1, 1, 4, 1]), // gates, cPrev, c, dh, dc, dPre, dcPrev
    gruCell: cell(JOB_GRU, [3, 3, 1, 1, 4]), // xp, hp, h, hOut, cache (4 units per row)
    gruCellGrad: cell(JOB_GRU_GRAD, [4, 1, 1, 3, 3, 1]), // cache, h, dh, dXp, dHp, dhDirect
    softmax: (x, out, rows, n) => rowsJob(JOB_SOFTMAX, x, out, rows, n),
    logSoftmax: (x, out, rows, n) => rowsJob(JOB_LOG_SOFTMAX, x, out, rows, n),
    affine(x, out, n, scale, shift) {
      const [src, dst] = [ptr(x), ptr(out)];
      const v4 = Math.floor(n / 4);
      runSplit(n >= parallelMin.adamElements && v4 >= live(), v4, 1024, (v0, count) => [JOB_AFFINE, 5, src + 16 * v0, dst + 16 * v0, v0 + count === v4 ? n - 4 * v0 : 4 * count, scale, shift]);
    },
    sumAll(x, n) {
      const src = ptr(x);
      const chunks = Math.ceil(n / SUM_CHUNK);
      const acc = heap.temp(8 * Math.max(1, chunks));
      const len4 = (c: number) => (Math.min(n, (c + 1) * SUM_CHUNK) - c * SUM_CHUNK) & ~3;
      runSplit(n >= parallelMin.adamElements && chunks >= live(), chunks, 1, (c0, count) => {
        const calls: number[] = [];
        for (let c = c0; c < c0 + count; c++) calls.push(JOB_SUM_ALL, 3, src + 4 * c * SUM_CHUNK, len4(c), acc + 8 * c);
        return calls;
      });
      const partial = new Float64Array(heap.floats().buffer, acc, chunks);
      let s = 0;
      for (let c = 0; c < chunks; c++) s += partial[c];
      const f = heap.get(x);
      for (let i = n & ~3; i < n; i++) s += f[i];
      heap.releaseTemps();
      return s;
    },
    tanh: (x, out, n) => unary.tanh(heap.ptr(x), heap.ptr(out), n),
    sigmoid: (x, out, n) => unary.sigmoid(heap.ptr(x), heap.ptr(out), n),
    copyRows(src, srcOff, srcStride, dst, dstOff, dstStride, rows, width) {
      misc.copyRows(heap.ptr(src) + 4 * srcOff, 4 * srcStride, heap.ptr(dst) + 4 * dstOff, 4 * dstStride, rows, 4 * width);
    },
    gatherRows(table, rows, width, indices, count, out) {
      misc.gatherRows(heap.ptr(table), rows, 4 * width, heap.ptr(indices), count, heap.ptr(out));
    },
    sumBatch(xId, outId, rows, n) {
      const n4 = n - (n % 4);
      const acc = heap.temp(8 * n);
      const accView = new Float64Array(heap.floats().buffer, acc, n);
      accView.fill(0);
      // Large sums are split by columns (whole vectors): each column is summed alone, in the same order.
      const v4 = n4 / 4;
      const xp = heap.ptr(xId);
      runSplit(v4 >= live() && rows * n >= 16 * parallelMin.adamElements, v4, 4, (v0, count) => [JOB_SUM, 5, xp + 16 * v0, acc + 32 * v0, rows, 4 * count, n]);
      const x = heap.get(xId);
      for (let j = n4; j < n; j++) for (let r = 0, i = j; r < rows; r++, i += n) accView[j] += x[i];
      heap.get(outId).set(accView);
      heap.releaseTemps();
    },
    get threads() {
      return pool?.threads ?? 1;
    },
    relaxed,
    get workers() {
      return pool?.workers ?? 0;
    },
    get ready() {
      return pool?.ready ?? false;
    },
    stats: () => pool?.stats() ?? null,
    dispose: () => pool?.dispose(),
    adam(p, g, m, v, pOut, mOut, vOut, n, { lr, beta1, beta2, eps, step, decoupledDecay }) {
      const ps = [ptr(p), ptr(g), ptr(m), ptr(v), ptr(pOut), ptr(mOut), ptr(vOut)];
      const scalars = [lr / (1 - beta1 ** step), 1 / (1 - beta2 ** step), 1 - lr * decoupledDecay, beta1, 1 - beta1, beta2, 1 - beta2, eps];
      // Ranges of whole vectors; the last task takes the rest. Each element's update is independent.
      const v4 = Math.floor(n / 4);
      runSplit(n >= parallelMin.adamElements && v4 >= live(), v4, 1024, (v0, count) => [JOB_ADAM, 16, ...ps.map((q) => q + 16 * v0), v0 + count === v4 ? n - 4 * v0 : 4 * count, ...scalars]);
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
      let packA = false;
      if (aPanels) {
        const key = transposeA ? 'AT' : 'A';
        apk = heap.cachedDerived(aId, key);
        if (!apk) {
          apk = heap.newDerived(aId, key, aPanels * aps);
          packA = true;
        }
      }
      const { bpk, bps, b } = operandB(bId, transposeB, k, n, aPanels > 0, m % MR !== 0);
      const bias = biasId === undefined ? 0 : heap.ptr(biasId);
      const blocks = Math.ceil(k / K_BLOCK);
      const kc = Math.ceil(k / blocks);
      const split = aPanels >= live() && 2 * m * n * k >= parallelMin.matmulFlops;
      const bPanels = bps ? Math.floor(n / W) : 0;
      if (split && 4 * k * n > MATMUL_TASK_B_BYTES && bPanels >= 2 * live()) {
        // A large B (a weight gradient's d(pre-activation)): tasks of B's column panels (the last
        // also the N % W leftover columns), each reading its own part of B once, after A is packed.
        if (packA) pack(JOB_PACK_A, aPanels, aPanels * MR * k, (q0, count) => [a + q0 * MR * ars, ars, aks, apk + q0 * aps, aps, k, count]);
        runSplit(true, bPanels, 1, (q0, count) => {
          const c0 = q0 * W;
          const cols = q0 + count >= bPanels ? n - c0 : count * W;
          const calls: number[] = [];
          for (let k0 = 0; k0 < k; k0 += kc)
            calls.push(JOB_MATMUL, 16, a + k0 * aks, b + 4 * c0 + k0 * 4 * n, k0 === 0 && bias ? bias + 4 * c0 : 0, out + 4 * c0, m, cols, Math.min(kc, k - k0), ars, aks, 4 * n, 4 * n, k0 === 0 ? 0 : 1, apk + k0 * 4 * MR, aps, bpk + q0 * bps + k0 * 4 * W, bps);
          return calls;
        });
        heap.releaseTemps();
        return;
      }
      // Else tasks of row panels (the last also the M % MR leftover rows), each packing its own
      // panels of A, then all K blocks of its rows: every output element is computed by the same
      // instructions in the same order whatever the split.
      runSplit(split, aPanels || 1, MATMUL_TASK_PANELS, (q0, count) => {
        const r0 = q0 * MR;
        const rowsHere = q0 + count >= aPanels ? m - r0 : count * MR;
        const calls: number[] = [];
        if (packA && count > 0) calls.push(JOB_PACK_A, 7, a + r0 * ars, ars, aks, apk + q0 * aps, aps, k, count);
        for (let k0 = 0; k0 < k; k0 += kc)
          calls.push(JOB_MATMUL, 16, a + r0 * ars + k0 * aks, b + k0 * 4 * n, k0 === 0 ? bias : 0, out + r0 * 4 * n, rowsHere, n, Math.min(kc, k - k0), ars, aks, 4 * n, 4 * n, k0 === 0 ? 0 : 1, apk + q0 * aps + k0 * 4 * MR, aps, bpk + k0 * 4 * W, bps);
        return calls;
      });
      heap.releaseTemps();
    },
  };
}
