/**
 * The part of gpu.js this package uses, behind narrow types: gpu.js's own declarations do not
 * describe kernels given as source strings, kernel maps with texture outputs, or the kernel
 * classes' static features. Everything gpu.js-specific about choosing and checking a mode is
 * here.
 */
import { BackendError } from '@recurrent/core';
import { CPUKernel, GLKernel, GPU, HeadlessGLKernel, WebAssemblyKernel, WebGL2Kernel, WebGLKernel } from 'gpu.js';

/** The modes a backend can be asked for; 'gpu' is gpu.js's automatic choice. */
export type GpujsMode = 'webasm' | 'cpu' | 'webgl2' | 'webgl' | 'gpu';
/** The mode that actually runs. */
export type GpujsRunningMode = 'webasm' | 'cpu' | 'webgl2' | 'webgl' | 'headlessgl';

/** A gpu.js texture (GL modes): readable, cloneable, deleted once. */
export interface GpuTexture {
  toArray(): unknown;
  delete(): void;
}

export type DeviceValue = Float32Array | GpuTexture;

/** What a compiled kernel (gpu.js's "run shortcut") offers us. */
export interface KernelRun {
  (...args: unknown[]): unknown;
  /** The kernel that runs; gpu.js replaces it when it falls back or switches. */
  kernel: { constructor: unknown; fallbackReason?: string | null; destroy(removeCanvasReference?: boolean): void };
}

interface KernelClass {
  destroyContext?(context: unknown): void;
  readonly features?: { kernelMap?: boolean; isFloatRead?: boolean; isTextureFloat?: boolean; maxTextureSize?: number };
  readonly prototype: object;
}

export interface KernelSettings {
  output: [number];
  constants?: Record<string, number>;
  loopMaxIterations: number;
  functions: string[];
}

export interface GpuInstance {
  readonly kernelClass: KernelClass;
  readonly running: GpujsRunningMode;
  createKernel(source: string, settings: KernelSettings): KernelRun;
  createKernelMap(outputs: Record<string, string>, source: string, settings: KernelSettings): KernelRun;
  /** Releases the GL context (GL modes) and whatever gpu.js still holds. Call after destroying every kernel. */
  destroy(): void;
}

const CLASSES: [GpujsRunningMode, unknown][] = [
  ['webasm', WebAssemblyKernel],
  ['cpu', CPUKernel],
  ['webgl2', WebGL2Kernel],
  ['webgl', WebGLKernel],
  ['headlessgl', HeadlessGLKernel],
];

/** The name of a gpu.js kernel class (class names may be minified in a browser bundle). */
export function modeOfKernelClass(cls: unknown): string {
  return CLASSES.find(([, c]) => c === cls)?.[0] ?? String((cls as { name?: string })?.name ?? cls);
}

export const isTextureMode = (cls: KernelClass): boolean => cls.prototype instanceof (GLKernel as unknown as { new (): object });

/**
 * Creates a gpu.js instance in `mode`, or throws a BackendError saying why it cannot run here.
 * gpu.js throws for an unsupported explicit mode; for 'gpu' it picks the first of headlessgl,
 * webgl2, webgl, webasm that works.
 */
export function openGpu(mode: GpujsMode): GpuInstance {
  let gpu: GPU;
  try {
    gpu = new GPU({ mode: mode as never });
  } catch (e) {
    throw new BackendError(
      `gpujs backend: gpu.js cannot run mode '${mode}' here (${(e as Error).message}). ` +
        `Use mode 'webasm' or 'cpu' in Node without headless-gl, 'webgl2' in a browser.`,
    );
  }
  const kernelClass = gpu.Kernel as unknown as KernelClass;
  const running = modeOfKernelClass(kernelClass) as GpujsRunningMode;
  // GL modes: outputs stay on the GPU as textures (pipeline), a new one per call (immutable).
  // Array modes: gpu.js returns a fresh Float32Array per call either way, and its pipeline
  // path costs ~40 us more per call in webasm (measured), so it is off.
  const textures = isTextureMode(kernelClass);
  const common = { pipeline: textures, immutable: textures, precision: 'single', tactic: 'precision' } as const;
  const g = gpu as unknown as {
    createKernel(source: string, settings: object): KernelRun;
    createKernelMap(outputs: Record<string, string>, source: string, settings: object): KernelRun;
  };
  return {
    kernelClass,
    running,
    createKernel: (source, settings) => g.createKernel(source, { ...common, ...settings }),
    createKernelMap: (outputs, source, settings) => g.createKernelMap(outputs, source, { ...common, ...settings }),
    destroy: () => {
      // gpu.destroy() loses the context only through a kernel it still holds, and ours are
      // destroyed by the kernel cache first; browsers cap live WebGL contexts (~16), so lose it here.
      const context = (gpu as unknown as { context?: unknown }).context;
      if (context && kernelClass.destroyContext) kernelClass.destroyContext(context);
      gpu.destroy().catch(() => undefined);
    },
  };
}
