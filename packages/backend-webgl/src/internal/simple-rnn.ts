/** The fused SimpleRNN step: h' = act(xp + hp) in one pass (the fallback takes two). */
import type { FusedKernels } from '@recurrent/core';
import { defineProgram } from './program.js';
import type { Gl } from './types.js';

const STEP = defineProgram(
  ['XP', 'HP'],
  [{ name: 'uRelu', type: 'int' }],
  `vec4 value(int r, int c) { vec4 p = tex_XP(r, c) + tex_HP(r, c); return uRelu == 1 ? max(p, vec4(0.0)) : tanh_(p); }`,
);

export function simpleRnnKernel(g: Gl): Pick<FusedKernels, 'simpleRnnCell'> {
  return {
    simpleRnnCell: ([xp, hp], { activation }) => {
      const ins = [g.store.input(xp, 'simpleRnnCell'), g.store.input(hp, 'simpleRnnCell')];
      return { h: g.run(STEP, ins, ins[0].shape as [number, number], [activation === 'relu' ? 1 : 0]) };
    },
  };
}
