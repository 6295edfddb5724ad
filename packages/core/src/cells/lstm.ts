import type { Tensor } from '../engine.js';
import { stepOf } from '../internal/fallbacks.js';
import type { Cell, CellConfig } from './cell.js';
import { CELL_FACTS, GATES } from './facts.js';
import { gateBlocks } from './gates.js';
import { projectRecurrent, projectRecurrentGrad } from './recurrent-input.js';

export type LstmCache = { hIn: Tensor[]; cPrev: Tensor; c: Tensor; gates: Tensor };

/**
 * LSTM (i, f, g, o). The pointwise part is the fused op `lstmCell` (a backend kernel when the
 * backend has one, else primitives): per step one matmul and one fused pass.
 */
export function lstmCell(config: Required<CellConfig>): Cell<LstmCache> {
  const act = { recurrentActivation: config.recurrentActivation };
  return {
    config,
    gates: GATES.lstm,
    hasCellState: CELL_FACTS.lstm.hasCellState,
    prepare: () => ({}),
    step(e, p, _prep, xp, { h, c }, mask) {
      const { hp, inputs } = projectRecurrent(e, h, p.Wh, p.bh, mask);
      const out = e.fused('lstmCell', [xp, hp, c!], act);
      return { state: { h: out.h, c: out.c }, cache: { hIn: inputs, cPrev: c!, c: out.c, gates: out.gates } };
    },
    stepBackward(e, p, _prep, { hIn, cPrev, c, gates }, d, mask) {
      const dc = d.c ?? e.zeros(c.shape);
      const { dPre, dcPrev } = e.fused('lstmCellGrad', [gates, cPrev, c, d.h, dc], act);
      const { dh, wh } = projectRecurrentGrad(e, dPre, p.Wh, hIn, mask);
      return { dXp: dPre, dState: { h: dh, c: dcPrev }, wh };
    },
    sequence(e, p, xp, { h, c }) {
      if (typeof e.backend.fused.lstmSequence !== 'function' || !e.useFused) return undefined;
      const out = e.fused('lstmSequence', p.bh ? [xp, p.Wh, h, c!, p.bh] : [xp, p.Wh, h, c!], act);
      return { y: out.y, state: { h: out.h, c: out.c }, seq: { hIn: out.hIn, cs: out.cs, gates: out.gates } };
    },
    sequenceBackward(e, p, { cs, gates, hIn }, { c: c0 }, d, dy) {
      const g = e.fused('lstmSequenceGrad', dy ? [gates, cs, c0!, p.Wh, d.h, d.c!, dy] : [gates, cs, c0!, p.Wh, d.h, d.c!], act);
      return { dXp: g.dPre, hIn, dState0: { h: g.dh0, c: g.dc0 } };
    },
    sequenceStep(e, { cs, gates, hIn }, { c: c0 }, final, t) {
      const T = cs.shape[0];
      const c = stepOf(e, cs, t);
      const cache = { hIn: [stepOf(e, hIn, t)], cPrev: t > 0 ? stepOf(e, cs, t - 1) : e.affine(c0!, 1, 0), c, gates: stepOf(e, gates, t) };
      return { cache, state: t < T - 1 ? { h: stepOf(e, hIn, t + 1), c: e.affine(c, 1, 0) } : final };
    },
    gateActivations: (e, { gates }) => gateBlocks(e, gates, config.units, GATES.lstm),
  };
}
