/**
 * The gpu.js backend (@recurrent/backend-gpujs, mode webgl2) as a benchmark contestant, with
 * the counts the backend does not keep itself, taken from outside it:
 * - kernel calls: its kernel and fused-kernel tables are wrapped (a counter per call), the same
 *   count as our WebGL backend's `kernelCalls`;
 * - shader passes: gpu.js draws every kernel run (and every upload, which it runs as a copy
 *   kernel) with one `drawArrays`, and a kernel map with several outputs in one draw
 *   (multiple render targets); tfjs, and our WebGL backend through tfjs's kernel runner, draw
 *   with `drawElements`. So `drawArrays` calls are gpu.js's passes, counted at the WebGL API;
 *   `copyTexSubImage2D` calls are its texture copies (gpu.js copies a texture it must mutate
 *   while a clone still shares it; none are expected with immutable pipeline kernels).
 * Neither wrapper changes what runs: the backend object is copied with wrapped tables.
 */
import { createGpujsBackend, type GpujsBackend } from '@recurrent/backend-gpujs';
import type { DataId } from '@recurrent/core';

/** Calls to WebGL2's drawArrays and copyTexSubImage2D in the page (any context). */
export interface GlCounts {
  draws: number;
  copies: number;
}

/** Wraps WebGL2RenderingContext.prototype once; the counters only ever grow. */
export function countGlCalls(): GlCounts {
  const proto = WebGL2RenderingContext.prototype as WebGL2RenderingContext & { __counts?: GlCounts };
  if (proto.__counts) return proto.__counts;
  const counts: GlCounts = { draws: 0, copies: 0 };
  const draw = proto.drawArrays;
  const copy = proto.copyTexSubImage2D;
  proto.drawArrays = function (this: WebGL2RenderingContext, ...a: Parameters<typeof draw>) {
    counts.draws++;
    return draw.apply(this, a);
  };
  proto.copyTexSubImage2D = function (this: WebGL2RenderingContext, ...a: Parameters<typeof copy>) {
    counts.copies++;
    return copy.apply(this, a);
  };
  proto.__counts = counts;
  return counts;
}

export interface GpujsOpStats {
  calls: number;
  passes: number;
  ms: number;
}

export interface CountedGpujs {
  /** The backend to train on (the gpu.js backend with counting kernel tables). */
  backend: GpujsBackend;
  /** Kernel calls (primitive and fused ops) so far. */
  kernelCalls(): number;
  /**
   * Profiling: each kernel call then reads one of its outputs back (readSync), so the GPU has
   * finished it when the clock stops; the readback's cost is included, as in our WebGL
   * backend's `profile: true`.
   */
  profile(on: boolean): void;
  byOp(): Record<string, GpujsOpStats>;
  resetProfile(): void;
}

type AnyKernel = (...a: unknown[]) => DataId | Record<string, DataId>;

export function countedGpujsBackend(gl: GlCounts): CountedGpujs {
  const inner = createGpujsBackend({ mode: 'webgl2' });
  if (inner.mode !== 'webgl2') throw new Error(`gpu.js backend: asked for webgl2, gpu.js runs ${inner.mode}`);
  let calls = 0;
  let profiling = false;
  let byOp: Record<string, GpujsOpStats> = {};
  const wrap = <T extends object>(table: T): T => {
    const out: Record<string, unknown> = {};
    for (const [op, fn] of Object.entries(table)) {
      if (typeof fn !== 'function') {
        out[op] = fn;
        continue;
      }
      const kernel = fn as AnyKernel;
      out[op] = (...a: unknown[]) => {
        calls++;
        if (!profiling) return kernel(...a);
        const d0 = gl.draws;
        const t0 = performance.now();
        const ids = kernel(...a);
        inner.readSync(typeof ids === 'number' ? ids : Object.values(ids)[0]);
        const s = (byOp[op] ??= { calls: 0, passes: 0, ms: 0 });
        s.ms += performance.now() - t0;
        s.calls++;
        s.passes += gl.draws - d0;
        return ids;
      };
    }
    return out as T;
  };
  const backend: GpujsBackend = { ...inner, kernels: wrap(inner.kernels), fused: wrap(inner.fused) };
  return {
    backend,
    kernelCalls: () => calls,
    profile: (on) => {
      profiling = on;
    },
    byOp: () => byOp,
    resetProfile: () => {
      byOp = {};
    },
  };
}
