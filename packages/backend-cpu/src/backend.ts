import { BackendError, ConfigError, sizeOf, type Backend, type Shape } from '@recurrent/core';
import { createFusedKernels } from './internal/fused.js';
import { createKernels } from './internal/kernels.js';
import { ArrayStore, type Store } from './internal/store.js';
import { WasmHeap, type HeapOptions } from './internal/wasm/heap.js';
import { createWasmKernels, wasmSimdSupported } from './internal/wasm/kernels.js';

/** Options for createCpuBackend. */
export interface CpuBackendOptions {
  /**
   * Use the WebAssembly SIMD kernels and keep tensors in a WebAssembly heap.
   * Default: when the runtime supports WebAssembly SIMD (Node 16.4+, current browsers).
   * `false`: the plain TypeScript kernels over one Float32Array per tensor (the reference path).
   * `true`: require SIMD; throws a ConfigError where it is missing.
   */
  simd?: boolean;
}

/** Internal options for tests and measurements: a small heap that grows often, NaN-filled reused blocks, no B packing. */
export interface CpuBackendTestOptions extends CpuBackendOptions {
  heap?: HeapOptions;
  /** Pack B into panels for the matmul's wide tiles (default true). */
  pack?: boolean;
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
  const heap = wantSimd ? new WasmHeap(options.heap) : null;
  const store: Store = heap ?? new ArrayStore();
  const wasm = heap ? createWasmKernels(heap, options.pack ?? true) : null;
  return {
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
    destroy: () => store.clear(),
  };
}

/** Whether createCpuBackend() uses the WebAssembly SIMD kernels in this runtime. */
export { wasmSimdSupported };
