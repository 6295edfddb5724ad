import type { Tensor } from '../engine.js';
import { stepOf } from '../internal/fallbacks.js';
import type { Cell, CellConfig } from './cell.js';
import { CELL_FACTS, GATES } from './facts.js';
import { projectRecurrent, projectRecurrentGrad } from './recurrent-input.js';

export type SimpleRnnCache = { hIn: Tensor[]; hNew: Tensor };

/** h' = act(x@Wx + bx + h@Wh + bh), act = tanh or relu. */
export function simpleRnnCell(config: Required<CellConfig>): Cell<SimpleRnnCache> {
  const relu = config.activation === 'relu';
  const act = { activation: config.activation };
  return {
    config,
    gates: GATES.simpleRnn,
    hasCellState: CELL_FACTS.simpleRnn.hasCellState,
    prepare: () => ({}),
    step(e, p, _prep, xp, { h }, mask) {
      const { hp, inputs } = projectRecurrent(e, h, p.Wh, p.bh, mask);
      const { h: hNew } = e.fused('simpleRnnCell', [xp, hp], act);
      return { state: { h: hNew }, cache: { hIn: inputs, hNew } };
    },
    stepBackward(e, p, _prep, { hIn, hNew }, d, mask) {
      const dPre = relu ? e.reluGrad(hNew, d.h) : e.tanhGrad(hNew, d.h);
      const { dh, wh } = projectRecurrentGrad(e, dPre, p.Wh, hIn, mask);
      return { dXp: dPre, dState: { h: dh }, wh };
    },
    sequence(e, p, xp, { h }) {
      if (typeof e.backend.fused.simpleRnnSequence !== 'function' || !e.useFused) return undefined;
      const out = e.fused('simpleRnnSequence', p.bh ? [xp, p.Wh, h, p.bh] : [xp, p.Wh, h], act);
      // The final h goes to the caller; the backward reads its own copy.
      return { y: out.y, state: { h: out.h }, seq: { hIn: out.hIn, hLast: e.affine(out.h, 1, 0) } };
    },
    sequenceBackward(e, p, { hIn, hLast }, _state0, d, dy) {
      const g = e.fused('simpleRnnSequenceGrad', dy ? [hIn, hLast, p.Wh, d.h, dy] : [hIn, hLast, p.Wh, d.h], act);
      return { dXp: g.dPre, hIn, dState0: { h: g.dh0 } };
    },
    sequenceStep(e, { hIn }, _state0, final, t) {
      const last = t === hIn.shape[0] - 1;
      const hNew = last ? final.h : stepOf(e, hIn, t + 1);
      return { cache: { hIn: [stepOf(e, hIn, t)], hNew }, state: last ? final : { h: hNew } };
    },
  };
}
