import { BackendError, sizeOf, type Backend, type DataId, type MemoryInfo, type Shape } from '@recurrent/core';
import { createGpu, type Gpu } from './internal/context.js';
import { fusedKernels } from './internal/fused.js';
import { Counters, instrument, type OpStats, type WebglStats } from './internal/instrument.js';
import { primitiveKernels } from './internal/kernels.js';
import { mat } from './internal/store.js';
import { Gl } from './internal/types.js';

export interface WebglBackendOptions {
  /**
   * The canvas whose WebGL2 context the backend creates and owns (default: a new OffscreenCanvas,
   * or a detached <canvas> where OffscreenCanvas is missing). Do not use its context elsewhere.
   */
  canvas?: HTMLCanvasElement | OffscreenCanvas;
  /**
   * Time every kernel: wait for its result after each one (a readback) and add the wall time to
   * `stats().byOp[op].ms`. Slows everything down; for finding where a benchmark spends its time.
   */
  profile?: boolean;
  /**
   * matmul with four render targets (4x4 output blocks per fragment; about twice as few texture
   * fetches as tfjs's packed matmul). Default true where the context can draw to four float
   * textures at once; false runs tfjs's packed matmul kernel instead, e.g. on a driver whose
   * multiple render targets misbehave.
   */
  multipleRenderTargets?: boolean;
}

export interface WebglMemoryInfo extends MemoryInfo {
  /** tfjs tensors alive in this backend's own tfjs webgl instance (ours plus any in flight). */
  tfjsTensors: number;
  /** Textures bound to live tensors, and free textures kept in tfjs's pool for reuse. */
  texturesInUse: number;
  texturesPooled: number;
  /** Bytes of the textures bound to live tensors (tfjs's numBytesInGPU), and including the pool. */
  gpuBytes: number;
  gpuBytesAllocated: number;
}

/** The webgl backend: core's Backend plus pass counters and the WebGL context it owns. */
export interface WebglBackend extends Backend {
  readonly name: 'webgl';
  memory(): WebglMemoryInfo;
  /** Shader passes and kernel calls since the last resetStats() (for benchmarks). */
  stats(): WebglStats;
  resetStats(): void;
  /** The WebGL2 context this backend owns (read-only use: e.g. a test simulating a context loss). */
  readonly gl: WebGL2RenderingContext;
  /** Frees every texture, the compiled shaders and the context. Later calls throw. */
  destroy(): void;
}

/**
 * A backend whose tensors live in WebGL2 textures from the first op of a training step to the
 * last. tfjs (@tensorflow/tfjs-core and -backend-webgl, peer dependencies) is used only to run
 * shader programs: its packed matmul, and this package's own element-wise, reduction, layout and
 * fused LSTM / GRU / SimpleRNN / Adam programs. No tfjs tape, variables, layers or global backend.
 * Async because creating a GPU context is, on some platforms.
 */
export async function createWebglBackend(options: WebglBackendOptions = {}): Promise<WebglBackend> {
  const gpu: Gpu = createGpu(options.canvas);
  const g = new Gl(gpu.be, gpu.gl, gpu.maxInputs);
  const counters = new Counters();
  counters.profile = options.profile ?? false;
  const kernelsRaw = primitiveKernels(g, { multipleRenderTargets: options.multipleRenderTargets ?? true });
  const zeros = (shape: Shape): DataId => kernelsRaw.fill([], { shape, value: 0 }, shape);
  let gone = false; // destroyed or context lost: buffers are no longer ours to free

  const guard = (where: string) => {
    try {
      gpu.check(where);
    } catch (e) {
      gone = true;
      throw e;
    }
  };
  const transfer = <T>(fn: () => T): T => {
    gpu.be.inTransfer = true;
    try {
      return fn();
    } finally {
      gpu.be.inTransfer = false;
    }
  };

  const backend: WebglBackend = {
    name: 'webgl',
    precision: 'float32',
    gl: gpu.gl,
    kernels: instrument(kernelsRaw, g, gpu, counters, zeros),
    fused: instrument(fusedKernels(g), g, gpu, counters, zeros),
    write(values, shape) {
      guard('write');
      const n = sizeOf(shape);
      if (values.length !== n)
        throw new BackendError(
          `webgl backend: write got ${values.length} values for shape [${shape.join(', ')}], which holds ${n}. Pass exactly one value per element.`,
        );
      const data = values instanceof Float32Array ? values.slice() : Float32Array.from(values);
      const id = gpu.be.write(data, mat(shape), 'float32');
      if (n > 0) {
        // Upload now, as a packed texture: tensors live on the GPU from here on.
        gpu.be.texData.get(id).isPacked = true;
        transfer(() => gpu.be.uploadToGPU(id));
      }
      return g.store.put({ dataId: id, shape: mat(shape), dtype: 'float32' });
    },
    async read(id) {
      guard('read');
      const info = g.store.get(id, 'read');
      const values = await transfer(() => gpu.be.read(info.dataId));
      guard('read'); // a context lost while waiting reads back zeros: report it instead
      return new Float32Array(values as Float32Array);
    },
    readSync(id) {
      guard('readSync');
      const info = g.store.get(id, 'readSync');
      const values = transfer(() => gpu.be.readSync(info.dataId));
      guard('readSync');
      return new Float32Array(values as Float32Array);
    },
    dispose(id) {
      if (gone) return;
      try {
        gpu.check('dispose');
      } catch {
        // The textures went with the context: nothing to free, and a cleanup must not throw.
        gone = true;
        g.store.clear();
        return;
      }
      g.store.delete(id);
    },
    memory() {
      const tm = gpu.be.getTextureManager();
      const m = gone ? undefined : gpu.be.memory();
      return {
        buffers: g.store.size,
        bytes: g.store.bytes,
        tfjsTensors: gone ? 0 : gpu.be.numDataIds(),
        texturesInUse: gone ? 0 : tm.getNumUsedTextures(),
        texturesPooled: gone ? 0 : tm.getNumFreeTextures(),
        gpuBytes: m?.numBytesInGPU ?? 0,
        gpuBytesAllocated: m?.numBytesInGPUAllocated ?? 0,
      };
    },
    stats() {
      const byOp: Record<string, OpStats> = {};
      for (const [k, v] of counters.byOp) byOp[k] = { ...v };
      return {
        passes: gpu.be.computePasses - counters.passBase,
        transferPasses: gpu.be.transferPasses - counters.transferBase,
        copies: gpu.be.copies - counters.copyBase,
        kernelCalls: counters.calls,
        byOp,
      };
    },
    resetStats() {
      counters.calls = 0;
      counters.byOp.clear();
      counters.passBase = gpu.be.computePasses;
      counters.transferBase = gpu.be.transferPasses;
      counters.copyBase = gpu.be.copies;
    },
    destroy() {
      gone = true;
      g.store.clear();
      gpu.destroy();
    },
  };
  return backend;
}
