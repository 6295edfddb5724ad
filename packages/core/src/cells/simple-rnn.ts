import type { Cell, CellConfig } from './cell.js';

/** h' = act(x@Wx + bx + h@Wh + bh), act = tanh or relu. */
export function simpleRnnCell(config: Required<CellConfig>): Cell {
  const relu = config.activation === 'relu';
  return {
    config,
    gates: 1,
    hasCellState: false,
    prepare: () => ({}),
    step(e, p, _prep, xp, { h }) {
      const hp = e.matmul(h, p.Wh, { bias: p.bh });
      const { h: hNew } = e.fused('simpleRnnCell', [xp, hp], { activation: config.activation });
      return { state: { h: hNew }, cache: { hPrev: h, hNew } };
    },
    stepBackward(e, p, _prep, { hPrev, hNew }, d) {
      const dPre = relu ? e.reluGrad(hNew, d.h) : e.tanhGrad(hNew, d.h);
      return {
        dXp: dPre,
        dState: { h: e.matmul(dPre, p.Wh, { transposeB: true }) },
        wh: [{ input: hPrev, dOut: dPre }],
      };
    },
  };
}
