import { BackendError, sizeOf, type Backend, type Shape } from '@recurrent/core';
import { createFusedKernels } from './internal/fused.js';
import { createKernels } from './internal/kernels.js';
import { BufferStore } from './internal/store.js';

/** Options for createCpuBackend. None yet; the object is accepted so adding some is not a breaking change. */
// biome-ignore lint/suspicious/noEmptyInterface: options will be added; an interface keeps declaration merging open.
export interface CpuBackendOptions {}

/**
 * A float32 backend in plain JavaScript: register-blocked matmul, one monomorphic loop per
 * op and broadcast form, and single-pass fused LSTM, GRU and Adam kernels.
 */
export function createCpuBackend(_options: CpuBackendOptions = {}): Backend {
  const store = new BufferStore();
  return {
    name: 'cpu',
    precision: 'float32',
    kernels: createKernels(store),
    fused: createFusedKernels(store),
    write(values: Float32Array | Float64Array, shape: Shape) {
      if (values.length !== sizeOf(shape))
        throw new BackendError(
          `cpu backend: write got ${values.length} values for shape [${shape.join(', ')}], ` +
            `which holds ${sizeOf(shape)}. Pass exactly one value per element.`,
        );
      return store.put(new Float32Array(values));
    },
    read: async (id) => store.get(id).slice(),
    readSync: (id) => store.get(id).slice(),
    dispose: (id) => store.delete(id),
    memory: () => store.memory(),
    destroy: () => store.clear(),
  };
}
