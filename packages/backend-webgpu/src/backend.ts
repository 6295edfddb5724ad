/// <reference types="@webgpu/types" />
import { BackendError, sizeOf, type Backend, type DataId, type MemoryInfo } from '@recurrent/core';
import { requestDevice } from './internal/device.js';
import { noSyncRead } from './internal/errors.js';
import { fusedKernels } from './internal/fused.js';
import { primitiveKernels } from './internal/kernels.js';
import type { MatmulKind } from './internal/matmul.js';
import { Runtime } from './internal/runtime.js';

export interface WebgpuBackendOptions {
  /**
   * The GPUDevice to run on (default: a new device from `navigator.gpu`'s default adapter, which
   * the backend destroys in destroy()). A device you pass stays yours: destroy() leaves it alive.
   */
  device?: GPUDevice;
  /**
   * The matmul kernel: 'workgroup' (tiles staged in workgroup memory; the default on a GPU) or
   * 'registers' (no workgroup memory; the default on a CPU adapter such as SwiftShader, where
   * workgroup barriers cost more than the fetches they save).
   */
  matmul?: MatmulKind;
}

/** A software (CPU) adapter: SwiftShader, llvmpipe / lavapipe, or one the browser calls a fallback. */
function isCpuAdapter(device: GPUDevice): boolean {
  const info = (device as Partial<Pick<GPUDevice, 'adapterInfo'>>).adapterInfo;
  if (!info) return false;
  return info.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
}

export interface WebgpuMemoryInfo extends MemoryInfo {
  /** Free buffers kept for reuse, and the bytes of every buffer the backend holds (live and free). */
  pooledBuffers: number;
  gpuBytes: number;
}

export interface WebgpuStats {
  /** Compute shader dispatches recorded, and command buffers submitted, since resetStats(). */
  dispatches: number;
  submits: number;
}

/** The webgpu backend: core's Backend plus dispatch counters and the device it runs on. */
export interface WebgpuBackend extends Backend {
  readonly name: 'webgpu';
  readonly device: GPUDevice;
  /** The matmul kernel in use (see WebgpuBackendOptions.matmul). */
  readonly matmul: MatmulKind;
  memory(): WebgpuMemoryInfo;
  stats(): WebgpuStats;
  resetStats(): void;
  /** Throws: WebGPU reads only asynchronously. Use `read` (`await t.data()`). */
  readSync(dataId: DataId): never;
  /** Frees every buffer and, unless you passed the device, the device. Later calls throw. */
  destroy(): void;
}

/**
 * A backend whose tensors live in WebGPU storage buffers, every op a WGSL compute shader of this
 * package. Ops record dispatches into a command encoder that is submitted in batches; only
 * `read` waits for the GPU. Throws a BackendError where WebGPU is missing.
 */
export async function createWebgpuBackend(options: WebgpuBackendOptions = {}): Promise<WebgpuBackend> {
  const device = options.device ?? (await requestDevice());
  const rt = new Runtime(device);
  const ownDevice = options.device === undefined;
  let base = { dispatches: 0, submits: 0 };
  const matmul = options.matmul ?? (isCpuAdapter(device) ? 'registers' : 'workgroup');

  // Every kernel first checks the device (lost, destroyed, an earlier GPU error) by name.
  const guarded = <T extends object>(table: T): T => {
    const out: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(table) as [string, (...a: unknown[]) => unknown][])
      out[name] = (...args: unknown[]) => {
        rt.check(name);
        return fn(...args);
      };
    return out as T;
  };

  return {
    name: 'webgpu',
    precision: 'float32',
    device,
    matmul,
    kernels: guarded(primitiveKernels(rt, matmul)),
    fused: guarded(fusedKernels(rt)),
    write(values, shape) {
      rt.check('write');
      const n = sizeOf(shape);
      if (values.length !== n)
        throw new BackendError(
          `webgpu backend: write got ${values.length} values for shape [${shape.join(', ')}], which holds ${n}. Pass exactly one value per element.`,
        );
      const id = rt.alloc(n, 'write');
      rt.write(id, values instanceof Float32Array ? values : Float32Array.from(values));
      return id;
    },
    async read(id) {
      rt.check('read');
      return rt.read(id);
    },
    readSync(): never {
      throw noSyncRead();
    },
    dispose(id) {
      if (rt.destroyed) return;
      rt.free(id);
    },
    memory() {
      return { buffers: rt.live, bytes: rt.bytes, pooledBuffers: rt.pooled, gpuBytes: rt.gpuBytes };
    },
    stats() {
      return { dispatches: rt.dispatches - base.dispatches, submits: rt.submits - base.submits };
    },
    resetStats() {
      base = { dispatches: rt.dispatches, submits: rt.submits };
    },
    destroy() {
      rt.destroy(ownDevice);
    },
  };
}
