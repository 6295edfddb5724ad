import type { Tensor } from '../engine.js';
import type { Cell, CellConfig } from './cell.js';
import { CELL_FACTS, GATES } from './facts.js';
import { projectRecurrent, projectRecurrentGrad } from './recurrent-input.js';

export type SimpleRnnCache = { hIn: Tensor[]; hNew: Tensor };

/** h' = act(x@Wx + bx + h@Wh + bh), act = tanh or relu. */
export function simpleRnnCell(config: Required<CellConfig>): Cell<SimpleRnnCache> {
  const relu = config.activation === 'relu';
  return {
    config,
    gates: GATES.simpleRnn,
    hasCellState: CELL_FACTS.simpleRnn.hasCellState,
    prepare: () => ({}),
    step(e, p, _prep, xp, { h }, mask) {
      const { hp, inputs } = projectRecurrent(e, h, p.Wh, p.bh, mask);
      const { h: hNew } = e.fused('simpleRnnCell', [xp, hp], { activation: config.activation });
      return { state: { h: hNew }, cache: { hIn: inputs, hNew } };
    },
    stepBackward(e, p, _prep, { hIn, hNew }, d, mask) {
      const dPre = relu ? e.reluGrad(hNew, d.h) : e.tanhGrad(hNew, d.h);
      const { dh, wh } = projectRecurrentGrad(e, dPre, p.Wh, hIn, mask);
      return { dXp: dPre, dState: { h: dh }, wh };
    },
  };
}
