import { BackendError, ConfigError, sizeOf, type Backend, type Shape } from '@recurrent/core';
import { createFusedKernels } from './internal/fused.js';
import { createKernels } from './internal/kernels.js';
import { ArrayStore, type Store } from './internal/store.js';
import { WasmHeap, type HeapOptions } from './internal/wasm/heap.js';
import { createWasmKernels, relaxedSimdSupported, wasmSimdSupported, type ParallelMin, type WasmKernels } from './internal/wasm/kernels.js';
import { defaultThreads, threadSupport, type ThreadStats } from './internal/wasm/pool.js';

/** The default thread count never exceeds this (a training step's matmuls stop scaling well beyond it). */
const DEFAULT_THREADS_CAP = 4;

/** Options for createCpuBackend. */
export interface CpuBackendOptions {
  /**
   * Use the WebAssembly SIMD kernels and keep tensors in a WebAssembly heap.
   * Default: when the runtime supports WebAssembly SIMD (Node 16.4+, current browsers).
   * `false`: the plain TypeScript kernels over one Float32Array per tensor (the reference path).
   * `true`: require SIMD; throws a ConfigError where it is missing.
   */
  simd?: boolean;
  /**
   * Threads for the large matmuls and Adam updates (the calling thread included), in worker
   * threads over a shared WebAssembly memory. Work is split by output (rows of a matmul,
   * element ranges of Adam), so results are bit-identical for every thread count.
   * Default: the available cores, at most 4, where threads can run (Node >= 20.16; a
   * cross-origin-isolated browser Worker); elsewhere 1, with a one-line console note when
   * more were asked for. Needs the SIMD kernels (with `simd: false` it is 1).
   * The workers stop with the backend's destroy() and never keep a Node process alive.
   */
  threads?: number;
  /**
   * The matmul's multiply-add: relaxed SIMD's f32x4.relaxed_madd (`true`; throws a ConfigError
   * where the runtime lacks it) or f32x4.mul + f32x4.add (`false`). Default: relaxed where
   * relaxedSimdSupported(). A fused multiply-add rounds once, so results differ
   * from the `false` path in the last bits and may differ between machines (not between
   * thread counts); pass `false` for results identical on every machine.
   */
  relaxed?: boolean;
}

/** Internal options for tests and measurements: a small heap that grows often, NaN-filled reused blocks, no B packing. */
export interface CpuBackendTestOptions extends CpuBackendOptions {
  heap?: HeapOptions;
  /** Pack B into panels for the matmul's wide tiles (default true). */
  pack?: boolean;
  /** The smallest work split across threads (tests set 0 so every matmul with a row panel per thread is split). */
  parallelMin?: ParallelMin;
}

/**
 * A float32 backend: matmul in WebAssembly SIMD (generated register-tiled kernels, see
 * internal/wasm) or in plain TypeScript (register-blocked), one monomorphic loop per
 * elementwise op and broadcast form, and single-pass fused LSTM, GRU and Adam kernels.
 */
export function createCpuBackend(options: CpuBackendOptions = {}): Backend {
  return createCpuBackendWith(options);
}

/** createCpuBackend with the internal test and measurement options (not exported by the package). */
export function createCpuBackendWith(options: CpuBackendTestOptions): Backend {
  const wantSimd = options.simd ?? wasmSimdSupported();
  if (wantSimd && !wasmSimdSupported())
    throw new ConfigError(
      'createCpuBackend({ simd: true }): this runtime has no WebAssembly SIMD. Leave `simd` unset to fall back to the TypeScript kernels.',
    );
  if (options.relaxed && !relaxedSimdSupported())
    throw new ConfigError('createCpuBackend({ relaxed: true }): this runtime has no WebAssembly relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd). Leave it unset to pick it when available.');
  const relaxed = wantSimd && (options.relaxed ?? relaxedSimdSupported());
  const threads = wantSimd ? resolveThreads(options.threads) : 1;
  const heap = wantSimd ? new WasmHeap({ ...options.heap, shared: threads > 1 }) : null;
  const store: Store = heap ?? new ArrayStore();
  const wasm = heap ? createWasmKernels(heap, options.pack ?? true, threads, options.parallelMin, relaxed) : null;
  const backend: Backend = {
    name: 'cpu',
    precision: 'float32',
    kernels: createKernels(store, wasm),
    fused: createFusedKernels(store, wasm),
    write(values: Float32Array | Float64Array, shape: Shape) {
      if (values.length !== sizeOf(shape))
        throw new BackendError(
          `cpu backend: write got ${values.length} values for shape [${shape.join(', ')}], ` +
            `which holds ${sizeOf(shape)}. Pass exactly one value per element.`,
        );
      const id = store.alloc(values.length);
      store.get(id).set(values);
      return id;
    },
    read: async (id) => store.get(id).slice(),
    readSync: (id) => store.get(id).slice(),
    dispose: (id) => store.delete(id),
    memory: () => store.memory(),
    destroy: () => {
      wasm?.dispose();
      store.clear();
    },
  };
  if (wasm) kernelsOf.set(backend, wasm);
  return backend;
}

const kernelsOf = new WeakMap<Backend, WasmKernels>();

/** Tests: whether a threaded backend's workers have all started (its split kernels then run in parallel). */
export function workersReady(backend: Backend): boolean {
  return kernelsOf.get(backend)?.ready ?? false;
}

/** Profiles: the thread pool's job counts and per-thread busy time (Pool.stats), null on one thread. */
export function threadStats(backend: Backend): ThreadStats | null {
  return kernelsOf.get(backend)?.stats() ?? null;
}

function resolveThreads(asked: number | undefined): number {
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1))
    throw new ConfigError(`createCpuBackend({ threads: ${asked} }): threads must be a whole number >= 1. Leave it unset for the available cores.`);
  if (asked === 1) return 1;
  const why = threadSupport();
  if (why === null) return asked ?? defaultThreads(DEFAULT_THREADS_CAP);
  if (!noted && (asked !== undefined || typeof (globalThis as { document?: unknown }).document === 'object')) {
    noted = true; // once per page or process
    console.info(`@recurrent/backend-cpu: running on one thread: ${why}.`);
  }
  return 1;
}
let noted = false;

/** Whether createCpuBackend() uses the WebAssembly SIMD kernels / relaxed SIMD's multiply-add in this runtime. */
export { relaxedSimdSupported, wasmSimdSupported };
