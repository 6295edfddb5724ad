import type { Tensor } from '../engine.js';
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
    gateActivations: (e, { gates }) => gateBlocks(e, gates, config.units, GATES.lstm),
  };
}
