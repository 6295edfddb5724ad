/**
 * The fused Adam / AdamW update (definition: core's internal/fallbacks.ts). One program, run three
 * times (p', m', v'; a shader writes one texture), each reading p, g, m, v once per texel instead of
 * the fallback's 13 element-wise passes.
 */
import type { FusedKernels } from '@recurrent/core';
import { defineProgram } from './program.js';
import type { Gl } from './types.js';

const ADAM = defineProgram(
  ['P', 'G', 'M', 'V'],
  [
    { name: 'uB1', type: 'float' },
    { name: 'uOneMinusB1', type: 'float' },
    { name: 'uB2', type: 'float' },
    { name: 'uOneMinusB2', type: 'float' },
    { name: 'uLrOverBc1', type: 'float' },
    { name: 'uInvBc2', type: 'float' },
    { name: 'uEps', type: 'float' },
    { name: 'uDecay', type: 'float' },
    { name: 'uWhich', type: 'int' },
  ],
  `vec4 value(int r, int c) {
    vec4 g = tex_G(r, c);
    vec4 m = tex_M(r, c) * uB1 + g * uOneMinusB1;
    if (uWhich == 1) return m;
    vec4 v = tex_V(r, c) * uB2 + (g * g) * uOneMinusB2;
    if (uWhich == 2) return v;
    vec4 upd = (m * uLrOverBc1) / (sqrt(v * uInvBc2) + uEps);
    return tex_P(r, c) * uDecay - upd;
  }`,
);

export function adamKernel(g: Gl): Pick<FusedKernels, 'adamUpdate'> {
  return {
    adamUpdate: ([p, grad, m, v], { lr, beta1, beta2, eps, step, decoupledDecay }) => {
      const ins = [p, grad, m, v].map((t) => g.store.input(t, 'adamUpdate'));
      const shape = ins[0].shape as [number, number];
      const bc1 = 1 - beta1 ** step;
      const bc2 = 1 - beta2 ** step;
      const u = (which: number) => [beta1, 1 - beta1, beta2, 1 - beta2, lr / bc1, 1 / bc2, eps, decoupledDecay ? 1 - lr * decoupledDecay : 1, which];
      return { p: g.run(ADAM, ins, shape, u(0)), m: g.run(ADAM, ins, shape, u(1)), v: g.run(ADAM, ins, shape, u(2)) };
    },
  };
}
