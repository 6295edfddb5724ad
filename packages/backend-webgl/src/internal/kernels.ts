/** Every primitive kernel of this backend, from the modules that implement them. */
import type { Kernels } from '@recurrent/core';
import { elementwiseKernels } from './elementwise.js';
import { layoutKernels } from './layout.js';
import { matmulKernel } from './matmul.js';
import { reduceKernels } from './reduce.js';
import type { Gl } from './types.js';

export const primitiveKernels = (g: Gl, opts: { multipleRenderTargets: boolean }): Kernels => ({
  ...elementwiseKernels(g),
  ...reduceKernels(g),
  ...layoutKernels(g),
  matmul: matmulKernel(g, opts.multipleRenderTargets),
});
