/** The primitive op table: every op of core's OpSpec (a missing one is a compile error). */
import type { Kernels } from '@recurrent/core';
import { elementwiseKernels } from './elementwise.js';
import { layoutKernels } from './layout.js';
import { matmulKernel, type MatmulKind } from './matmul.js';
import { reduceKernels } from './reduce.js';
import type { Runtime } from './runtime.js';

export function primitiveKernels(rt: Runtime, matmul: MatmulKind): Kernels {
  // Joins place several equal-width blocks per dispatch: as many as the device binds, up to 8.
  const maxInputs = Math.max(1, Math.min(8, rt.device.limits.maxStorageBuffersPerShaderStage - 1));
  return { ...elementwiseKernels(rt), ...reduceKernels(rt), ...layoutKernels(rt, maxInputs), matmul: matmulKernel(rt, matmul) };
}
