/**
 * Wraps every kernel with what all of them need: the context-loss check, empty tensors (no pass
 * at all), and the pass counters behind `backend.stats()`.
 */
import { sizeOf, type DataId, type FusedKernels, type Kernels, type Shape, type TensorInfo } from '@recurrent/core';
import type { Gpu } from './context.js';
import { mat } from './store.js';
import type { Gl } from './types.js';

/** Kernel calls and shader passes per op since the last reset. */
export interface OpStats {
  calls: number;
  passes: number;
  copies: number;
  /** Wall time with the GPU drained after each call (only with `profile: true`, else 0). */
  ms: number;
}

export interface WebglStats {
  /** Compute passes (shader draws) since the last reset, tfjs's matmul and internal reshapes included. */
  passes: number;
  /** Passes that upload or read back data (encode / decode shaders). */
  transferPasses: number;
  /** Texture-to-texture copies (stackTime's GPU copies; no shader). */
  copies: number;
  /** Kernel calls (primitive and fused) since the last reset. */
  kernelCalls: number;
  /** Per op name (e.g. `matmul`, `lstmCell`). */
  byOp: Record<string, OpStats>;
}

export class Counters {
  /** Wait for every kernel's result (a readback) and time it. */
  profile = false;
  calls = 0;
  byOp = new Map<string, OpStats>();
  passBase = 0;
  transferBase = 0;
  copyBase = 0;
}

/** Ops whose output is all zeros when an input is empty (a sum over nothing, a gather from nothing). */
const ZERO_WHEN_EMPTY = new Set(['sumBatch', 'sumLast', 'sumAll', 'gatherRows', 'scatterAddRows']);

export function instrument<T extends Kernels | FusedKernels>(table: T, g: Gl, gpu: Gpu, counters: Counters, zeros: (s: Shape) => DataId): T {
  const out: Record<string, unknown> = {};
  for (const [op, fn] of Object.entries(table) as [string, (i: TensorInfo[], a: unknown, o: unknown) => unknown][]) {
    out[op] = (inputs: TensorInfo[], attrs: unknown, outShape: unknown) => {
      gpu.check(op);
      if (Array.isArray(outShape)) {
        // A primitive: one output shape.
        if (sizeOf(outShape) === 0) return g.store.put(g.be.makeTensorInfo(mat(outShape), 'float32', new Float32Array(0)));
        if (ZERO_WHEN_EMPTY.has(op) && inputs.some((t) => sizeOf(t.shape) === 0)) return zeros(outShape);
      }
      const before = g.be.computePasses;
      const copiesBefore = g.be.copies;
      const t0 = counters.profile ? performance.now() : 0;
      const result = fn(inputs, attrs, outShape);
      if (counters.profile) {
        // Wait for this op's result (a readback waits for everything it depends on; WebGL's
        // finish() does not block in Chrome). The readback's own cost is included.
        const first = typeof result === 'number' ? result : Object.values(result as Record<string, DataId>)[0];
        g.be.inTransfer = true;
        g.be.readSync(g.store.get(first, op).dataId);
        g.be.inTransfer = false;
      }
      counters.calls++;
      let s = counters.byOp.get(op);
      if (!s) counters.byOp.set(op, (s = { calls: 0, passes: 0, copies: 0, ms: 0 }));
      s.calls++;
      s.passes += g.be.computePasses - before;
      s.copies += g.be.copies - copiesBefore;
      if (counters.profile) s.ms += performance.now() - t0;
      return result;
    };
  }
  return out as T;
}
