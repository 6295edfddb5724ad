import { BackendError, ConfigError, sizeOf, type Backend, type Shape } from '@recurrent/core';
import { Device } from './internal/device.js';
import { createFusedKernels } from './internal/fused.js';
import type { GpujsMode, GpujsRunningMode } from './internal/gpujs.js';
import type { KernelCacheStats } from './internal/kernel-cache.js';
import type { Limits } from './internal/limits.js';
import { createKernels } from './internal/kernels.js';

export interface GpujsBackendOptions {
  /**
   * gpu.js mode: 'webasm' (WebAssembly, Node without headless-gl), 'cpu' (gpu.js's JavaScript
   * backend), 'webgl2' / 'webgl' (browsers), or 'gpu' (gpu.js picks: headlessgl, webgl2,
   * webgl, then webasm). Default 'gpu'.
   */
  mode?: GpujsMode;
  /** How many compiled kernels to keep (least recently used are destroyed). Default 256. */
  maxKernels?: number;
  /** Lowers the GL modes' MAX_TEXTURE_SIZE (a tensor whose texture would exceed it is a ShapeError). */
  maxTextureSize?: number;
  /**
   * Use gpu.js kernel maps (several outputs per pass: fused steps, Adam, 4x4 matmul blocks)
   * where the mode has them. Default true; false runs one output per pass, e.g. on a driver
   * whose multiple render targets misbehave.
   */
  kernelMaps?: boolean;
}

export interface GpujsBackend extends Backend {
  /** The gpu.js mode running the kernels (what 'gpu' resolved to). */
  readonly mode: GpujsRunningMode;
  /** Whether buffers are textures kept on the GPU between kernels (GL modes). */
  readonly textures: boolean;
  /** Whether fused ops with several same-size outputs run as one gpu.js kernel map. */
  readonly kernelMaps: boolean;
  readonly limits: Limits;
  /** The kernel cache: compiled, evicted and destroyed kernels. */
  kernelStats(): KernelCacheStats;
}

/**
 * A backend on gpu.js kernels: WebGL2 textures in browsers (kept on the GPU between
 * kernels), WebAssembly in Node, or gpu.js's JavaScript mode. Every kernel is compiled once
 * per shape and cached; kernels run only in the mode asked for (a gpu.js fallback to another
 * mode is a BackendError).
 */
export function createGpujsBackend(options: GpujsBackendOptions = {}): GpujsBackend {
  const maxKernels = options.maxKernels ?? 256;
  if (!Number.isInteger(maxKernels) || maxKernels < 1)
    throw new ConfigError(`createGpujsBackend: maxKernels must be an integer >= 1, got ${maxKernels}.`);
  if (options.maxTextureSize !== undefined && !(Number.isInteger(options.maxTextureSize) && options.maxTextureSize >= 1))
    throw new ConfigError(`createGpujsBackend: maxTextureSize must be an integer >= 1, got ${options.maxTextureSize}.`);
  const device = new Device({ mode: options.mode ?? 'gpu', maxKernels, maxTextureSize: options.maxTextureSize, kernelMaps: options.kernelMaps });
  const store = device.store;
  return {
    name: 'gpujs',
    precision: 'float32',
    mode: device.running,
    textures: device.textures,
    kernelMaps: device.kernelMaps,
    limits: device.limits,
    kernels: createKernels(device),
    fused: createFusedKernels(device),
    write(values: Float32Array | Float64Array, shape: Shape) {
      if (values.length !== sizeOf(shape))
        throw new BackendError(
          `gpujs backend: write got ${values.length} values for shape [${shape.join(', ')}], ` +
            `which holds ${sizeOf(shape)}. Pass exactly one value per element.`,
        );
      device.check('tensor', shape);
      return device.write(values);
    },
    read: async (id) => store.read(id),
    readSync: (id) => store.read(id),
    dispose: (id) => store.delete(id),
    memory: () => store.memory(),
    kernelStats: () => device.cache.stats(),
    destroy: () => device.destroy(),
  };
}
