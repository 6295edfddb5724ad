import type { Cell, CellConfig } from './cell.js';

/**
 * LSTM (i, f, g, o). The pointwise part is the fused op `lstmCell` (a backend kernel when the
 * backend has one, else primitives): per step one matmul and one fused pass.
 */
export function lstmCell(config: Required<CellConfig>): Cell {
  const act = { recurrentActivation: config.recurrentActivation };
  return {
    config,
    gates: 4,
    hasCellState: true,
    prepare: () => ({}),
    step(e, p, _prep, xp, { h, c }) {
      const hp = e.matmul(h, p.Wh, { bias: p.bh });
      const out = e.fused('lstmCell', [xp, hp, c!], act);
      return { state: { h: out.h, c: out.c }, cache: { hPrev: h, cPrev: c!, c: out.c, gates: out.gates } };
    },
    stepBackward(e, p, _prep, { hPrev, cPrev, c, gates }, d) {
      const dc = d.c ?? e.zeros(c.shape);
      const { dPre, dcPrev } = e.fused('lstmCellGrad', [gates, cPrev, c, d.h, dc], act);
      return {
        dXp: dPre,
        dState: { h: e.matmul(dPre, p.Wh, { transposeB: true }), c: dcPrev },
        wh: [{ input: hPrev, dOut: dPre }],
      };
    },
  };
}
