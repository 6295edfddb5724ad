/** The primitive op table: every op of core's OpSpec (a missing one is a compile error). */
import type { Kernels } from '@recurrent/core';
import { elementwiseKernels } from './elementwise.js';
import { layoutKernels } from './layout.js';
import { matmulKernel } from './matmul.js';
import { reduceKernels } from './reduce.js';
import type { Runtime } from './runtime.js';

export function primitiveKernels(rt: Runtime): Kernels {
  return { ...elementwiseKernels(rt), ...reduceKernels(rt), ...layoutKernels(rt), matmul: matmulKernel(rt) };
}
