/**
 * One gpu.js instance and what runs on it: the kernel cache, the buffer store, the size
 * limits, and `run`, which compiles (once per key), runs, checks that gpu.js did not fall
 * back to another mode, and stores the outputs.
 */
import { BackendError, type DataId, type Shape } from '@recurrent/core';
import { KernelCache } from './kernel-cache.js';
import { checkShape, limitsFor, type Limits } from './limits.js';
import {
  isTextureMode,
  modeOfKernelClass,
  openGpu,
  type DeviceValue,
  type GpuInstance,
  type GpujsMode,
  type GpujsRunningMode,
  type KernelRun,
} from './gpujs.js';
import { COPY } from './sources/elementwise.js';
import { HELPERS } from './sources/helpers.js';
import { BufferStore } from './store.js';

/** Everything that identifies one compiled kernel. */
export interface KernelSpec {
  /** Names the source variant; with `output` and `constants` it is the cache key. */
  name: string;
  source: string;
  /** Number of output elements (the kernel's 1-D output size). */
  output: number;
  /** Shape numbers compiled into the kernel (`this.constants.X`). */
  constants?: Record<string, number>;
  /** The longest loop in the source, in iterations (sets loopMaxIterations). */
  loop?: number;
}

/** A value passed to a kernel: a stored buffer, a number, or host values (uploads). */
export type Arg = DataId | { scalar: number } | Float32Array;
export const scalar = (v: number): Arg => ({ scalar: v });

export interface DeviceOptions {
  mode: GpujsMode;
  maxKernels: number;
  /** Lowers the GL modes' MAX_TEXTURE_SIZE (tests, cautious apps); never raises it. */
  maxTextureSize?: number;
  /** false: no kernel maps even where gpu.js has them. */
  kernelMaps?: boolean;
}

export class Device {
  readonly gpu: GpuInstance;
  readonly running: GpujsRunningMode;
  /** Buffers are gpu.js textures (GL modes) rather than Float32Arrays. */
  readonly textures: boolean;
  /** gpu.js runs kernel maps (several outputs per pass) in this mode without falling back. */
  readonly kernelMaps: boolean;
  readonly limits: Limits;
  readonly cache: KernelCache;
  readonly store: BufferStore;
  #destroyed = false;

  constructor(options: DeviceOptions) {
    this.gpu = openGpu(options.mode);
    this.running = this.gpu.running;
    const features = this.gpu.kernelClass.features ?? {};
    this.textures = isTextureMode(this.gpu.kernelClass);
    if (this.textures && !(features.isFloatRead && features.isTextureFloat)) {
      this.gpu.destroy();
      throw new BackendError(
        `gpujs backend: ${this.running} here cannot store or read float32 textures, and gpu.js's 8-bit fallback ` +
          `would round every value. Use a browser with WebGL2, or mode 'webasm'.`,
      );
    }
    // webasm accepts kernel maps but runs them on gpu.js's cpu backend instead.
    this.kernelMaps = options.kernelMaps !== false && features.kernelMap === true && this.running !== 'webasm';
    const maxTex = this.textures ? Math.min(features.maxTextureSize ?? 4096, options.maxTextureSize ?? Infinity) : null;
    this.limits = limitsFor(this.running, maxTex);
    this.cache = new KernelCache(options.maxKernels, this.textures);
    this.store = new BufferStore(this.cache);
  }

  check(where: string, shape: Shape): void {
    checkShape(where, shape, this.limits, this.running);
  }

  /** Runs a kernel with one output and stores it. */
  run(spec: KernelSpec, args: Arg[]): DataId {
    const entry = this.#kernel(spec, () => this.gpu.createKernel(spec.source, this.#settings(spec)));
    const out = this.#call(spec, entry.run, args) as DeviceValue;
    return this.store.put(out, spec.output, this.textures ? entry : null);
  }

  /**
   * Runs a kernel map: `map` names each extra output and the sub-kernel source whose return
   * value it stores; the main return value is `result`. Only where `kernelMaps` is true.
   */
  runMap<K extends string>(spec: KernelSpec, map: Record<K, string>, args: Arg[]): Record<K | 'result', DataId> {
    const entry = this.#kernel(spec, () => this.gpu.createKernelMap(map, spec.source, this.#settings(spec)));
    const out = this.#call(spec, entry.run, args) as Record<string, DeviceValue>;
    const ids = {} as Record<K | 'result', DataId>;
    for (const k of ['result', ...Object.keys(map)] as (K | 'result')[]) {
      const v = out[k];
      if (v === undefined) throw new BackendError(`gpujs backend: kernel map ${spec.name} returned no '${k}' output.`);
      ids[k] = this.store.put(v, spec.output, this.textures ? entry : null);
    }
    return ids;
  }

  /** Uploads values (a kernel run into a texture in GL modes, a copy in array modes). */
  write(values: Float32Array | Float64Array): DataId {
    const n = values.length;
    const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
    if (!this.textures || n === 0) return this.store.put(f32 === values ? f32.slice() : f32, n, null);
    return this.run({ name: 'upload', source: COPY, output: n }, [f32]);
  }

  #kernel(spec: KernelSpec, create: () => KernelRun) {
    if (this.#destroyed) throw new BackendError(`gpujs backend (${this.running}): ${spec.name} after destroy(); create a new backend.`);
    const key = `${spec.name}|${spec.output}|${spec.constants ? Object.values(spec.constants).join(',') : ''}`;
    return this.cache.get(key, () => {
      try {
        return create();
      } catch (e) {
        throw this.#error(spec, e);
      }
    });
  }

  #settings(spec: KernelSpec) {
    return {
      output: [spec.output] as [number],
      constants: spec.constants,
      // gpu.js silently stops a loop it cannot prove bounded after loopMaxIterations (1000
      // by default); every loop here runs at most spec.loop times.
      loopMaxIterations: Math.max(1, spec.loop ?? 0) + 1,
      functions: HELPERS,
    };
  }

  #call(spec: KernelSpec, run: KernelRun, args: Arg[]): unknown {
    const values = args.map((a) => (typeof a === 'number' ? this.store.get(a) : a instanceof Float32Array ? a : a.scalar));
    let out: unknown;
    try {
      out = run(...values);
    } catch (e) {
      throw this.#error(spec, e);
    }
    // gpu.js answers what a mode cannot run by running it on its cpu backend (with a console
    // warning); a backend asked for webasm or WebGL2 must not quietly become another one.
    const cls = run.kernel.constructor;
    if (cls !== this.gpu.kernelClass)
      throw new BackendError(
        `gpujs backend (${this.running}): gpu.js ran kernel '${spec.name}' on its ${modeOfKernelClass(cls)} backend ` +
          `instead (${run.kernel.fallbackReason ?? 'no reason given'}). This is a bug in @recurrent/backend-gpujs; please report it.`,
      );
    return out;
  }

  #error(spec: KernelSpec, e: unknown): BackendError {
    if (e instanceof BackendError) return e;
    return new BackendError(
      `gpujs backend (${this.running}): kernel '${spec.name}' (output ${spec.output}) failed in gpu.js: ${(e as Error).message ?? e}`,
    );
  }

  /** Frees every buffer, kernel and the GL context; the device is unusable afterwards. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.store.clear();
    this.cache.clear();
    this.gpu.destroy();
  }
}
